import t, { type Test } from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { CharsetError, decodeText, encodeText, isSupportedCharset, parseSpecificCharacterSet, type CharsetSpec } from '../src/dicom/charset.js';
import { fromRoot } from './helpers/root.js';

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

/** Bytes from a mix of strings (ASCII / latin1) and byte arrays / numbers. */
function bytes(...parts: Array<string | number | number[] | Uint8Array>): Buffer {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'string') for (let i = 0; i < p.length; i++) out.push(p.charCodeAt(i));
    else if (typeof p === 'number') out.push(p);
    else out.push(...p);
  }
  return Buffer.from(out);
}
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const ESC_B = [0x1b, 0x28, 0x42]; // ESC ( B   ISO-IR 6 to G0
const ESC_J = [0x1b, 0x28, 0x4a]; // ESC ( J   JIS X 0201 Roman to G0
const ESC_$B = [0x1b, 0x24, 0x42]; // ESC $ B   JIS X 0208 to G0
const ESC_$_D = [0x1b, 0x24, 0x28, 0x44]; // ESC $ ( D JIS X 0212 to G0
const ESC_$C = [0x1b, 0x24, 0x29, 0x43]; // ESC $ ) C KS X 1001 to G1
const ESC_$A = [0x1b, 0x24, 0x29, 0x41]; // ESC $ ) A GB 2312 to G1

const spec = (raw: string | undefined): CharsetSpec => parseSpecificCharacterSet(raw);

function roundTrip(tt: Tap, raw: string | undefined, vr: string, encoded: Buffer, text: string): void {
  const s = spec(raw);
  tt.equal(decodeText(encoded, s, vr), text, 'decodes');
  tt.same(encodeText(text, s, vr).toString('hex'), encoded.toString('hex'), 're-encodes byte-identically');
}
type Tap = Test;

function throwsCode(tt: Tap, fn: () => unknown, code: string, msg: string): void {
  try {
    fn();
    tt.fail(`${msg}: did not throw`);
  } catch (e) {
    tt.ok(e instanceof CharsetError, `${msg}: CharsetError`);
    tt.equal((e as CharsetError).code, code, `${msg}: ${code}`);
  }
}

// ---------------------------------------------------------------------------
// parsing / support
// ---------------------------------------------------------------------------

t.test('parseSpecificCharacterSet normalizes defined terms', async (tt) => {
  tt.same(spec(undefined).terms, []);
  tt.same(spec('').terms, []);
  tt.same(spec('  ').terms, []);
  tt.same(spec('ISO_IR 100').terms, ['ISO_IR 100']);
  tt.same(spec('ISO_IR 192 ').terms, ['ISO_IR 192']);
  tt.same(spec('\\ISO 2022 IR 87 ').terms, ['', 'ISO 2022 IR 87']);
  tt.same(spec('ISO 2022 IR 13\\ISO 2022 IR 87').terms, ['ISO 2022 IR 13', 'ISO 2022 IR 87']);
  tt.same(spec('\\ISO 2022 IR 149').terms, ['', 'ISO 2022 IR 149']);
  tt.same(spec('GB18030 ').terms, ['GB18030']);
  tt.same(spec('ISO_IR 100\0').terms, ['ISO_IR 100'], 'NUL padding');
  tt.same(spec('iso_ir 100').terms, ['ISO_IR 100'], 'case');
  tt.same(spec('ISO-IR 144').terms, ['ISO_IR 144'], 'dash');
  tt.same(spec('ISO IR 192').terms, ['ISO_IR 192'], 'space');
  tt.same(spec('ISO_IR 100\\').terms, ['ISO_IR 100'], 'trailing empty value dropped');
  tt.same(spec('\\ ISO 2022 IR 58 ').terms, ['', 'ISO 2022 IR 58'], 'leading space in value');
});

