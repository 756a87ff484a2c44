/**
 * DICOM Specific Character Set (0008,0005) text decoding and encoding.
 *
 * References: PS3.5 section 6.1 (Support of Character Repertoires),
 * 6.1.2.5 (Use of Code Extension Techniques, ISO/IEC 2022), and the examples in
 * Annex H (Japanese), Annex I (Korean) and Annex J (Chinese).
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
 *
 * Lenient reading (never throws):
 *  - escape sequences of any known set are honoured even when the set is not declared
 *    (also with the default repertoire or a single-valued ISO_IR xxx term);
 *  - unknown escape sequences are kept as text (the ESC character and following bytes);
 *  - bytes that cannot be interpreted by the active sets decode as latin1; a
 *    well-formed but unmapped double-byte code decodes as U+FFFD;
 *  - a multi-valued spec using ISO_IR xxx (instead of ISO 2022 IR xxx) is treated as the
 *    ISO 2022 variant; a multi-valued spec containing ISO_IR 192 / GB18030 / GBK uses
 *    that charset alone (those do not allow code extensions).
 *
 * JIS X 0201 (ISO_IR 13 / ISO 2022 IR 13): the low half (JIS X 0201 Roman) is handled
 * as ASCII, i.e. 0x5C decodes to '\' and 0x7E to '~' (not YEN SIGN / OVERLINE), because
 * 0x5C is the DICOM value delimiter. This matches pydicom and keeps value splitting on
 * decoded text correct. The high half 0xA1-0xDF is half-width katakana U+FF61-U+FF9F.
 *
 * ISO 2022 state handling (PS3.5 6.1.2.5.3): the G0/G1 designations return to the
 * initial state (the sets of value 1, or ISO-IR 6 if value 1 is empty) at every
 * delimiter: CR, LF, FF, TAB for all text VRs; additionally '\' for the multi-valued
 * text VRs (SH, LO, PN, UC; for ST, LT, UT the backslash is ordinary text); and '^' and
 * '=' for PN. Delimiters are only recognised while G0 holds a single-byte set (within a
 * JIS X 0208 / 0212 G0 run, 0x5C/0x5E/0x3D are data bytes).
 *
 * Canonical encoding produced by encodeText for ISO 2022 specs (the round-trip target):
 *  - every character is encoded with the first (in value order) set that can represent
 *    it; ASCII characters (including SPACE) always use the initial G0 set; a set is
 *    designated (escape sequence emitted) only when it is not already designated;
 *  - before each delimiter and at the end of the value, if G0 is not the initial G0 set,
 *    the initial G0 designation is emitted (e.g. ESC ( B, or ESC ( J for IR 13);
 *  - G1 is never explicitly restored (the reader resets it at delimiters), so a G1 set
 *    (e.g. KS X 1001 via ESC $ ) C) is re-designated after every delimiter, as in the
 *    Annex I example.
 * Byte sequences that are valid but not in that canonical form decode correctly but do
 * not re-encode byte-identically, e.g.:
 *  - a redundant ESC ( B after a G1-only set (pydicom's chrKoreanMulti.dcm:
 *    ESC $ ) C ... ESC ( B <pad>) - re-encoding omits the ESC ( B;
 *  - SPACE or other ASCII inside a JIS X 0208 run (0x20 is SPACE in any G0 set) -
 *    re-encoding switches to ASCII for it;
 *  - redundant designations, or a set chosen other than the first one able to encode
 *    a character;
 *  - double-byte codes that map to the same Unicode character as an earlier code
 *    (e.g. duplicated NEC / IBM extension codes in the EUC-JP table) - the lowest code
 *    is used when encoding;
 *  - vendor extension rows of the EUC-JP table (NEC row 13, IBM rows 89-92) are decoded
 *    but never produced for ISO 2022 IR 87 (not JIS X 0208), so e.g. '①' read from
 *    0x2D21 throws CHARSET_UNENCODABLE when re-encoded with IR 87 alone;
 *  - bytes decoded leniently (latin1 fallback / U+FFFD).
 */
