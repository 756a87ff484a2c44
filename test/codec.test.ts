import t from 'tap';
import { inflateRawSync } from 'node:zlib';
import { buildDicom, TS, type FixtureElement } from '../fixtures/build.js';
import { DataSet, Element, UNDEFINED_LENGTH } from '../src/dicom/dataset.js';
import { parseDicom, serializeDicom } from '../src/dicom/file.js';
import { tagOf } from '../src/dicom/tag.js';

const PATIENT_NAME = tagOf(0x0010, 0x0010);
const REF_SERIES = tagOf(0x0008, 0x1115);
const REF_SOP = tagOf(0x0008, 0x1155);

function base(undefinedLength = false): FixtureElement[] {
  return [
    { tag: tagOf(0x0008, 0x0016), vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
    { tag: tagOf(0x0008, 0x0060), vr: 'CS', value: 'OT' },
    {
      tag: REF_SERIES,
      vr: 'SQ',
      undefinedLength,
      items: [
        [
          { tag: REF_SOP, vr: 'UI', value: '1.2.3.4' },
          { tag: tagOf(0x0008, 0x1140), vr: 'SQ', undefinedLength, items: [[{ tag: REF_SOP, vr: 'UI', value: '9.8.7' }]] },
        ],
        [{ tag: REF_SOP, vr: 'UI', value: '1.2.3.5' }],
      ],
    },
    { tag: PATIENT_NAME, vr: 'PN', value: 'Doe^John' },
    { tag: tagOf(0x0010, 0x0020), vr: 'LO', value: 'ID1' },
    { tag: tagOf(0x0028, 0x0010), vr: 'US', value: [2] },
    { tag: tagOf(0x7fe0, 0x0010), vr: 'OW', value: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]) },
  ];
}

const SYNTAXES: [string, string][] = [
  ['implicit VR little endian', TS.implicitLE],
  ['explicit VR little endian', TS.explicitLE],
  ['explicit VR big endian', TS.explicitBE],
  ['deflated explicit VR little endian', TS.deflatedLE],
];

const setString = (ds: DataSet, tag: number, vr: string, text: string): void => {
  const el = new Element(tag, vr, 0);
  el.value = Buffer.from(text, 'latin1'); // the writer pads odd lengths with the VR's pad byte
  el.length = el.value.length;
  ds.set(el);
};

for (const [name, ts] of SYNTAXES) {
  for (const undef of [false, true]) {
    const lengths = undef ? 'undefined-length' : 'defined-length';
    t.test(`${name} file with ${lengths} sequences, untouched → byte-identical`, async (t) => {
      const input = buildDicom({ transferSyntax: ts, elements: base(undef) });
      const f = parseDicom(input);
      t.equal(f.transferSyntax.uid, ts);
      t.same(f.warnings, []);
      t.ok(serializeDicom(f).equals(input));
    });

    t.test(`${name} file with ${lengths} sequences, nested value lengthened → lengths recomputed, rest kept`, async (t) => {
      const input = buildDicom({ transferSyntax: ts, elements: base(undef) });
      const f = parseDicom(input);
      const seq = f.dataset.get(REF_SERIES)!;
      const inner = seq.items![0].dataset.get(tagOf(0x0008, 0x1140))!.items![0].dataset;
      setString(inner, REF_SOP, 'UI', '2.25.123456789012345678901234567890');
      setString(f.dataset, PATIENT_NAME, 'PN', 'Anonymous^Person^With^Long');
      const out = serializeDicom(f);
      const g = parseDicom(out);
      const innerOut = g.dataset.get(REF_SERIES)!.items![0].dataset.get(tagOf(0x0008, 0x1140))!.items![0].dataset;
      t.equal(innerOut.get(REF_SOP)!.value!.toString('latin1'), '2.25.123456789012345678901234567890\0', 'UI padded with NUL');
      t.equal(g.dataset.get(PATIENT_NAME)!.value!.toString('latin1').trim(), 'Anonymous^Person^With^Long');
      t.equal(g.dataset.get(REF_SERIES)!.items![1].dataset.get(REF_SOP)!.value!.toString('latin1').replace(/\0$/, ''), '1.2.3.5');
      t.equal(
        g.dataset.get(REF_SERIES)!.length,
        undef ? UNDEFINED_LENGTH : g.dataset.get(REF_SERIES)!.span!.end - g.dataset.get(REF_SERIES)!.span!.start - (ts === TS.implicitLE ? 8 : 12),
        'sequence length matches its content',
      );
      t.same(g.dataset.get(tagOf(0x7fe0, 0x0010))!.value, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]), 'pixel data kept');
      t.same(g.warnings, []);
      if (ts === TS.deflatedLE) t.ok(inflateRawSync(out.subarray(f.bodyStart)).length > 0, 'body re-deflated');
    });
  }
}