t.test('isSupportedCharset', async (tt) => {
  const ok = [
    undefined,
    '',
    'ISO_IR 6',
    'ISO_IR 100',
    'ISO_IR 101',
    'ISO_IR 109',
    'ISO_IR 110',
    'ISO_IR 144',
    'ISO_IR 127',
    'ISO_IR 126',
    'ISO_IR 138',
    'ISO_IR 148',
    'ISO_IR 203',
    'ISO_IR 13',
    'ISO_IR 166',
    'ISO_IR 192',
    'GB18030',
    'GBK',
    'ISO 2022 IR 6',
    'ISO 2022 IR 100',
    'ISO 2022 IR 203',
    'ISO 2022 IR 166',
    '\\ISO 2022 IR 87',
    '\\ISO 2022 IR 87\\ISO 2022 IR 159',
    'ISO 2022 IR 13\\ISO 2022 IR 87',
    '\\ISO 2022 IR 149',
    '\\ISO 2022 IR 58',
    'ISO 2022 IR 6\\ISO 2022 IR 100\\ISO 2022 IR 126',
  ];
  for (const raw of ok) tt.ok(isSupportedCharset(spec(raw)), `supported: ${JSON.stringify(raw)}`);
  for (const raw of ['ISO_IR 999', 'KOI8-R', '\\ISO 2022 IR 87\\ISO 2022 IR 999', 'ISO 2022 IR 192'])
    tt.notOk(isSupportedCharset(spec(raw)), `unsupported: ${JSON.stringify(raw)}`);
});

// ---------------------------------------------------------------------------
// default repertoire, single-byte charsets
// ---------------------------------------------------------------------------

t.test('decodeText default repertoire: ASCII, lenient latin1 for high bytes', async (tt) => {
  tt.equal(decodeText(bytes('Doe^John'), spec(undefined), 'PN'), 'Doe^John');
  tt.equal(decodeText(bytes('Buc^J', 0xe9, 'r', 0xf4, 'me'), spec(''), 'PN'), 'Buc^Jérôme');
  tt.equal(decodeText(new Uint8Array(0), spec(''), 'LO'), '');
  tt.equal(encodeText('Doe^John', spec(''), 'PN').toString('latin1'), 'Doe^John');
  throwsCode(tt, () => encodeText('Jérôme', spec(''), 'PN'), 'CHARSET_UNENCODABLE', 'é in ISO-IR 6');
});

// [defined term, text, encoded bytes]
const singleByte: Array<[string, string, Buffer]> = [
  ['ISO_IR 100', 'Äneas^Rüdiger', bytes(0xc4, 'neas^R', 0xfc, 'diger')],
  ['ISO_IR 100', 'Buc^Jérôme', bytes('Buc^J', 0xe9, 'r', 0xf4, 'me')],
  ['ISO_IR 101', 'Łódź', hex('a3 f3 64 bc')],
  ['ISO_IR 109', 'Ħġż', hex('a1 f5 bf')],
  ['ISO_IR 110', 'Ģņū', hex('ab f1 fe')],
  ['ISO_IR 144', 'Люкceмбypг', hex('bb ee da 63 65 dc d1 79 70 d3')],
  ['ISO_IR 127', 'قباني^لنزار', hex('e2 c8 c7 e6 ea 5e e4 e6 d2 c7 d1')],
  ['ISO_IR 126', 'Διονυσιος', hex('c4 e9 ef ed f5 f3 e9 ef f2')],
  ['ISO_IR 138', 'שרון^דבורה', hex('f9 f8 e5 ef 5e e3 e1 e5 f8 e4')],
  ['ISO_IR 148', 'İşçi', hex('dd fe e7 69')],
  ['ISO_IR 203', '€Œœ', hex('a4 bc bd')],
  ['ISO_IR 166', 'ไทย', hex('e4 b7 c2')],
  ['ISO_IR 13', 'ﾔﾏﾀﾞ^ﾀﾛｳ', hex('d4 cf c0 de 5e c0 db b3')],
];

for (const [term, text, enc] of singleByte) {
  t.test(`decodeText ${term} PN → ${text}`, async (tt) => {
    roundTrip(tt, term, 'PN', enc, text);
    // The ISO 2022 variant as the only value: same bytes, no escape sequences needed.
    roundTrip(tt, term.replace('ISO_IR', 'ISO 2022 IR'), 'PN', enc, text);
  });
}

t.test('ISO_IR 13 low half is handled as ASCII (0x5C is the value delimiter)', async (tt) => {
  tt.equal(decodeText(bytes('A\\B~'), spec('ISO_IR 13'), 'LO'), 'A\\B~');
  tt.equal(decodeText(bytes(0xb1, '\\', 0xb2), spec('ISO_IR 13'), 'LO'), 'ｱ\\ｲ');
});

