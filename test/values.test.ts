import t from 'tap';
import { parseSpecificCharacterSet } from '../src/dicom/charset.js';
import { DataSet, Element, Item } from '../src/dicom/dataset.js';
import { BufferSource } from '../src/dicom/source.js';
import { IMPLICIT_LE } from '../src/dicom/transfer-syntax.js';
import {
  DEFAULT_CHARSET,
  datasetContext,
  decodeNumbers,
  decodeStrings,
  decodeTypedArray,
  encodeNumbers,
  encodeStrings,
  float32Text,
  valueBytes,
  valueCount,
  type ValueContext,
} from '../src/dicom/values.js';

const LE: ValueContext = { little: true, charset: DEFAULT_CHARSET };
const BE: ValueContext = { little: false, charset: DEFAULT_CHARSET };
const cs = (raw: string): ValueContext => ({ little: true, charset: parseSpecificCharacterSet(raw) });

const mk = (vr: string, value: Buffer | string, tag = 0x00100010): Element => {
  const b = typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
  const e = new Element(tag, vr, b.length);
  e.value = b;
  return e;
};
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

t.test('decodeStrings', async (t) => {
  t.same(decodeStrings(mk('DS', ' 1.5\\2 '), LE), ['1.5', '2'], 'decodeStrings DS " 1.5\\2 " → ["1.5","2"]');
  t.same(decodeStrings(mk('IS', ' 12\\ -3 '), LE), ['12', '-3'], 'decodeStrings IS " 12\\ -3 " → ["12","-3"]');
  t.same(decodeStrings(mk('UI', '1.2.840.10008.1.2\0'), LE), ['1.2.840.10008.1.2'], 'decodeStrings UI strips the trailing NUL');
  t.same(decodeStrings(mk('UI', '1.2\\1.3\0'), LE), ['1.2', '1.3'], 'decodeStrings UI multi-valued');
  t.same(decodeStrings(mk('CS', 'ORIGINAL\\PRIMARY\\AXIAL '), LE), ['ORIGINAL', 'PRIMARY', 'AXIAL'], 'decodeStrings CS splits on backslash');
  t.same(decodeStrings(mk('CS', ' A \\ B'), LE), ['A', 'B'], 'decodeStrings CS trims leading and trailing spaces of each value');
  t.same(decodeStrings(mk('LO', '  padded  '), LE), ['padded'], 'decodeStrings LO trims leading padding (PS3.5: LO may be padded both sides)');
  t.same(decodeStrings(mk('PN', ' Doe^John  '), LE), [' Doe^John'], 'decodeStrings PN keeps leading spaces, trims trailing');
  t.same(decodeStrings(mk('LT', '  a\\b  '), LE), ['  a\\b'], 'decodeStrings LT is single-valued: backslash kept, leading spaces kept');
  t.same(decodeStrings(mk('ST', 'x\\y '), LE), ['x\\y'], 'decodeStrings ST single-valued');
  t.same(decodeStrings(mk('UT', 'line1\r\nline2 '), LE), ['line1\r\nline2'], 'decodeStrings UT keeps inner control characters');
  t.same(decodeStrings(mk('UR', 'http://a/b\\c '), LE), ['http://a/b\\c'], 'decodeStrings UR single-valued');
  t.same(decodeStrings(mk('SH', ''), LE), [], 'decodeStrings empty value → []');
  t.same(decodeStrings(mk('SH', '  '), LE), [], 'decodeStrings padding only → []');
  t.same(decodeStrings(mk('CS', 'A\\ '), LE), ['A', ''], 'decodeStrings CS "A\\ " → ["A",""]');
  t.same(decodeStrings(mk('CS', '\\'), LE), ['', ''], 'decodeStrings CS "\\" → ["",""]');
  t.same(decodeStrings(mk('DA', '20240101\0'), LE), ['20240101'], 'decodeStrings DA strips a NUL pad (lenient)');
  t.throws(() => decodeStrings(mk('US', hex('0100')), LE), TypeError, 'decodeStrings refuses binary VRs');
  const sq = new Element(0x00081140, 'SQ', 0);
  sq.items = [];
  t.throws(() => decodeStrings(sq, LE), TypeError, 'decodeStrings refuses sequences');
});