t.test('file meta changed → group length (0002,0000) recomputed', async (t) => {
  const f = parseDicom(buildDicom({ elements: base() }));
  setString(f.meta!, tagOf(0x0002, 0x0013), 'SH', 'A_MUCH_LONGER_NAME');
  const g = parseDicom(serializeDicom(f));
  const declared = g.meta!.get(tagOf(0x0002, 0x0000))!.value!.readUInt32LE(0);
  const actual = g.meta!.elements.filter((e) => e.tag !== tagOf(0x0002, 0)).reduce((n, e) => n + e.span!.end - e.span!.start, 0);
  t.equal(declared, actual);
});

t.test('element removed from an item → item and sequence lengths shrink, output parses', async (t) => {
  const f = parseDicom(buildDicom({ elements: base() }));
  f.dataset.get(REF_SERIES)!.items![0].dataset.delete(tagOf(0x0008, 0x1140));
  const g = parseDicom(serializeDicom(f));
  t.equal(g.dataset.get(REF_SERIES)!.items![0].dataset.elements.length, 1);
  t.equal(g.dataset.elements.length, f.dataset.elements.length);
});

t.test('odd-length value set → padded to even length with the VR pad byte', async (t) => {
  const f = parseDicom(buildDicom({ elements: base() }));
  const el = new Element(tagOf(0x0010, 0x0020), 'LO', 3);
  el.value = Buffer.from('ABC');
  f.dataset.set(el);
  const g = parseDicom(serializeDicom(f));
  t.same(g.dataset.get(tagOf(0x0010, 0x0020))!.value, Buffer.from('ABC '));
});

t.test('encapsulated pixel data → basic offset table and fragments kept byte for byte', async (t) => {
  const bot = Buffer.alloc(8);
  bot.writeUInt32LE(0, 0);
  bot.writeUInt32LE(18, 4);
  const frames = [Buffer.from('frame-one-bytes!'), Buffer.from('frame-two-bytes!')];
  const input = buildDicom({
    transferSyntax: TS.rle,
    elements: [...base().slice(0, -1), { tag: tagOf(0x7fe0, 0x0010), vr: 'OB', fragments: [bot, ...frames] }],
  });
  const f = parseDicom(input);
  const px = f.dataset.get(tagOf(0x7fe0, 0x0010))!;
  t.equal(px.fragments!.length, 3);
  t.same(
    px.fragments!.map((x) => x.length),
    [8, 16, 16],
  );
  setString(f.dataset, PATIENT_NAME, 'PN', 'X');
  const out = serializeDicom(f);
  t.ok(out.includes(Buffer.concat([bot, Buffer.from([0xfe, 0xff, 0x00, 0xe0, 16, 0, 0, 0]), frames[0]])), 'fragments copied as they were');
  t.equal(parseDicom(out).dataset.get(tagOf(0x7fe0, 0x0010))!.fragments!.length, 3);
});

