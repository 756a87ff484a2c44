/**
 * Parsing of Specific Character Set (0008,0005) into normalized defined terms.
 *
 * Supported defined terms
 *  - default repertoire (absent / empty value 1): ISO-IR 6 (ASCII). Bytes >= 0x80
 *    are decoded leniently as latin1; they cannot be encoded.
 *  - single-byte, no code extensions: ISO_IR 100, 101, 109, 110, 144, 127, 126, 138,
 *    148, 203, 13, 166 (and the non-standard 'ISO_IR 6' = ASCII).
 *  - multi-byte, no code extensions: ISO_IR 192 (UTF-8), GB18030, GBK.
 *  - ISO 2022 code extensions: ISO 2022 IR 6, 100, 101, 109, 110, 144, 127, 126, 138,
 *    148, 203, 13, 166 (single-byte) and ISO 2022 IR 87 (JIS X 0208), 159 (JIS X 0212),
 *    149 (KS X 1001), 58 (GB 2312).
 */

/** Parsed from the raw (0008,0005) values (backslash-separated, may be empty / have empty first value). */
export interface CharsetSpec {
  /** Normalized defined terms, e.g. ['', 'ISO 2022 IR 87'] or ['ISO_IR 192']; [] for the default repertoire. */
  terms: string[];
}

function normalizeTerm(value: string): string {
  // CS values: leading/trailing spaces are insignificant; tolerate NUL padding.
  const s = value.replace(/^[\s\0]+|[\s\0]+$/g, '');
  if (s === '') return '';
  const u = s.toUpperCase().replace(/\s+/g, ' ');
  let m = /^ISO[ _-]?2022[ _-]?IR[ _-]?(\d+)$/.exec(u);
  if (m) return `ISO 2022 IR ${Number(m[1])}`;
  m = /^ISO[ _-]?IR[ _-]?(\d+)$/.exec(u);
  if (m) return `ISO_IR ${Number(m[1])}`;
  if (u === 'GB18030' || u === 'GBK') return u;
  if (u === 'UTF-8' || u === 'UTF8') return 'ISO_IR 192';
  return s;
}

export function parseSpecificCharacterSet(raw: string | undefined): CharsetSpec {
  if (raw === undefined) return { terms: [] };
  const terms = raw.split('\\').map(normalizeTerm);
  // Trailing empty values carry no information; a leading empty value does (it means
  // "default repertoire in G0, code extensions follow").
  while (terms.length > 0 && terms[terms.length - 1] === '') terms.pop();
  return { terms };
}