t.test('decodeStrings with character sets', async (t) => {
  t.same(decodeStrings(mk('PN', hex('4dfc6c6c6572')), cs('ISO_IR 100')), ['Müller'], 'decodeStrings PN ISO_IR 100 "M\\xfcller" → ["Müller"]');
  t.same(decodeStrings(mk('PN', Buffer.from('Müller^Jörg ', 'utf8')), cs('ISO_IR 192')), ['Müller^Jörg'], 'decodeStrings PN ISO_IR 192');
  // 乗 is 0x81 0x5C in GB18030: its second byte is a backslash, which must not split the value
  t.same(decodeStrings(mk('LO', hex('815c5c41')), cs('GB18030')), ['乗', 'A'], 'decodeStrings LO GB18030: 0x5C trail byte does not split');
  // Japanese ISO 2022: ESC $ B <JIS X 0208> ESC ( B, multi-valued
  const jis = Buffer.concat([hex('1b2442'), hex('3b334544'), hex('1b2842'), Buffer.from('\\X')]);
  t.same(decodeStrings(mk('LO', jis), cs('\\ISO 2022 IR 87')), ['山田', 'X'], 'decodeStrings LO ISO 2022 IR 87');
  t.same(decodeStrings(mk('CS', hex('4dfc')), cs('ISO_IR 192')), ['M\u00fc'], 'decodeStrings CS is not charset-decoded (latin1)');
});

t.test('decodeStrings reads bulk values from the context source', async (t) => {
  const body = Buffer.from('xxxxHello World ');
  const el = new Element(0x00204000, 'LT', 12);
  el.bulkOffset = 4;
  t.same(decodeStrings(el, { ...LE, source: new BufferSource(body) }), ['Hello World'], 'bulk LT read from the source');
  t.throws(() => decodeStrings(el, LE), TypeError, 'bulk value without a source throws');
  t.equal(valueBytes(el), undefined, 'valueBytes without source → undefined');
});

t.test('datasetContext', async (t) => {
  const inner = new DataSet([mk('PN', 'x')]);
  const withOwn = new DataSet([mk('CS', 'ISO_IR 192', 0x00080005), mk('PN', 'y')]);
  const top = new DataSet([mk('CS', 'ISO_IR 100', 0x00080005)]);
  const topCtx = datasetContext(top, LE);
  t.same(topCtx.charset.terms, ['ISO_IR 100'], 'datasetContext reads (0008,0005)');
  t.equal(datasetContext(inner, topCtx), topCtx, 'datasetContext: an item without (0008,0005) inherits the context');
  t.same(datasetContext(withOwn, topCtx).charset.terms, ['ISO_IR 192'], "datasetContext: an item's own (0008,0005) wins");
  t.equal(datasetContext(new DataSet([]), LE).charset, DEFAULT_CHARSET, 'datasetContext: default repertoire without (0008,0005)');
  const implicitItem = new DataSet([]);
  implicitItem.encoding = IMPLICIT_LE;
  t.equal(datasetContext(implicitItem, BE).little, true, "datasetContext: an item's own encoding sets the byte order");
  const empty = new DataSet([mk('CS', '', 0x00080005)]);
  t.same(datasetContext(empty, topCtx).charset.terms, [], 'datasetContext: an empty (0008,0005) means the default repertoire');
  const sqItem = new Item(inner, 0);
  t.ok(sqItem.dataset === inner);
});

