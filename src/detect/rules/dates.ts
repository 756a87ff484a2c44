// Dates in the numeric and written forms of English, Dutch, German and French text.
import type { Span } from '../types.js';

const MONTH_NAMES = [
  'january|jan|januari|januar|jänner|janvier|janv',
  'february|feb|februari|februar|février|fevrier|févr|fevr',
  'march|mar|maart|mrt|märz|marz|mars',
  'april|apr|avril|avr',
  'may|mei|mai',
  'june|jun|juni|juin',
  'july|jul|juli|juillet|juil',
  'august|aug|augustus|août|aout',
  'september|sep|sept|septembre',
  'october|oct|oktober|okt|octobre',
  'november|nov|novembre',
  'december|dec|dezember|dez|décembre|decembre|déc',
].join('|');

const D = '(?:0?[1-9]|[12]\\d|3[01])';
const M = '(?:0?[1-9]|1[0-2])';
const Y = '(?:19|20)\\d{2}';
const Y2 = '\\d{2}';

const SHAPES: { re: RegExp; score: number }[] = [
  // 2019-03-01, 2019/3/1, 2019.03.01
  { re: new RegExp(`\\b${Y}([-/.])${M}\\1${D}\\b`, 'g'), score: 0.95 },
  // 01-03-2019, 1/3/19, 01.03.2019 (day-month or month-day: both are dates)
  { re: new RegExp(`\\b(?:${D}|${M})([-/.])(?:${D}|${M})\\1(?:${Y}|${Y2})\\b`, 'g'), score: 0.9 },
  // 19850101: a compact date (DICOM DA) in a plausible range
  { re: new RegExp(`\\b${Y}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\\d|3[01])\\b`, 'g'), score: 0.85 },
  // 1 March 2019, 1st of March 2019, 12. März 2019, 1er janvier 2019
  { re: new RegExp(`\\b${D}(?:st|nd|rd|th|er|e)?\\.?\\s+(?:of\\s+)?(?:${MONTH_NAMES})\\.?,?\\s+(?:${Y}|'${Y2})\\b`, 'giu'), score: 0.95 },
  // March 1, 2019 / March 1st 2019
  { re: new RegExp(`\\b(?:${MONTH_NAMES})\\.?\\s+${D}(?:st|nd|rd|th)?,?\\s+${Y}\\b`, 'giu'), score: 0.95 },
  // 1 March (no year): a date of service all the same
  {
    re: new RegExp(
      `\\b${D}(?:st|nd|rd|th|er|e)?\\.?\\s+(?:of\\s+)?(?:january|february|march|april|june|july|august|september|october|november|december|januari|februari|maart|augustus|oktober|januar|februar|märz|dezember|janvier|février|avril|juin|juillet|août|septembre|octobre|novembre|décembre)\\b`,
      'giu',
    ),
    score: 0.8,
  },
];

export function findDates(text: string): Span[] {
  const spans: Span[] = [];
  for (const { re, score } of SHAPES) {
    for (const m of text.matchAll(re)) spans.push({ start: m.index, end: m.index + m[0].length, label: 'DATE', score, detector: 'rules' });
  }
  return spans;
}