t.test('single-byte: unencodable characters throw CHARSET_UNENCODABLE', async (tt) => {
  throwsCode(tt, () => encodeText('山田', spec('ISO_IR 100'), 'PN'), 'CHARSET_UNENCODABLE', '山 in ISO_IR 100');
  throwsCode(tt, () => encodeText('Ω', spec('ISO_IR 144'), 'LO'), 'CHARSET_UNENCODABLE', 'Ω in ISO_IR 144');
  throwsCode(tt, () => encodeText('é', spec('ISO_IR 13'), 'LO'), 'CHARSET_UNENCODABLE', 'é in ISO_IR 13');
});

t.test('ISO 2022 single-byte code extensions: ISO 2022 IR 100 + ISO 2022 IR 126', async (tt) => {
  const raw = 'ISO 2022 IR 100\\ISO 2022 IR 126';
  // Latin-1 is the initial G1 set; Greek is designated with ESC - F.
  roundTrip(tt, raw, 'LO', bytes('J', 0xe9, 'r', 0xf4, 'me ', [0x1b, 0x2d, 0x46], hex('c4 e9 ef ed f5 f3 e9 ef f2')), 'Jérôme Διονυσιος');
  // PN: G1 returns to Latin-1 at '^', so é after the delimiter needs no escape;
  // Greek again needs ESC - F, Latin-1 after Greek within a component needs ESC - A.
  roundTrip(tt, raw, 'PN', bytes([0x1b, 0x2d, 0x46], 0xc4, '^', 0xe9, [0x1b, 0x2d, 0x46], 0xc4, [0x1b, 0x2d, 0x41], 0xe9), 'Δ^éΔé');
});

// ---------------------------------------------------------------------------
// PS3.5 Annex H (Japanese)
// ---------------------------------------------------------------------------

t.test('JIS X 0208 codes of the Annex H characters (EUC-JP with high bits cleared)', async (tt) => {
  const jis = (s: string) =>
    Array.from(iconv.encode(s, 'euc-jp'))
      .map((b) => (b & 0x7f).toString(16).padStart(2, '0'))
      .join('');
  tt.equal(jis('山田'), '3b334544');
  tt.equal(jis('太郎'), '42404f3a');
  tt.equal(jis('やまだ'), '2464245e2440');
  tt.equal(jis('たろう'), '243f246d2426');
});

const H31 = bytes(
  'Yamada^Tarou=',
  ESC_$B,
  hex('3b33 4544'),
  ESC_B,
  '^',
  ESC_$B,
  hex('4240 4f3a'),
  ESC_B,
  '=',
  ESC_$B,
  hex('2464 245e 2440'),
  ESC_B,
  '^',
  ESC_$B,
  hex('243f 246d 2426'),
  ESC_B,
);

t.test('decodeText ISO 2022 IR 87 PN → Yamada^Tarou=山田^太郎=やまだ^たろう', async (tt) => {
  roundTrip(tt, '\\ISO 2022 IR 87', 'PN', H31, 'Yamada^Tarou=山田^太郎=やまだ^たろう');
  // Explicit ISO 2022 IR 6 as value 1 is equivalent to an empty value 1.
  roundTrip(tt, 'ISO 2022 IR 6\\ISO 2022 IR 87', 'PN', H31, 'Yamada^Tarou=山田^太郎=やまだ^たろう');
});

const H32 = bytes(
  hex('d4 cf c0 de'),
  '^',
  hex('c0 db b3'),
  '=',
  ESC_$B,
  hex('3b33 4544'),
  ESC_J,
  '^',
  ESC_$B,
  hex('4240 4f3a'),
  ESC_J,
  '=',
  ESC_$B,
  hex('2464 245e 2440'),
  ESC_J,
  '^',
  ESC_$B,
  hex('243f 246d 2426'),
  ESC_J,
);

t.test('decodeText ISO 2022 IR 13 + ISO 2022 IR 87 PN → ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう', async (tt) => {
  roundTrip(tt, 'ISO 2022 IR 13\\ISO 2022 IR 87', 'PN', H32, 'ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう');
});

t.test('decodeText ISO 2022 IR 159 (JIS X 0212) → 丂', async (tt) => {
  // 丂 (U+4E02) is JIS X 0212 0x3021 (EUC-JP 8F B0 A1).
  tt.equal(iconv.encode('丂', 'euc-jp').toString('hex'), '8fb0a1');
  roundTrip(tt, '\\ISO 2022 IR 87\\ISO 2022 IR 159', 'LO', bytes(ESC_$_D, hex('3021'), ESC_$B, hex('3b33'), ESC_B), '丂山');
});