t.test('values above the bulk threshold → left in the source, copied on write', async (t) => {
  const big = Buffer.alloc(100_000, 7);
  const input = buildDicom({ elements: [...base().slice(0, -1), { tag: tagOf(0x7fe0, 0x0010), vr: 'OB', value: big }] });
  const f = parseDicom(input, { bulkThreshold: 1024 });
  const px = f.dataset.get(tagOf(0x7fe0, 0x0010))!;
  t.equal(px.value, undefined);
  t.type(px.bulkOffset, 'number');
  setString(f.dataset, PATIENT_NAME, 'PN', 'Changed');
  const g = parseDicom(serializeDicom(f));
  t.ok(g.dataset.get(tagOf(0x7fe0, 0x0010))!.value!.equals(big));
});

t.test('undefined-length UN in an explicit file → read as implicit VR sequence, written back as UN', async (t) => {
  // Items of an undefined-length UN are implicit VR little endian (PS3.5 6.2.2).
  const implicitItem = Buffer.concat([Buffer.from([0x08, 0x00, 0x50, 0x11, 4, 0, 0, 0]), Buffer.from('1.2\0')]);
  const un = Buffer.concat([
    Buffer.from([0x09, 0x00, 0x10, 0x10]),
    Buffer.from('UN'),
    Buffer.alloc(2),
    Buffer.from([0xff, 0xff, 0xff, 0xff]),
    Buffer.from([0xfe, 0xff, 0x00, 0xe0]),
    Buffer.from([implicitItem.length, 0, 0, 0]),
    implicitItem,
    Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]),
  ]);
  const input = Buffer.concat([
    buildDicom({
      elements: [
        { tag: tagOf(0x0008, 0x0060), vr: 'CS', value: 'OT' },
        { tag: tagOf(0x0009, 0x0010), vr: 'LO', value: 'CREATOR' },
      ],
    }),
    un,
  ]);
  const f = parseDicom(input);
  const el = f.dataset.get(tagOf(0x0009, 0x1010))!;
  t.equal(el.vr, 'UN');
  t.equal(el.items!.length, 1);
  t.equal(el.items![0].dataset.get(tagOf(0x0008, 0x1150))!.value!.toString('latin1'), '1.2\0');
  el.items![0].dataset.get(tagOf(0x0008, 0x1150))!.modified = true;
  t.ok(serializeDicom(f).equals(input), 'rewritten in the same encoding');
});

t.test('raw dataset without preamble or meta → encoding found by inspection, round trip identical', async (t) => {
  for (const [name, ts] of SYNTAXES.filter(([, s]) => s !== TS.deflatedLE)) {
    const input = buildDicom({ transferSyntax: ts, meta: false, elements: base() });
    const f = parseDicom(input);
    t.equal(f.meta, undefined, `${name}: no meta`);
    t.equal(f.encoding.explicit, ts !== TS.implicitLE, `${name}: explicitness found`);
    t.equal(f.encoding.little, ts !== TS.explicitBE, `${name}: endianness found`);
    t.ok(serializeDicom(f).equals(input), `${name}: identical`);
  }
});

t.test('transfer syntax that contradicts the dataset → read as found, with a warning', async (t) => {
  const input = buildDicom({ transferSyntax: TS.implicitLE, elements: base() });
  // Relabel the implicit file as explicit VR little endian: same UID length plus padding.
  const relabelled = Buffer.from(input);
  const at = relabelled.indexOf(Buffer.from('1.2.840.10008.1.2\0', 'latin1'));
  t.ok(at > 0);
  const metaLen = relabelled.readUInt32LE(140);
  const fixedUID = Buffer.from('1.2.840.10008.1.2.1\0', 'latin1');
  const patched = Buffer.concat([relabelled.subarray(0, at - 2), Buffer.from([fixedUID.length, 0]), fixedUID, relabelled.subarray(at + 18)]);
  patched.writeUInt32LE(metaLen + 2, 140);
  const f = parseDicom(patched);
  t.equal(f.transferSyntax.uid, TS.explicitLE);
  t.equal(f.encoding.explicit, false, 'dataset read as implicit');
  t.match(f.warnings.join('\n'), /says explicit VR little endian but the dataset is implicit VR little endian/);
  t.equal(f.dataset.get(PATIENT_NAME)!.value!.toString('latin1'), 'Doe^John');
  t.ok(serializeDicom(f).equals(patched), 'round trip identical');
});
