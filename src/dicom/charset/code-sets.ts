/** Graphic character sets that can be designated to G0 / G1, built lazily from iconv-lite's tables. */
import { iconv } from './iconv.js';
import { SB_BY_KEY } from './terms.js';

export const ESC = 0x1b;

export interface SbSet {
  kind: 1;
  name: string;
  /** True for ASCII-like G0 sets (7-bit code = code point). */
  identity: boolean;
  /** Indexed by the 7-bit code (byte & 0x7F); '' = undefined position. */
  dec: string[];
  /** Unicode code point -> 7-bit code. */
  enc: Map<number, number>;
  /** Designation escape sequences (without ESC) to G0 / G1, if designatable there by the encoder. */
  esc0?: Buffer;
  esc1?: Buffer;
}

export interface DbSet {
  kind: 2;
  name: string;
  /** iconv-lite codec used to build the tables and the byte prefix for the EUC form. */
  codec: string;
  prefix: number[];
  /** Rows (first 7-bit code) the encoder may use; decoding accepts all rows of the table. */
  encRow?: (c1: number) => boolean;
  /** Lazily built: indexed by (c1 - 0x21) * 94 + (c2 - 0x21), '' = unmapped. */
  dec: string[] | null;
  /** Lazily built: code point -> (c1 << 8) | c2 (7-bit codes). */
  enc: Map<number, number> | null;
  esc0?: Buffer;
  esc1?: Buffer;
}

export type CodeSet = SbSet | DbSet;

function escBytes(s: string): Buffer {
  return Buffer.from('\x1b' + s, 'latin1');
}

function makeAscii(name: string, esc0: string): SbSet {
  const dec: string[] = [];
  const enc = new Map<number, number>();
  for (let i = 0; i < 128; i++) {
    dec.push(String.fromCharCode(i));
    enc.set(i, i);
  }
  return { kind: 1, name, identity: true, dec, enc, esc0: escBytes(esc0) };
}

/** High half of an 8-bit single-byte charset (ISO 8859-x), as a G1 set. */
function makeHighHalf(name: string, codec: string, esc1: string): SbSet {
  const all = Buffer.alloc(128);
  for (let i = 0; i < 128; i++) all[i] = 0x80 | i;
  // Latin-1's high half is the code points U+0080–U+00FF: no codec table needed
  const str = codec === 'iso-8859-1' ? all.toString('latin1') : iconv().decode(all, codec);
  const chars = Array.from(str);
  if (chars.length !== 128) throw new Error(`charset: unexpected table size for ${codec}`);
  const dec: string[] = [];
  const enc = new Map<number, number>();
  for (let i = 0; i < 128; i++) {
    const ch = chars[i];
    if (ch === '\ufffd') {
      dec.push('');
      continue;
    }
    dec.push(ch);
    const cp = ch.codePointAt(0)!;
    if (!enc.has(cp)) enc.set(cp, i);
  }
  return { kind: 1, name, identity: false, dec, enc, esc1: escBytes(esc1) };
}

function makeKatakana(): SbSet {
  const dec: string[] = new Array<string>(128).fill('');
  const enc = new Map<number, number>();
  for (let c = 0x21; c <= 0x5f; c++) {
    const cp = 0xff61 + (c - 0x21);
    dec[c] = String.fromCharCode(cp);
    enc.set(cp, c);
  }
  return { kind: 1, name: 'JIS X 0201 Katakana', identity: false, dec, enc, esc1: escBytes(')I') };
}

function makeDb(name: string, codec: string, prefix: number[], esc0?: string, esc1?: string, encRow?: (c1: number) => boolean): DbSet {
  return {
    kind: 2,
    name,
    codec,
    prefix,
    encRow,
    dec: null,
    enc: null,
    esc0: esc0 === undefined ? undefined : escBytes(esc0),
    esc1: esc1 === undefined ? undefined : escBytes(esc1),
  };
}