t.test('ISO 2022 IR 87: SPACE and ASCII inside kanji return to ISO-IR 6', async (tt) => {
  roundTrip(tt, '\\ISO 2022 IR 87', 'LO', bytes(ESC_$B, hex('3b33 4544'), ESC_B, ' A ', ESC_$B, hex('4240 4f3a'), ESC_B), '山田 A 太郎');
  // Non-canonical but valid: SPACE while JIS X 0208 is in G0 (decodes the same).
  tt.equal(decodeText(bytes(ESC_$B, hex('3b33 4544'), ' ', hex('4240 4f3a'), ESC_B), spec('\\ISO 2022 IR 87'), 'LO'), '山田 太郎');
  // 0x5C / 0x5E / 0x3D inside a JIS X 0208 run are data, not delimiters (ま = 0x245E).
  tt.equal(decodeText(bytes(ESC_$B, hex('245e'), ESC_B), spec('\\ISO 2022 IR 87'), 'PN'), 'ま');
});

t.test('ISO 2022 IR 87: WAVE DASH / FULLWIDTH TILDE both encode as 0x2141', async (tt) => {
  const s = spec('\\ISO 2022 IR 87');
  const exp = bytes(ESC_$B, hex('2141'), ESC_B).toString('hex');
  tt.equal(encodeText('\u301c', s, 'LO').toString('hex'), exp);
  tt.equal(encodeText('\uff5e', s, 'LO').toString('hex'), exp);
});

// ---------------------------------------------------------------------------
// PS3.5 Annex I (Korean)
// ---------------------------------------------------------------------------

const I2 = bytes('Hong^Gildong=', ESC_$C, hex('fbf3'), '^', ESC_$C, hex('d1ce d4d7'), '=', ESC_$C, hex('c8ab'), '^', ESC_$C, hex('b1e6 b5bf'));

t.test('decodeText ISO 2022 IR 149 PN → Hong^Gildong=洪^吉洞=홍^길동', async (tt) => {
  tt.equal(iconv.encode('洪吉洞홍길동', 'euc-kr').toString('hex'), 'fbf3d1ced4d7c8abb1e6b5bf');
  roundTrip(tt, '\\ISO 2022 IR 149', 'PN', I2, 'Hong^Gildong=洪^吉洞=홍^길동');
});

t.test('ISO 2022 IR 149: G1 returns to the initial state at value delimiters (VR dependent)', async (tt) => {
  const s = spec('\\ISO 2022 IR 149');
  const b = bytes(ESC_$C, hex('b1e8'), '\\', hex('b1e8'));
  // LO is multi-valued: after '\' no G1 set is designated, the byte pair falls back to latin1.
  tt.equal(decodeText(b, s, 'LO'), '김\\±è');
  // LT is single-valued: '\' is an ordinary character and G1 stays KS X 1001.
  tt.equal(decodeText(b, s, 'LT'), '김\\김');
  tt.equal(encodeText('김\\김', s, 'LO').toString('hex'), bytes(ESC_$C, hex('b1e8'), '\\', ESC_$C, hex('b1e8')).toString('hex'));
  tt.equal(encodeText('김\\김', s, 'LT').toString('hex'), b.toString('hex'));
});

// ---------------------------------------------------------------------------
// PS3.5 Annex J (Chinese)
// ---------------------------------------------------------------------------

t.test('decodeText GB18030 PN → Wang^XiaoDong=王^小東= and 王^小东=', async (tt) => {
  // 王 CDF5, 小 D0A1, 東 967C (a trail byte in the 0x40-0x7E range), 东 B6AB.
  roundTrip(tt, 'GB18030', 'PN', bytes('Wang^XiaoDong=', hex('cdf5'), '^', hex('d0a1 967c'), '='), 'Wang^XiaoDong=王^小東=');
  roundTrip(tt, 'GB18030', 'PN', bytes('Wang^XiaoDong=', hex('cdf5'), '^', hex('d0a1 b6ab'), '='), 'Wang^XiaoDong=王^小东=');
  // A trail byte 0x5C is part of the character, not a value delimiter.
  const gbBackslash = iconv.encode('俓', 'gb18030');
  tt.equal(gbBackslash[1], 0x5c, 'trail byte is 0x5C');
  roundTrip(tt, 'GB18030', 'LO', Buffer.concat([gbBackslash, bytes('\\A')]), '俓\\A');
  // 4-byte GB18030 sequence (outside the BMP).
  const emoji = iconv.encode('😀', 'gb18030');
  tt.equal(emoji.length, 4);
  roundTrip(tt, 'GB18030', 'LT', emoji, '😀');
});

