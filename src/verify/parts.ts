// Parts of identifiers the verifier looks for besides whole values: the components of person
// names (a family name on its own in free text) and patient IDs embedded in longer text.
// Written for the verifier alone: nothing here comes from src/deid/ (the list of common words is
// src/detect's, shared with the engine's scrub so the two agree on what is not a name).

import { isCommonWord } from '../detect/common-words.js';

export { isCommonWord };

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isLetter = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isAlnumCode = (c: number): boolean => isDigit(c) || isLetter(c);

/** Whether a component is worth searching for on its own. */
function usefulComponent(c: string): boolean {
  if (c.length < 3) return false;
  if (isCommonWord(c)) return false;
  if (/^[\d\s.,:+\-/]+$/.test(c)) return c.replace(/\D/g, '').length >= 6; // numbers: only long ones say anything
  if (!/[A-Z\u00C0-\uFFFF]/.test(c)) return false; // punctuation only
  return true;
}

/**
 * The components of a person name value (upper case): split on the group (=) and component (^)
 * delimiters; at least 3 characters, not a common DICOM word.
 */
export function nameComponents(pn: string): string[] {
  const out = new Set<string>();
  for (const part of pn.split(/[=^]/)) {
    const c = part.trim().replace(/\s+/g, ' ').toUpperCase();
    if (usefulComponent(c)) out.add(c);
  }
  return [...out];
}

/** A patient ID, accession number or other patient ID worth searching for inside longer text. */
export function embeddableId(id: string): boolean {
  const v = id.trim();
  if (v.length < 5) return false;
  if (!/[0-9A-Za-z]/.test(v)) return false;
  return true;
}

/**
 * `needle` inside `hay` (both upper case) where the run of its first and last characters does not
 * go on: a digit may not precede a leading digit nor follow a trailing one, and likewise for letters.
 * So ID 4455667 is found in "MRN4455667" and "ID:4455667," but not in "94455667".
 */
export function findEmbedded(hay: string, needle: string): boolean {
  if (needle.length === 0) return false;
  const first = needle.charCodeAt(0);
  const last = needle.charCodeAt(needle.length - 1);
  for (let at = hay.indexOf(needle); at >= 0; at = hay.indexOf(needle, at + 1)) {
    const before = at > 0 ? hay.charCodeAt(at - 1) : NaN;
    const after = at + needle.length < hay.length ? hay.charCodeAt(at + needle.length) : NaN;
    if (!Number.isNaN(before) && sameClass(before, first)) continue;
    if (!Number.isNaN(after) && sameClass(after, last)) continue;
    return true;
  }
  return false;
}

/** The same for bytes (latin-1 / UTF-8 forms of an ASCII needle). */
export function findEmbeddedBytes(hay: Buffer, needle: Buffer): boolean {
  if (needle.length === 0) return false;
  const first = needle[0];
  const last = needle[needle.length - 1];
  for (let at = hay.indexOf(needle); at >= 0; at = hay.indexOf(needle, at + 1)) {
    if (at > 0 && sameClass(hay[at - 1], first)) continue;
    if (at + needle.length < hay.length && sameClass(hay[at + needle.length], last)) continue;
    return true;
  }
  return false;
}

function sameClass(a: number, b: number): boolean {
  if (isDigit(b)) return isDigit(a);
  if (isLetter(b)) return isLetter(a);
  return false;
}

/** Word-bounded, for text already upper case: no ASCII letter or digit on either side. */
export function findWord(hay: string, needle: string): boolean {
  for (let at = hay.indexOf(needle); at >= 0; at = hay.indexOf(needle, at + 1)) {
    const before = at > 0 ? hay.charCodeAt(at - 1) : NaN;
    const after = at + needle.length < hay.length ? hay.charCodeAt(at + needle.length) : NaN;
    if ((Number.isNaN(before) || !isAlnumCode(before)) && (Number.isNaN(after) || !isAlnumCode(after))) return true;
  }
  return false;
}

/** The byte forms of a string to look for in raw values: as found, upper and lower case; latin-1 and UTF-8. */
export function byteForms(...variants: string[]): Buffer[] {
  const forms = new Map<string, Buffer>();
  for (const v of variants) {
    for (const s of new Set([v, v.toUpperCase(), v.toLowerCase()])) {
      for (const enc of ['latin1', 'utf8'] as const) {
        if (enc === 'latin1' && /[^\u0000-\u00ff]/.test(s)) continue; // not representable: latin-1 would garble it
        const b = Buffer.from(s, enc);
        forms.set(b.toString('hex'), b);
      }
    }
  }
  return [...forms.values()];
}