t.test('decodeNumbers', async (t) => {
  t.same(decodeNumbers(mk('US', hex('0100 ffff')), true), [1, 65535], 'decodeNumbers US LE');
  t.same(decodeNumbers(mk('US', hex('0001 ffff')), false), [1, 65535], 'decodeNumbers US BE');
  t.same(decodeNumbers(mk('SS', hex('ffff 0080')), true), [-1, -32768], 'decodeNumbers SS');
  t.same(decodeNumbers(mk('UL', hex('ffffffff')), true), [4294967295], 'decodeNumbers UL');
  t.same(decodeNumbers(mk('SL', hex('fffffffe')), false), [-2], 'decodeNumbers SL BE');
  t.same(decodeNumbers(mk('FL', hex('0000c03f')), true), [1.5], 'decodeNumbers FL');
  t.same(decodeNumbers(mk('FD', hex('3ff8000000000000')), false), [1.5], 'decodeNumbers FD BE');
  t.same(decodeNumbers(mk('SV', hex('ffffffffffffffff')), true), [-1n], 'decodeNumbers SV → bigint');
  t.same(decodeNumbers(mk('UV', hex('ffffffffffffffff')), true), [18446744073709551615n], 'decodeNumbers UV → bigint');
  t.same(decodeNumbers(mk('AT', hex('1000 1000 2800 1000')), true), [0x00100010, 0x00280010], 'decodeNumbers AT LE → tag numbers');
  t.same(decodeNumbers(mk('AT', hex('0010 0010')), false), [0x00100010], 'decodeNumbers AT BE');
  t.same(decodeNumbers(mk('OW', hex('0100 0200')), true), [1, 2], 'decodeNumbers OW small');
  t.same(decodeNumbers(mk('US', hex('0100 02')), true), [1], 'decodeNumbers ignores a trailing partial value');
  t.same(decodeNumbers(mk('US', hex('0100 0200 0300')), true, { limit: 2 }), [1, 2], 'decodeNumbers limit');
  t.same(decodeNumbers(mk('US', Buffer.alloc(0)), true), [], 'decodeNumbers empty → []');
  t.throws(() => decodeNumbers(mk('OW', Buffer.alloc(70000)), true), RangeError, 'decodeNumbers refuses large OW');
  t.throws(() => decodeNumbers(mk('LO', 'x'), true), TypeError, 'decodeNumbers refuses strings');
  const bulk = new Element(0x00281201, 'US', 4);
  bulk.bulkOffset = 2;
  t.same(decodeNumbers(bulk, true, new BufferSource(hex('ffff 0700 0800'))), [7, 8], 'decodeNumbers reads a bulk value from a source');
});

t.test('decodeTypedArray', async (t) => {
  const ow = decodeTypedArray(mk('OW', hex('0001 0002')), false);
  t.ok(ow instanceof Uint16Array, 'OW → Uint16Array');
  t.same(Array.from(ow as Uint16Array), [1, 2], 'decodeTypedArray OW BE swapped to native');
  const of = decodeTypedArray(mk('OF', hex('0000c03f')), true) as Float32Array;
  t.same(Array.from(of), [1.5], 'decodeTypedArray OF');
  t.equal(decodeTypedArray(mk('OB', Buffer.alloc(10)), true, { maxBytes: 4 }), undefined, 'decodeTypedArray: undefined above maxBytes');
});

t.test('valueCount', async (t) => {
  t.equal(valueCount(mk('CS', 'A\\B\\C'), LE), 3);
  t.equal(valueCount(mk('US', hex('01000200')), LE), 2);
  t.equal(valueCount(mk('OB', hex('0102')), LE), 1);
  t.equal(valueCount(mk('LO', ''), LE), 0);
});