t.test('decodeText GBK', async (tt) => {
  roundTrip(tt, 'GBK', 'PN', bytes('Wang^XiaoDong=', hex('cdf5'), '^', hex('d0a1 967c'), '='), 'Wang^XiaoDong=王^小東=');
  throwsCode(tt, () => encodeText('😀', spec('GBK'), 'LO'), 'CHARSET_UNENCODABLE', 'emoji in GBK');
  throwsCode(tt, () => encodeText('한', spec('GBK'), 'LO'), 'CHARSET_UNENCODABLE', 'hangul in GBK');
});

t.test('decodeText ISO_IR 192 (UTF-8) PN → Wang^XiaoDong=王^小東=', async (tt) => {
  roundTrip(tt, 'ISO_IR 192', 'PN', hex('57616e675e5869616f446f6e673d e78e8b 5e e5b08f e69db1 3d'), 'Wang^XiaoDong=王^小東=');
  roundTrip(tt, 'ISO_IR 192', 'LT', hex('f09f9880'), '😀');
  throwsCode(tt, () => encodeText('a\ud800b', spec('ISO_IR 192'), 'LO'), 'CHARSET_UNENCODABLE', 'lone surrogate');
});

t.test('decodeText ISO 2022 IR 58 PN → Zhang^XiaoDong=张^小东= (Annex J)', async (tt) => {
  tt.equal(iconv.encode('张小东', 'gb2312').toString('hex'), 'd5c5d0a1b6ab');
  // Trailing SPACE is the value padding (kept by decodeText, the caller trims).
  roundTrip(tt, '\\ISO 2022 IR 58', 'PN', bytes('Zhang^XiaoDong=', ESC_$A, hex('d5c5'), '^', ESC_$A, hex('d0a1 b6ab'), '= '), 'Zhang^XiaoDong=张^小东= ');
});

t.test('ISO 2022 IR 58 LT: re-designation after CR LF', async (tt) => {
  const text = '第一行\r\n第二行';
  const gb = (s: string) => iconv.encode(s, 'gb2312');
  roundTrip(tt, '\\ISO 2022 IR 58', 'LT', bytes(ESC_$A, [...gb('第一行')], '\r\n', ESC_$A, [...gb('第二行')]), text);
});

// ---------------------------------------------------------------------------
// lenient reading, unsupported terms, non-text VRs, errors
// ---------------------------------------------------------------------------

t.test('lenient reading of escape sequences', async (tt) => {
  // Escape sequences honoured with the default repertoire (undeclared extension).
  tt.equal(decodeText(bytes(ESC_$B, hex('3b33 4544'), ESC_B), spec(''), 'PN'), '山田');
  // ... and with a single-valued ISO_IR 100.
  tt.equal(decodeText(bytes(0xe9, ESC_$B, hex('3b33'), ESC_B, 0xe9), spec('ISO_IR 100'), 'LO'), 'é山é');
  // Unknown escape sequence: ESC kept as a character.
  tt.equal(decodeText(bytes([0x1b, 0x25, 0x47], 'x'), spec('\\ISO 2022 IR 87'), 'LO'), '\x1b%Gx');
  // Undeclared G1: high bytes decode as latin1.
  tt.equal(decodeText(bytes('A', 0xe9), spec('\\ISO 2022 IR 87'), 'LO'), 'Aé');
  // Lone double-byte code before an ESC: latin1 for the byte.
  tt.equal(decodeText(bytes(ESC_$B, 0x3b, ESC_B, 'A'), spec('\\ISO 2022 IR 87'), 'LO'), ';A');
  // Multi-valued spec using ISO_IR 100 instead of ISO 2022 IR 100.
  tt.equal(decodeText(bytes(0xe9, ESC_$B, hex('3b33'), ESC_B), spec('ISO_IR 100\\ISO 2022 IR 87'), 'LO'), 'é山');
});

