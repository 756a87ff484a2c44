// Phone and fax numbers, e-mail addresses and URLs.
import type { Span } from '../types.js';

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
const URL = /\b(?:https?:\/\/|www\.)[^\s<>"']+[^\s<>"'.,;:!?)]/giu;
/** Digit groups joined by spaces, dashes, dots, slashes or parentheses, optionally +country. */
const PHONE = /(?<![\p{L}\p{N}+])(?:\+|00)?\(?\d[\d\s()./-]{5,}\d(?![\p{L}\p{N}])/gu;
/** A cue right before: then seven or eight digits are enough. */
const CUE = /(?:tel|phone|ph|fax|telefoon|telefon|tél|téléphone|mobile|mobiel|handy|gsm|call|bellen|cell|pager|bip|pieper)[.:]?\s*(?:no\.?|nr\.?|number|nummer|n°)?[.:]?\s*$/iu;

export function findContacts(text: string): Span[] {
  const spans: Span[] = [];
  for (const m of text.matchAll(EMAIL)) spans.push({ start: m.index, end: m.index + m[0].length, label: 'EMAIL', score: 0.99, detector: 'rules' });
  for (const m of text.matchAll(URL)) spans.push({ start: m.index, end: m.index + m[0].length, label: 'URL', score: 0.95, detector: 'rules' });
  // seven digits at least: most values have fewer and skip the costly scan
  let digits = 0;
  for (let i = 0; i < text.length && digits < 7; i++) if (text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) digits++;
  if (digits < 7) return spans;
  for (const m of text.matchAll(PHONE)) {
    let s = m[0];
    let start = m.index;
    // a parenthesis opened before the number's first digit belongs to it; a trailing space does not
    const lead = /^[\s./-]+/.exec(s)?.[0].length ?? 0;
    start += lead;
    s = s.slice(lead).replace(/[\s./-]+$/, '');
    const digits = s.replace(/\D/g, '').length;
    if (digits > 15 || digits < 7) continue;
    // a date or a dimension (2019-03-01, 512/512) is not a phone number
    if (/^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$/.test(s) || /^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$/.test(s)) continue;
    const cue = CUE.test(text.slice(Math.max(0, start - 24), start));
    const grouped = /[\s()./-]/.test(s) || s.startsWith('+') || s.startsWith('00');
    if (digits < 9 && !cue) continue;
    if (!grouped && !cue) continue; // a bare run of digits is an ID rather (ids.ts)
    spans.push({ start, end: start + s.length, label: 'PHONE', score: cue ? 0.95 : 0.85, detector: 'rules' });
  }
  return spans;
}
