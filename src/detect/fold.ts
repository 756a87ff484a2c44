// Case- and accent-insensitive matching with offsets that still point into the original text.

const cache = new Map<string, string>();

/** One UTF-16 unit folded to one unit: lower case, diacritics dropped ('É' → 'e', 'ß' stays). */
function foldUnit(c: string): string {
  let f = cache.get(c);
  if (f === undefined) {
    const base = c
      .normalize('NFD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase();
    f = base.length === 1 ? base : c.toLowerCase().length === 1 ? c.toLowerCase() : c;
    if (cache.size < 4096) cache.set(c, f);
  }
  return f;
}

/** The text folded unit by unit, so that index i of the result is index i of the input. */
export function fold(text: string): string {
  // ASCII fast path: most DICOM text is plain ASCII.
  if (/^[\x00-\x7f]*$/.test(text)) return text.toLowerCase();
  let out = '';
  for (let i = 0; i < text.length; i++) out += foldUnit(text[i]);
  return out;
}

export const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A letter or digit: the edges of a whole-word match. */
export const isWordChar = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}]/u.test(c);