/** Build the 94x94 tables of a double-byte set from iconv-lite (EUC form: high bits set). */
function buildDb(set: DbSet): void {
  if (set.dec) return;
  const dec: string[] = new Array<string>(94 * 94).fill('');
  const enc = new Map<number, number>();
  const p = set.prefix.length;
  const unit = p + 2;
  const row = Buffer.alloc(94 * unit);
  const one = Buffer.alloc(unit);
  for (let c1 = 0x21; c1 <= 0x7e; c1++) {
    for (let k = 0; k < 94; k++) {
      for (let j = 0; j < p; j++) row[k * unit + j] = set.prefix[j];
      row[k * unit + p] = c1 | 0x80;
      row[k * unit + p + 1] = (0x21 + k) | 0x80;
    }
    // Fast path: a fully mapped row decodes to exactly 94 BMP characters without U+FFFD.
    let chars: string[] | null = null;
    const s = iconv().decode(row, set.codec);
    if (s.length === 94 && !s.includes('\ufffd')) {
      chars = Array.from(s);
      if (chars.length !== 94 || chars.some((c) => c.charCodeAt(0) < 0xa0)) chars = null;
    }
    for (let k = 0; k < 94; k++) {
      let ch: string;
      if (chars) {
        ch = chars[k];
      } else {
        row.copy(one, 0, k * unit, (k + 1) * unit);
        ch = iconv().decode(one, set.codec);
        const cps = Array.from(ch);
        if (cps.length !== 1 || ch === '\ufffd') continue;
        const cp0 = ch.codePointAt(0)!;
        // A genuine double-byte mapping never yields an ASCII / C1 character.
        if (cp0 < 0xa0) continue;
      }
      const idx = (c1 - 0x21) * 94 + k;
      dec[idx] = ch;
      const cp = ch.codePointAt(0)!;
      if (!enc.has(cp) && (!set.encRow || set.encRow(c1))) enc.set(cp, (c1 << 8) | (0x21 + k));
    }
  }
  set.dec = dec;
  set.enc = enc;
}

// Encoding aliases for double-byte sets: characters whose mapping differs between the
// common vendor tables (e.g. WAVE DASH vs FULLWIDTH TILDE for JIS 0x2141). Used only when
// encoding and only if the primary character is not in the table.
const DB_ENCODE_ALIASES: Array<[number, number]> = [
  [0x301c, 0xff5e], // WAVE DASH / FULLWIDTH TILDE
  [0x2016, 0x2225], // DOUBLE VERTICAL LINE / PARALLEL TO
  [0x2212, 0xff0d], // MINUS SIGN / FULLWIDTH HYPHEN-MINUS
  [0x00a2, 0xffe0], // CENT SIGN / FULLWIDTH CENT SIGN
  [0x00a3, 0xffe1], // POUND SIGN / FULLWIDTH POUND SIGN
  [0x00ac, 0xffe2], // NOT SIGN / FULLWIDTH NOT SIGN
  [0x2014, 0x2015], // EM DASH / HORIZONTAL BAR
];
const ALIAS = new Map<number, number>();
for (const [a, b] of DB_ENCODE_ALIASES) {
  ALIAS.set(a, b);
  ALIAS.set(b, a);
}

/** Encode one code point with a set; returns the 7-bit code (1 or 2 bytes packed) or -1. */
export function setEncode(set: CodeSet, cp: number): number {
  if (set.kind === 1) {
    const c = set.enc.get(cp);
    return c === undefined ? -1 : c;
  }
  buildDb(set);
  let c = set.enc!.get(cp);
  if (c === undefined) {
    const alt = ALIAS.get(cp);
    if (alt !== undefined) c = set.enc!.get(alt);
  }
  return c === undefined ? -1 : c;
}

// Lazily constructed set registry.
const setCache = new Map<string, CodeSet>();
export function getSet(key: string): CodeSet {
  let s = setCache.get(key);
  if (s) return s;
  switch (key) {
    case 'ASCII':
      s = makeAscii('ISO-IR 6 (ASCII)', '(B');
      break;
    case 'JIS_ROMAN':
      s = makeAscii('JIS X 0201 Roman', '(J');
      break;
    case 'KATAKANA':
      s = makeKatakana();
      break;
    case 'JISX0208':
      // The EUC-JP table also holds vendor extensions (NEC row 13, IBM rows 89-92): they
      // are decoded, but the encoder only uses the JIS X 0208 rows 1-8 and 16-84.
      s = makeDb('JIS X 0208', 'euc-jp', [], '$B', undefined, (c1) => c1 <= 0x28 || (c1 >= 0x30 && c1 <= 0x74));
      break;
    case 'JISX0212':
      s = makeDb('JIS X 0212', 'euc-jp', [0x8f], '$(D');
      break;
    case 'KSX1001':
      s = makeDb('KS X 1001', 'cp949', [], '$(C', '$)C');
      break;
    case 'GB2312':
      s = makeDb('GB 2312', 'cp936', [], '$(A', '$)A');
      break;
    default: {
      const d = SB_BY_KEY.get(key);
      if (!d) throw new Error(`charset: unknown code set ${key}`);
      s = makeHighHalf(d.name, d.codec, '-' + d.final);
    }
  }
  setCache.set(key, s);
  return s;
}

export function dbChar(set: DbSet, c1: number, c2: number): string {
  buildDb(set);
  const ch = set.dec![(c1 - 0x21) * 94 + (c2 - 0x21)];
  return ch === '' ? '\ufffd' : ch;
}