t.test('unknown defined terms: lenient latin1 decode, encode throws CHARSET_UNSUPPORTED', async (tt) => {
  const s = spec('ISO_IR 999');
  tt.notOk(isSupportedCharset(s));
  tt.equal(decodeText(bytes('Buc^J', 0xe9, 'r', 0xf4, 'me'), s, 'PN'), 'Buc^Jérôme');
  throwsCode(tt, () => encodeText('Buc^Jérôme', s, 'PN'), 'CHARSET_UNSUPPORTED', 'unknown term');
  throwsCode(tt, () => encodeText('abc', s, 'PN'), 'CHARSET_UNSUPPORTED', 'unknown term, ASCII text');
  // Known parts still decode.
  const m = spec('\\ISO 2022 IR 87\\FOO');
  tt.equal(decodeText(H31, m, 'PN'), 'Yamada^Tarou=山田^太郎=やまだ^たろう');
  throwsCode(tt, () => encodeText('山', m, 'PN'), 'CHARSET_UNSUPPORTED', 'unknown extra term');
});

t.test('ISO 2022: unencodable characters throw CHARSET_UNENCODABLE', async (tt) => {
  throwsCode(tt, () => encodeText('홍', spec('\\ISO 2022 IR 87'), 'PN'), 'CHARSET_UNENCODABLE', 'hangul with IR 87');
  throwsCode(tt, () => encodeText('😀', spec('\\ISO 2022 IR 149\\ISO 2022 IR 58'), 'LT'), 'CHARSET_UNENCODABLE', 'emoji with IR 149 + 58');
  // JIS X 0208 vendor extension rows decode but are not used for encoding (① is NEC row 13).
  throwsCode(tt, () => encodeText('①', spec('\\ISO 2022 IR 87'), 'LO'), 'CHARSET_UNENCODABLE', '① with IR 87');
  tt.equal(decodeText(bytes(ESC_$B, hex('2d21'), ESC_B), spec('\\ISO 2022 IR 87'), 'LO'), '①');
});

t.test('non-text VRs ignore the specific character set', async (tt) => {
  const s = spec('\\ISO 2022 IR 87');
  tt.equal(decodeText(bytes('ABC', 0xe9), s, 'CS'), 'ABCé');
  tt.equal(decodeText(bytes(ESC_$B, '3B'), s, 'AE'), '\x1b$B3B');
  tt.equal(encodeText('20240101', s, 'DA').toString('latin1'), '20240101');
  tt.equal(encodeText('é', spec('ISO_IR 999'), 'CS')[0], 0xe9, 'no CHARSET_UNSUPPORTED for non-text VR');
  throwsCode(tt, () => encodeText('山', s, 'CS'), 'CHARSET_UNENCODABLE', 'non-latin1 in CS');
});

t.test('fast path and caching give identical results', async (tt) => {
  const b = bytes('Doe^John\\Smith');
  for (const raw of ['', 'ISO_IR 100', '\\ISO 2022 IR 87', 'ISO_IR 192', 'GB18030', 'ISO_IR 13']) {
    tt.equal(decodeText(b, spec(raw), 'PN'), 'Doe^John\\Smith', `ascii with ${JSON.stringify(raw)}`);
    tt.equal(encodeText('Doe^John\\Smith', spec(raw), 'PN').toString('latin1'), 'Doe^John\\Smith');
  }
  const s1 = spec('\\ISO 2022 IR 87');
  const s2 = spec('\\ISO 2022 IR 87');
  tt.equal(decodeText(H31, s1, 'PN'), decodeText(H31, s2, 'PN'));
  tt.equal(decodeText(H31.subarray(13), s1, 'PN'), '山田^太郎=やまだ^たろう', 'subarray view');
});

// ---------------------------------------------------------------------------
// pydicom test files
// ---------------------------------------------------------------------------

// test/ -> repo root (/work/main) -> /work -> /work/shared/corpus
const corpusDir = fromRoot('../shared/corpus/pydicom/');
const haveCorpus = existsSync(corpusDir);

interface RawElement {
  vr: string;
  value: Buffer;
}

/**
 * Minimal top-level scan of a little endian DICOM file (explicit or implicit VR): returns
 * the raw values of the requested tags. Stops at the first undefined length or past the
 * highest requested tag.
 */
