/** First character and length: enough to find the leak, not enough to repeat it. */
export const maskValue = (v: string): string => `${v.slice(0, 1)}${'*'.repeat(Math.min(v.length - 1, 12))} (${v.length} chars)`;