t.test('encodeStrings', async (t) => {
  t.same(encodeStrings(['1.2.3'], 'UI'), Buffer.from('1.2.3\0'), 'encodeStrings UI pads with NUL');
  t.same(encodeStrings(['ABC'], 'CS'), Buffer.from('ABC '), 'encodeStrings CS pads with space');
  t.same(encodeStrings(['1.5', '2'], 'DS'), Buffer.from('1.5\\2 '), 'encodeStrings joins with backslash');
  t.same(encodeStrings([], 'LO'), Buffer.alloc(0), 'encodeStrings [] → empty');
  t.same(encodeStrings(['a\\b'], 'LT'), Buffer.from('a\\b '), 'encodeStrings LT keeps a backslash');
  t.throws(() => encodeStrings(['a\\b'], 'LO'), RangeError, 'encodeStrings refuses a backslash in a multi-valued VR');
  t.throws(() => encodeStrings(['a', 'b'], 'UT'), RangeError, 'encodeStrings refuses two values for UT');
  t.throws(() => encodeStrings(['1'], 'US'), TypeError, 'encodeStrings refuses binary VRs');
  t.same(encodeStrings(['Müller'], 'PN', parseSpecificCharacterSet('ISO_IR 100')), hex('4dfc6c6c6572'), 'encodeStrings PN ISO_IR 100 (6 bytes: no pad)');
  t.same(encodeStrings(['Jörg'], 'PN', parseSpecificCharacterSet('ISO_IR 192')), Buffer.from('Jörg ', 'utf8'), 'encodeStrings PN ISO_IR 192 pads to even');
  t.throws(() => encodeStrings(['Müller'], 'PN'), 'encodeStrings: default repertoire cannot encode ü');
  for (const [vr, vals, spec] of [
    ['PN', ['Yamada^Tarou=山田^太郎'], '\\ISO 2022 IR 87'],
    ['LO', ['乗', 'A'], 'GB18030'],
    ['SH', ['Ελλάδα'], 'ISO_IR 126'],
  ] as const) {
    const charset = parseSpecificCharacterSet(spec);
    const b = encodeStrings(vals, vr, charset);
    t.equal(b.length % 2, 0, `encodeStrings ${spec} even length`);
    t.same(decodeStrings(mk(vr, b), { little: true, charset }), vals, `encodeStrings/decodeStrings round trip ${vr} ${spec}`);
  }
});

t.test('encodeNumbers', async (t) => {
  const cases: [string, (number | bigint)[]][] = [
    ['US', [0, 1, 65535]],
    ['SS', [-32768, 0, 32767]],
    ['UL', [0, 4294967295]],
    ['SL', [-2147483648, 2147483647]],
    ['FL', [1.5, -0.25]],
    ['FD', [Math.PI, -1e300]],
    ['SV', [-9223372036854775808n, 5n]],
    ['UV', [18446744073709551615n, 0n]],
    ['AT', [0x00100010, 0xfffee000]],
    ['OW', [1, 2, 3]],
    ['OL', [7]],
    ['OF', [2.5]],
    ['OD', [0.1]],
    ['OV', [1n << 63n]],
    ['OB', [0, 255]],
  ];
  for (const [vr, vals] of cases) {
    for (const little of [true, false]) {
      const b = encodeNumbers(vals, vr, little);
      t.same(decodeNumbers(mk(vr, b), little), vals, `encodeNumbers/decodeNumbers ${vr} ${little ? 'LE' : 'BE'}`);
    }
  }
  t.same(encodeNumbers([0x00280010], 'AT', true), hex('2800 1000'), 'encodeNumbers AT LE: group then element');
  t.same(encodeNumbers([5], 'SV', true), hex('0500000000000000'), 'encodeNumbers SV accepts a safe integer');
  t.throws(() => encodeNumbers([70000], 'US', true), RangeError, 'encodeNumbers US out of range');
  t.throws(() => encodeNumbers([1.5], 'UV', true), RangeError, 'encodeNumbers UV non-integer');
  t.throws(() => encodeNumbers([1], 'LO', true), TypeError, 'encodeNumbers refuses strings');
});

t.test('float32Text', async (t) => {
  t.equal(float32Text(Math.fround(0.3)), '0.3');
  t.equal(float32Text(Math.fround(-75.7)), '-75.7');
  t.equal(float32Text(NaN), 'NaN');
});