function scanTags(file: string, tags: number[]): Map<number, RawElement> {
  const buf = readFileSync(file);
  const found = new Map<number, RawElement>();
  const maxTag = Math.max(...tags);
  let pos = buf.length >= 132 && buf.toString('latin1', 128, 132) === 'DICM' ? 132 : 0;
  let implicit = false;
  const longVR = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
  while (pos + 8 <= buf.length) {
    const group = buf.readUInt16LE(pos);
    const elem = buf.readUInt16LE(pos + 2);
    const tag = ((group << 16) | elem) >>> 0;
    if (tag > maxTag) break;
    let vr: string;
    let len: number;
    let hdr: number;
    if (group !== 0x0002 && implicit) {
      vr = '';
      len = buf.readUInt32LE(pos + 4);
      hdr = 8;
    } else {
      vr = buf.toString('latin1', pos + 4, pos + 6);
      if (longVR.has(vr)) {
        len = buf.readUInt32LE(pos + 8);
        hdr = 12;
      } else {
        len = buf.readUInt16LE(pos + 6);
        hdr = 8;
      }
    }
    if (len === 0xffffffff) break;
    const value = buf.subarray(pos + hdr, pos + hdr + len);
    if (tag === 0x00020010) implicit = value.toString('latin1').replace(/[\0 ]+$/, '') === '1.2.840.10008.1.2';
    if (tags.includes(tag)) found.set(tag, { vr, value });
    pos += hdr + len;
  }
  return found;
}

const SPECIFIC_CHARACTER_SET = 0x00080005;
const PATIENT_NAME = 0x00100010;

// [file, expected PatientName (trailing padding removed), bytes expected from re-encoding if not identical]
const corpus: Array<[string, string, ((raw: Buffer) => Buffer)?]> = [
  ['chrArab.dcm', 'قباني^لنزار'],
  ['chrFren.dcm', 'Buc^Jérôme'],
  ['chrFrenMulti.dcm', 'Buc^Jérôme'],
  ['chrGerm.dcm', 'Äneas^Rüdiger'],
  ['chrGreek.dcm', 'Διονυσιος'],
  ['chrH31.dcm', 'Yamada^Tarou=山田^太郎=やまだ^たろう'],
  ['chrH32.dcm', 'ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう'],
  ['chrHbrw.dcm', 'שרון^דבורה'],
  ['chrI2.dcm', 'Hong^Gildong=洪^吉洞=홍^길동'],
  ['chrJapMulti.dcm', 'やまだ^たろう'],
  ['chrJapMultiExplicitIR6.dcm', 'やまだ^たろう'],
  // The file has a redundant ESC ( B before the padding (G0 never left ISO-IR 6, only G1
  // was changed); the canonical encoding omits it.
  ['chrKoreanMulti.dcm', '김희중', (raw) => Buffer.concat([raw.subarray(0, raw.length - 4), raw.subarray(raw.length - 1)])],
  ['chrRuss.dcm', 'Люкceмбypг'],
  ['chrX1.dcm', 'Wang^XiaoDong=王^小東='],
  ['chrX2.dcm', 'Wang^XiaoDong=王^小东='],
];

t.test('pydicom charset test files', { skip: haveCorpus ? false : `corpus not found at ${corpusDir}` }, async (tt) => {
  for (const [file, expected, canonical] of corpus) {
    tt.test(`${file} → ${expected}`, async (ft) => {
      const els = scanTags(corpusDir + file, [SPECIFIC_CHARACTER_SET, PATIENT_NAME]);
      const cs = els.get(SPECIFIC_CHARACTER_SET);
      const pn = els.get(PATIENT_NAME);
      ft.ok(cs, 'has (0008,0005)');
      ft.ok(pn, 'has (0010,0010)');
      if (!cs || !pn) return;
      const s = parseSpecificCharacterSet(cs.value.toString('latin1'));
      ft.ok(isSupportedCharset(s), `supported: ${s.terms.join('\\')}`);
      const decoded = decodeText(pn.value, s, 'PN');
      ft.equal(decoded.replace(/ +$/, ''), expected, 'decoded PatientName');
      const reencoded = encodeText(decoded, s, 'PN');
      const want = canonical ? canonical(pn.value) : pn.value;
      ft.equal(reencoded.toString('hex'), want.toString('hex'), canonical ? 're-encodes to canonical form' : 're-encodes byte-identically');
      ft.equal(decodeText(reencoded, s, 'PN'), decoded, 're-encoded decodes the same');
    });
  }
});
