// Surrogates: stand-ins of the same kind and shape as what they replace, chosen by a keyed pick
// (the engine passes one under the project secret) so that one original always gets one stand-in.
import type { Label, Span } from './types.js';

/** An index in [0, n) derived from the original text; keyed by the caller. */
export type Pick = (label: Label, original: string, n: number) => number;

const FIRST = ['Alex', 'Sam', 'Robin', 'Kim', 'Charlie', 'Noa', 'Jules', 'Eli', 'Max', 'Lou', 'Sasha', 'Dani'];
const LAST = ['Morgan', 'Jansen', 'Weber', 'Martin', 'Taylor', 'Peeters', 'Keller', 'Bernard', 'Visser', 'Schulz', 'Dubois', 'Parker'];

/** Digits become digits and letters letters, keyed: the shape (and so the format) is kept. */
function reshape(label: Label, original: string, pick: Pick): string {
  let i = 0;
  return original.replace(/[\p{L}\p{N}]/gu, (c) => {
    const n = pick(label, `${original}\0${i++}`, /\d/.test(c) ? 10 : 26);
    if (/\d/.test(c)) return String(n);
    const l = String.fromCharCode(97 + n);
    return c === c.toUpperCase() ? l.toUpperCase() : l;
  });
}

export function surrogate(span: Span, original: string, pick: Pick): string {
  switch (span.label) {
    case 'PERSON': {
      const words = original.trim().split(/\s+/).length;
      const first = FIRST[pick('PERSON', original, FIRST.length)];
      const last = LAST[pick('PERSON', `${original}\0last`, LAST.length)];
      return words >= 2 ? `${first} ${last}` : last;
    }
    case 'EMAIL':
      return `${LAST[pick('EMAIL', original, LAST.length)].toLowerCase()}@example.org`;
    case 'URL':
      return 'https://example.org';
    case 'AGE':
      return '90+ years';
    case 'ADDRESS':
      return 'Main Street 1';
    case 'ORGANIZATION':
      return 'the hospital';
    case 'DATE':
      return '[DATE]';
    case 'PHONE':
    case 'ID':
    case 'NATIONAL_ID':
    case 'POSTCODE':
      return reshape(span.label, original, pick);
  }
}

/** An unkeyed pick (FNV-1a), for callers without a secret: stable, but guessable from the stand-in. */
export const unkeyedPick: Pick = (label, original, n) => {
  let h = 0x811c9dc5;
  for (const c of `${label}\0${original}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h % n;
};