import iconv from 'iconv-lite';

/** Parsed from the raw (0008,0005) values (backslash-separated, may be empty / have empty first value). */
export interface CharsetSpec {
  /** Normalized defined terms, e.g. ['', 'ISO 2022 IR 87'] or ['ISO_IR 192']; [] for the default repertoire. */
  terms: string[];
}

export type CharsetErrorCode = 'CHARSET_UNSUPPORTED' | 'CHARSET_UNENCODABLE';

export class CharsetError extends Error {
  code: CharsetErrorCode;
  constructor(code: CharsetErrorCode, message: string) {
    super(message);
    this.name = 'CharsetError';
    this.code = code;
  }
}

// ---------------------------------------------------------------------------
// Parsing / normalization of (0008,0005)
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Code sets (graphic character sets that can be designated to G0 / G1)
// ---------------------------------------------------------------------------

const ESC = 0x1b;

interface SbSet {
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

interface DbSet {
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

type CodeSet = SbSet | DbSet;

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
  const str = iconv.decode(all, codec);
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

function makeDb(
  name: string,
  codec: string,
  prefix: number[],
  esc0?: string,
  esc1?: string,
  encRow?: (c1: number) => boolean,
): DbSet {
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
    const s = iconv.decode(row, set.codec);
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
        ch = iconv.decode(one, set.codec);
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
function setEncode(set: CodeSet, cp: number): number {
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
function getSet(key: string): CodeSet {
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

interface SbDesc {
  ir: number;
  name: string;
  codec: string;
  final: string;
}
// 8-bit single-byte character sets: ASCII in G0 and a 96-character set in G1.
const SB_DESCS: SbDesc[] = [
  { ir: 100, name: 'ISO 8859-1 (Latin-1)', codec: 'iso-8859-1', final: 'A' },
  { ir: 101, name: 'ISO 8859-2 (Latin-2)', codec: 'iso-8859-2', final: 'B' },
  { ir: 109, name: 'ISO 8859-3 (Latin-3)', codec: 'iso-8859-3', final: 'C' },
  { ir: 110, name: 'ISO 8859-4 (Latin-4)', codec: 'iso-8859-4', final: 'D' },
  { ir: 144, name: 'ISO 8859-5 (Cyrillic)', codec: 'iso-8859-5', final: 'L' },
  { ir: 127, name: 'ISO 8859-6 (Arabic)', codec: 'iso-8859-6', final: 'G' },
  { ir: 126, name: 'ISO 8859-7 (Greek)', codec: 'iso-8859-7', final: 'F' },
  { ir: 138, name: 'ISO 8859-8 (Hebrew)', codec: 'iso-8859-8', final: 'H' },
  { ir: 148, name: 'ISO 8859-9 (Latin-5)', codec: 'iso-8859-9', final: 'M' },
  { ir: 203, name: 'ISO 8859-15 (Latin-9)', codec: 'iso-8859-15', final: 'b' },
  { ir: 166, name: 'TIS 620-2533 (Thai)', codec: 'iso-8859-11', final: 'T' },
];
const SB_BY_KEY = new Map<string, SbDesc>(SB_DESCS.map((d) => [`SB${d.ir}`, d]));
const SB_BY_IR = new Map<number, SbDesc>(SB_DESCS.map((d) => [d.ir, d]));

/** Escape sequence (bytes after ESC) -> [slot, set key]. Lenient superset for reading. */
const ESC_TABLE = new Map<string, [0 | 1, string]>([
  ['(B', [0, 'ASCII']],
  ['(J', [0, 'JIS_ROMAN']],
  ['(I', [0, 'KATAKANA']],
  [')I', [1, 'KATAKANA']],
  ['$B', [0, 'JISX0208']],
  ['$@', [0, 'JISX0208']],
  ['$(B', [0, 'JISX0208']],
  ['$(@', [0, 'JISX0208']],
  ['$(D', [0, 'JISX0212']],
  ['$)C', [1, 'KSX1001']],
  ['$(C', [0, 'KSX1001']],
  ['$)A', [1, 'GB2312']],
  ['$A', [0, 'GB2312']],
  ['$(A', [0, 'GB2312']],
  ...SB_DESCS.map((d): [string, [0 | 1, string]] => [`-${d.final}`, [1, `SB${d.ir}`]]),
]);

// ---------------------------------------------------------------------------
// Resolved charset contexts (cached per spec)
// ---------------------------------------------------------------------------

interface Candidate {
  set: CodeSet;
  slot: 0 | 1;
}

interface Iso2022 {
  init0: CodeSet;
  init1: CodeSet | null;
  /** Encoder candidates, in value order. */
  cands: Candidate[];
}

type Mode = 'ascii' | 'sb' | 'utf8' | 'gb18030' | 'gbk' | 'iso2022';

interface Ctx {
  mode: Mode;
  supported: boolean;
  /** First unsupported term, for error messages. */
  unknown?: string;
  /** 'sb' mode: the G1 set used for bytes >= 0x80 (no code extensions). */
  sb?: SbSet;
  /** ISO 2022 machinery: used in 'iso2022' mode, and leniently when ESC occurs in 'ascii'/'sb' mode. */
  iso: Iso2022;
  /** Per code point encoder cache for 'iso2022' mode (index into cands, or -1). */
  encCache: Map<number, number>;
}

type TermInfo =
  | { type: 'ascii' }
  | { type: 'sb'; ir: number } // 8-bit single-byte (ASCII + G1 high half), IR 13 included
  | { type: 'mb'; key: string; slot: 0 | 1 } // ISO 2022 multi-byte set
  | { type: 'utf8' | 'gb18030' | 'gbk' }
  | { type: 'unknown' };

function termInfo(term: string): { info: TermInfo; iso2022: boolean } {
  if (term === '' || term === 'ISO_IR 6') return { info: { type: 'ascii' }, iso2022: false };
  if (term === 'ISO 2022 IR 6') return { info: { type: 'ascii' }, iso2022: true };
  if (term === 'ISO_IR 192') return { info: { type: 'utf8' }, iso2022: false };
  if (term === 'GB18030') return { info: { type: 'gb18030' }, iso2022: false };
  if (term === 'GBK') return { info: { type: 'gbk' }, iso2022: false };
  let m = /^ISO_IR (\d+)$/.exec(term);
  if (m) {
    const ir = Number(m[1]);
    if (ir === 13 || SB_BY_IR.has(ir)) return { info: { type: 'sb', ir }, iso2022: false };
    return { info: { type: 'unknown' }, iso2022: false };
  }
  m = /^ISO 2022 IR (\d+)$/.exec(term);
  if (m) {
    const ir = Number(m[1]);
    if (ir === 13 || SB_BY_IR.has(ir)) return { info: { type: 'sb', ir }, iso2022: true };
    if (ir === 87) return { info: { type: 'mb', key: 'JISX0208', slot: 0 }, iso2022: true };
    if (ir === 159) return { info: { type: 'mb', key: 'JISX0212', slot: 0 }, iso2022: true };
    if (ir === 149) return { info: { type: 'mb', key: 'KSX1001', slot: 1 }, iso2022: true };
    if (ir === 58) return { info: { type: 'mb', key: 'GB2312', slot: 1 }, iso2022: true };
  }
  return { info: { type: 'unknown' }, iso2022: false };
}

function sbSets(ir: number): [SbSet, SbSet] {
  if (ir === 13) return [getSet('JIS_ROMAN') as SbSet, getSet('KATAKANA') as SbSet];
  return [getSet('ASCII') as SbSet, getSet(`SB${ir}`) as SbSet];
}

function buildIso(infos: TermInfo[]): Iso2022 {
  const ascii = getSet('ASCII');
  let init0: CodeSet = ascii;
  let init1: CodeSet | null = null;
  const cands: Candidate[] = [];
  infos.forEach((info, i) => {
    if (info.type === 'ascii') {
      cands.push({ set: ascii, slot: 0 });
    } else if (info.type === 'sb') {
      const [g0, g1] = sbSets(info.ir);
      cands.push({ set: g0, slot: 0 }, { set: g1, slot: 1 });
      if (i === 0) {
        init0 = g0;
        init1 = g1;
      }
    } else if (info.type === 'mb') {
      const set = getSet(info.key);
      cands.push({ set, slot: info.slot });
      // A multi-byte G1 set may be the initial G1 set; a multi-byte G0 set cannot be the
      // initial G0 set (delimiters must be encodable), so G0 stays ASCII then.
      if (i === 0 && info.slot === 1) init1 = set;
    }
  });
  // The default G0 repertoire is always available (ESC ( B).
  if (!cands.some((c) => c.slot === 0 && c.set.kind === 1)) cands.push({ set: ascii, slot: 0 });
  return { init0, init1, cands };
}

const ctxCache = new Map<string, Ctx>();
const specCache = new WeakMap<CharsetSpec, Ctx>();

function getCtx(spec: CharsetSpec): Ctx {
  let ctx = specCache.get(spec);
  if (ctx) return ctx;
  const key = spec.terms.join('\\');
  ctx = ctxCache.get(key);
  if (!ctx) {
    ctx = buildCtx(spec.terms);
    ctxCache.set(key, ctx);
  }
  specCache.set(spec, ctx);
  return ctx;
}

function buildCtx(terms: string[]): Ctx {
  const parsed = terms.map(termInfo);
  const infos = parsed.map((p) => p.info);
  const unknownIdx = infos.findIndex((i) => i.type === 'unknown');
  const supported = unknownIdx < 0;
  const unknown = supported ? undefined : terms[unknownIdx];
  const encCache = new Map<number, number>();
  const base = { supported, unknown, encCache };

  // UTF-8 / GB18030 / GBK do not allow code extensions: if present, they rule alone.
  const mbOnly = infos.find((i) => i.type === 'utf8' || i.type === 'gb18030' || i.type === 'gbk');
  if (mbOnly) {
    return { ...base, mode: mbOnly.type as Mode, iso: buildIso([]) };
  }
  const known = infos.filter((i) => i.type !== 'unknown');
  if (terms.length === 0 || (terms.length === 1 && infos[0].type !== 'sb' && !parsed[0].iso2022)) {
    // Default repertoire, 'ISO_IR 6', or a single unknown term (read as latin1).
    return { ...base, mode: 'ascii', iso: buildIso([]) };
  }
  if (terms.length === 1 && infos[0].type === 'sb' && !parsed[0].iso2022) {
    const info = infos[0];
    const iso = buildIso([info]);
    return { ...base, mode: 'sb', sb: iso.init1 as SbSet, iso };
  }
  // ISO 2022 (multi-valued, or a single 'ISO 2022 IR xxx' term). Unknown terms other than
  // value 1 are ignored for reading; an unknown value 1 means: default G0, no G1 (latin1).
  const isoInfos = infos[0].type === 'unknown' ? [{ type: 'ascii' } as TermInfo, ...known] : known;
  return { ...base, mode: 'iso2022', iso: buildIso(isoInfos) };
}

export function isSupportedCharset(spec: CharsetSpec): boolean {
  return getCtx(spec).supported;
}

// ---------------------------------------------------------------------------
// VR classification
// ---------------------------------------------------------------------------

const TEXT_VRS = new Set(['SH', 'LO', 'ST', 'LT', 'UT', 'PN', 'UC']);
/** Text VRs whose values may be multi-valued (backslash is the value delimiter). */
const MULTI_VALUED_TEXT_VRS = new Set(['SH', 'LO', 'PN', 'UC']);

const Delim = {
  Line: 1, // CR LF FF TAB
  Backslash: 2,
  Pn: 4, // ^ =
} as const;

function delimMask(vr: string): number {
  let m = Delim.Line;
  if (MULTI_VALUED_TEXT_VRS.has(vr)) m |= Delim.Backslash;
  if (vr === 'PN') m |= Delim.Pn;
  return m;
}

function isDelim(b: number, mask: number): boolean {
  switch (b) {
    case 0x09:
    case 0x0a:
    case 0x0c:
    case 0x0d:
      return true;
    case 0x5c:
      return (mask & Delim.Backslash) !== 0;
    case 0x5e:
    case 0x3d:
      return (mask & Delim.Pn) !== 0;
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function latin1(bytes: Uint8Array): string {
  return asBuffer(bytes).toString('latin1');
}

/** Decode one text value's bytes (the whole raw value incl. backslashes) for the given VR. */
export function decodeText(bytes: Uint8Array, spec: CharsetSpec, vr: string): string {
  const n = bytes.length;
  if (n === 0) return '';
  if (!TEXT_VRS.has(vr)) return latin1(bytes);
  // Fast path: pure 7-bit without escape sequences is ASCII in every supported charset.
  let plain = true;
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (b >= 0x80 || b === ESC) {
      plain = false;
      break;
    }
  }
  if (plain) return latin1(bytes);

  const ctx = getCtx(spec);
  switch (ctx.mode) {
    case 'utf8':
      return asBuffer(bytes).toString('utf8');
    case 'gb18030':
      return iconv.decode(asBuffer(bytes), 'gb18030');
    case 'gbk':
      return iconv.decode(asBuffer(bytes), 'gbk');
    case 'sb':
      if (bytes.indexOf(ESC) < 0) return decodeSb(bytes, ctx.sb!);
      return decodeIso(bytes, ctx.iso, delimMask(vr));
    case 'ascii':
      if (bytes.indexOf(ESC) < 0) return latin1(bytes);
      return decodeIso(bytes, ctx.iso, delimMask(vr));
    default:
      return decodeIso(bytes, ctx.iso, delimMask(vr));
  }
}

function decodeSb(bytes: Uint8Array, g1: SbSet): string {
  let out = '';
  let start = 0;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (b < 0x80) continue;
    if (i > start) out += latin1(bytes.subarray(start, i));
    const ch = g1.dec[b & 0x7f];
    out += ch === '' ? String.fromCharCode(b) : ch;
    start = i + 1;
  }
  if (start < n) out += latin1(bytes.subarray(start));
  return out;
}

/** Parse an escape sequence at i; returns its length and the designation if known. */
function parseEscape(bytes: Uint8Array, i: number): { len: number; slot: 0 | 1; set: CodeSet } | null {
  const n = bytes.length;
  let j = i + 1;
  while (j < n && bytes[j] >= 0x20 && bytes[j] <= 0x2f) j++;
  if (j >= n || bytes[j] < 0x30 || bytes[j] > 0x7e) return null;
  const key = String.fromCharCode(...bytes.subarray(i + 1, j + 1));
  const d = ESC_TABLE.get(key);
  if (!d) return null;
  return { len: j + 1 - i, slot: d[0], set: getSet(d[1]) };
}

function decodeIso(bytes: Uint8Array, iso: Iso2022, mask: number): string {
  const n = bytes.length;
  let g0: CodeSet = iso.init0;
  let g1: CodeSet | null = iso.init1;
  let out = '';
  let i = 0;
  while (i < n) {
    const b = bytes[i];
    if (b === ESC) {
      const e = parseEscape(bytes, i);
      if (e) {
        if (e.slot === 0) g0 = e.set;
        else g1 = e.set;
        i += e.len;
      } else {
        // Unknown / malformed escape: keep ESC as a character (lenient).
        out += '\x1b';
        i++;
      }
      continue;
    }
    if (b < 0x80) {
      if (g0.kind === 2) {
        if (b > 0x20 && b < 0x7f) {
          if (i + 1 < n && bytes[i + 1] > 0x20 && bytes[i + 1] < 0x7f) {
            out += dbChar(g0, b, bytes[i + 1]);
            i += 2;
          } else {
            out += String.fromCharCode(b); // lone byte: lenient
            i++;
          }
          continue;
        }
        // Controls, SPACE and DEL are the same in every G0 set.
        if (isDelim(b, Delim.Line)) {
          g0 = iso.init0;
          g1 = iso.init1;
        }
        out += String.fromCharCode(b);
        i++;
        continue;
      }
      if (isDelim(b, mask)) {
        g0 = iso.init0;
        g1 = iso.init1;
        out += String.fromCharCode(b);
        i++;
        continue;
      }
      // Run of single-byte G0 characters.
      let j = i + 1;
      while (j < n && bytes[j] < 0x80 && bytes[j] !== ESC && !isDelim(bytes[j], mask)) j++;
      if (g0.identity) {
        out += latin1(bytes.subarray(i, j));
      } else {
        for (let k = i; k < j; k++) {
          const c = bytes[k];
          const ch = c > 0x20 && c < 0x7f ? g0.dec[c] : '';
          out += ch === '' ? String.fromCharCode(c) : ch;
        }
      }
      i = j;
      continue;
    }
    // b >= 0x80: G1 (right half)
    if (g1 === null || b < 0xa0) {
      // No G1 designated, or C1 control range: latin1.
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    if (g1.kind === 1) {
      const ch = g1.dec[b & 0x7f];
      out += ch === '' ? String.fromCharCode(b) : ch;
      i++;
      continue;
    }
    if (b >= 0xa1 && b <= 0xfe && i + 1 < n && bytes[i + 1] >= 0xa1 && bytes[i + 1] <= 0xfe) {
      out += dbChar(g1, b & 0x7f, bytes[i + 1] & 0x7f);
      i += 2;
    } else {
      out += String.fromCharCode(b);
      i++;
    }
  }
  return out;
}

function dbChar(set: DbSet, c1: number, c2: number): string {
  buildDb(set);
  const ch = set.dec![(c1 - 0x21) * 94 + (c2 - 0x21)];
  return ch === '' ? '\ufffd' : ch;
}

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

function describe(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${String.fromCodePoint(cp)}'`;
}

function unencodable(cp: number, where: string): CharsetError {
  return new CharsetError('CHARSET_UNENCODABLE', `character ${describe(cp)} cannot be encoded in ${where}`);
}

function checkWellFormed(text: string, where: string): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      if (c <= 0xdbff && i + 1 < text.length) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          i++;
          continue;
        }
      }
      throw new CharsetError('CHARSET_UNENCODABLE', `lone surrogate U+${c.toString(16).toUpperCase()} cannot be encoded in ${where}`);
    }
  }
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}

/**
 * Encode a string (may contain backslashes for multi-valued and '=' / '^' for PN) into
 * bytes in the given charset; NOT padded (caller pads). Throws CharsetError if a char
 * cannot be represented, or if the spec contains an unsupported defined term.
 */
export function encodeText(text: string, spec: CharsetSpec, vr: string): Buffer {
  if (!TEXT_VRS.has(vr)) {
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) > 0xff) throw unencodable(text.codePointAt(i)!, `VR ${vr} (latin1)`);
    }
    return Buffer.from(text, 'latin1');
  }
  const ctx = getCtx(spec);
  if (!ctx.supported) {
    throw new CharsetError('CHARSET_UNSUPPORTED', `unsupported Specific Character Set term '${ctx.unknown}'`);
  }
  // ASCII is the initial G0 repertoire of every supported spec (JIS X 0201 Roman is
  // handled as ASCII), so pure-ASCII text needs no escape sequences.
  if (isAscii(text)) return Buffer.from(text, 'latin1');

  switch (ctx.mode) {
    case 'ascii':
      for (const ch of text) {
        const cp = ch.codePointAt(0)!;
        if (cp >= 0x80) throw unencodable(cp, 'the default repertoire (ISO-IR 6)');
      }
      return Buffer.from(text, 'latin1'); // unreachable in practice
    case 'utf8':
      checkWellFormed(text, 'ISO_IR 192');
      return Buffer.from(text, 'utf8');
    case 'gb18030':
      checkWellFormed(text, 'GB18030');
      return iconv.encode(text, 'gb18030');
    case 'gbk':
      return encodeGbk(text);
    case 'sb':
      return encodeSb(text, ctx.sb!, spec.terms[0]);
    default:
      return encodeIso(text, ctx, delimMask(vr), spec);
  }
}

