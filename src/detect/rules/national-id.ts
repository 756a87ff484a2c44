// National identification numbers, checked with their checksums so that other numbers pass.
import type { Span } from '../types.js';

/** Dutch BSN: nine digits passing the "elfproef" (weights 9…2 and -1). */
export function isBsn(digits: string): boolean {
  if (!/^\d{9}$/.test(digits) || /^0+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += (9 - i) * +digits[i];
  sum -= +digits[8];
  return sum % 11 === 0;
}

/** US SSN: area not 000, 666 or 9xx; group not 00; serial not 0000. */
export function isSsn(area: string, group: string, serial: string): boolean {
  return area !== '000' && area !== '666' && area[0] !== '9' && group !== '00' && serial !== '0000';
}

/** French NIR: 13 digits and a key of 97 - (number mod 97) (Corsica's 2A/2B as 19/18). */
export function isNir(nir: string): boolean {
  const m = /^([12]\d{4}(?:\d{2}|2A|2B)\d{6})(\d{2})$/i.exec(nir);
  if (!m) return false;
  const body = m[1].toUpperCase().replace('2A', '19').replace('2B', '18');
  return 97 - Number(BigInt(body) % 97n) === +m[2];
}

const SSN = /(?<![\d-])(\d{3})-(\d{2})-(\d{4})(?![\d-])/g;
const SSN_CUE = /\b(?:SSN|social security(?: number| no\.?)?)[:#\s]*(\d{9})\b/gi;
const NINE = /(?<![\d.-])(\d{4}\.?\d{2}\.?\d{3}|\d{3}[.\s-]?\d{3}[.\s-]?\d{3})(?![\d-])/g;
const NIR = /(?<!\d)([12]\s?\d{2}\s?\d{2}\s?(?:\d{2}|2A|2B)\s?\d{3}\s?\d{3}\s?\d{2})(?!\d)/gi;

export function findNationalIds(text: string): Span[] {
  const spans: Span[] = [];
  const add = (start: number, end: number, score: number): void => void spans.push({ start, end, label: 'NATIONAL_ID', score, detector: 'rules' });
  for (const m of text.matchAll(SSN)) if (isSsn(m[1], m[2], m[3])) add(m.index, m.index + m[0].length, 0.9);
  for (const m of text.matchAll(SSN_CUE)) add(m.index + m[0].length - m[1].length, m.index + m[0].length, 0.95);
  for (const m of text.matchAll(NINE)) if (isBsn(m[1].replace(/\D/g, ''))) add(m.index, m.index + m[0].length, 0.9);
  for (const m of text.matchAll(NIR)) if (isNir(m[1].replace(/\s/g, ''))) add(m.index, m.index + m[0].length, 0.95);
  return spans;
}
