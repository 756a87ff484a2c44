// Whole values found inside longer text or bytes, but not inside a longer run of letters or digits.

const isAlnum = (c: number | undefined): boolean => c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a));

/** `needle` in `hay` with no letter or digit on either side (so 1234567 is not found in 912345678). */
export function findBounded(hay: Buffer, needle: Buffer): boolean {
  for (let at = hay.indexOf(needle); at >= 0; at = hay.indexOf(needle, at + 1)) {
    if (!isAlnum(hay[at - 1]) && !isAlnum(hay[at + needle.length])) return true;
  }
  return false;
}

/** The same for text, case-insensitively. */
export function findBoundedText(hay: string, needle: string): boolean {
  const h = hay.toUpperCase();
  const n = needle.toUpperCase();
  for (let at = h.indexOf(n); at >= 0; at = h.indexOf(n, at + 1)) {
    if (!isAlnum(h.charCodeAt(at - 1) || undefined) && !isAlnum(h.charCodeAt(at + n.length) || undefined)) return true;
  }
  return false;
}
