// Ages over 89 (HIPAA Safe Harbor, PS3.15's 90Y cap): "92-year-old", "age 93", "93 jaar", "093Y".
import type { Span } from '../types.js';

const OLD = '(?:9\\d|1[01]\\d)';
const AGE = new RegExp(
  [
    `\\b${OLD}(?:\\s*|-)(?:years?|yrs?|y/?o|yo|jaar|jarige|jährige[rn]?|jahre|jahren|ans?)\\b(?:[- ]old)?`,
    `\\b(?:age[d]?|leeftijd|alter|âge|age:)\\s*:?\\s*${OLD}\\b`,
    `\\b0?${OLD}Y\\b`,
  ].join('|'),
  'giu',
);

export function findAges(text: string): Span[] {
  return [...text.matchAll(AGE)].map((m) => ({ start: m.index, end: m.index + m[0].length, label: 'AGE' as const, score: 0.9, detector: 'rules' as const }));
}