function encodeGbk(text: string): Buffer {
  checkWellFormed(text, 'GBK');
  const buf = iconv.encode(text, 'gbk');
  if (iconv.decode(buf, 'gbk') === text) return buf;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) continue;
    if (iconv.decode(iconv.encode(ch, 'gbk'), 'gbk') !== ch) throw unencodable(cp, 'GBK');
  }
  return buf;
}

function encodeSb(text: string, g1: SbSet, term: string): Buffer {
  const out = Buffer.allocUnsafe(text.length);
  let k = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      out[k++] = c;
      continue;
    }
    const code = g1.enc.get(c);
    if (code === undefined) throw unencodable(text.codePointAt(i)!, term);
    out[k++] = code | 0x80;
  }
  return out.subarray(0, k);
}

class ByteSink {
  buf: Buffer;
  len = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(Math.max(16, size));
  }
  private grow(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    const nb = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + extra));
    this.buf.copy(nb, 0, 0, this.len);
    this.buf = nb;
  }
  push(b: number): void {
    this.grow(1);
    this.buf[this.len++] = b;
  }
  pushBuf(b: Buffer): void {
    this.grow(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }
  result(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

function encodeIso(text: string, ctx: Ctx, mask: number, spec: CharsetSpec): Buffer {
  const { init0, init1, cands } = ctx.iso;
  const out = new ByteSink(text.length * 3 + 8);
  let g0: CodeSet = init0;
  let g1: CodeSet | null = init1;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80 && isDelim(cp, mask)) {
      if (g0 !== init0) out.pushBuf(init0.esc0!);
      g0 = init0;
      g1 = init1;
      out.push(cp);
      continue;
    }
    let ci = ctx.encCache.get(cp);
    let code = -1;
    if (ci === undefined) {
      ci = -1;
      for (let k = 0; k < cands.length; k++) {
        code = setEncode(cands[k].set, cp);
        if (code >= 0) {
          ci = k;
          break;
        }
      }
      ctx.encCache.set(cp, ci);
    } else if (ci >= 0) {
      code = setEncode(cands[ci].set, cp);
    }
    if (ci < 0) throw unencodable(cp, `'${spec.terms.join('\\')}'`);
    const { set, slot } = cands[ci];
    if (slot === 0) {
      if (g0 !== set) {
        out.pushBuf(set.esc0!);
        g0 = set;
      }
      if (set.kind === 2) {
        out.push(code >> 8);
        out.push(code & 0xff);
      } else {
        out.push(code);
      }
    } else {
      if (g1 !== set) {
        out.pushBuf(set.esc1!);
        g1 = set;
      }
      if (set.kind === 2) {
        out.push((code >> 8) | 0x80);
        out.push((code & 0xff) | 0x80);
      } else {
        out.push(code | 0x80);
      }
    }
  }
  if (g0 !== init0) out.pushBuf(init0.esc0!);
  return out.result();
}
