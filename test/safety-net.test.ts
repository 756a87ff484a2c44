/**
 * The independent safety net (issue 13): identifier values read from the input by a tolerant,
 * dictionary-free tag scan are searched for in the output's raw bytes, by the per-file job before
 * an output takes its name, and by `anon verify`. A misread input cannot hide its own leak.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { buildDicom, encodeElements, TS, type FixtureElement } from '../fixtures/build.js';
import { deidentify } from '../src/deid/engine.js';
import { parseDicom, serializeDicom } from '../src/dicom/file.js';
import { findIdentifiers, scanIdentifiers } from '../src/dicom/identifier-scan.js';
import { BufferSource } from '../src/dicom/source.js';
import { processFile } from '../src/job/process-file.js';
import { verifyRun } from '../src/verify/index.js';
import { basicEnv } from './helpers/deid.js';

const NAME = 'Doe^Jane';
const ID = 'PID-77123';

const tmp = (t: Test): string => {
  const d = mkdtempSync(join(tmpdir(), 'anon-safety-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
};

const ids = (b: Buffer): string[] =>
  scanIdentifiers(new BufferSource(b))
    .map((i) => i.value)
    .sort();

t.test('scanIdentifiers: a name and an ID in explicit LE, implicit LE and explicit BE → found in each', async (t) => {
  const els: FixtureElement[] = [
    { tag: 0x00100010, vr: 'PN', value: NAME },
    { tag: 0x00100020, vr: 'LO', value: ID },
  ];
  for (const [what, enc] of [
    ['explicit LE', { explicit: true, little: true }],
    ['implicit LE', { explicit: false, little: true }],
    ['explicit BE', { explicit: true, little: false }],
  ] as const) {
    t.same(ids(encodeElements(els, enc)), [NAME, ID].sort(), what);
  }
});

t.test('scanIdentifiers: a name whose header has garbage VR bytes and sits inside another value → still found', async (t) => {
  const inner = Buffer.concat([Buffer.from([0x10, 0x00, 0x10, 0x00]), Buffer.from('??'), Buffer.from([8, 0]), Buffer.from(NAME)]);
  const outer = encodeElements([{ tag: 0x00282000, vr: 'OB', value: Buffer.concat([Buffer.alloc(6), inner]) }], { explicit: true, little: true });
  t.same(ids(outer), [NAME]);
});

t.test('scanIdentifiers: binary samples after a tag-like pair, placeholders and short values → not taken for identifiers', async (t) => {
  const junk = Buffer.concat([Buffer.from([0x10, 0x00, 0x10, 0x00, 0x06, 0x00, 0xdd, 0xff, 0xb0, 0xff, 0xa6, 0x00])]);
  const els = encodeElements(
    [
      { tag: 0x00100010, vr: 'PN', value: 'ANONYMIZED' },
      { tag: 0x00100020, vr: 'LO', value: '12' },
    ],
    { explicit: true, little: true },
  );
  t.same(ids(Buffer.concat([junk, els])), []);
});

t.test('findIdentifiers: an ID inside a longer number or UID → not a hit; standing alone → a hit', async (t) => {
  const found = scanIdentifiers(new BufferSource(encodeElements([{ tag: 0x00080050, vr: 'SH', value: '2994400' }], { explicit: true, little: true })));
  t.equal(found.length, 1);
  t.same(findIdentifiers(new BufferSource(Buffer.from('1.2.840.2994400.5')), found), [], 'inside a UID');
  t.same(findIdentifiers(new BufferSource(Buffer.from('xx 2994400 xx')), found).length, 1, 'alone');
});

/**
 * A name the engine cannot see: the bytes of a (0010,0010) element inside a public OB value the
 * Basic Profile keeps (ICC Profile), as a misread length would leave them.
 */
function hiddenName(): Buffer {
  const hidden = encodeElements([{ tag: 0x00100010, vr: 'PN', value: NAME }], { explicit: true, little: true });
  return buildDicom({
    transferSyntax: TS.explicitLE,
    sopInstanceUID: '2.25.4242',
    elements: [
      { tag: 0x00080016, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
      { tag: 0x00080018, vr: 'UI', value: '2.25.4242' },
      { tag: 0x0020000d, vr: 'UI', value: '2.25.4242.1' },
      { tag: 0x0020000e, vr: 'UI', value: '2.25.4242.2' },
      { tag: 0x00282000, vr: 'OB', value: Buffer.concat([Buffer.from('icc-'), hidden]) },
    ],
  });
}

t.test('the per-file job: an output that still holds a name the tag scan read from the input → failed DEID_RESIDUAL, nothing written', async (t) => {
  const dir = tmp(t);
  const input = join(dir, 'in.dcm');
  writeFileSync(input, hiddenName());
  const out = join(dir, 'out');
  const o = await processFile(input, 'in.dcm', { out, layout: 'mirror', env: basicEnv() });
  t.equal(o.status, 'failed');
  if (o.status === 'failed') {
    t.equal(o.error.code, 'DEID_RESIDUAL');
    t.notMatch(o.error.message, /Doe|Jane/, 'the message does not repeat the value');
  }
  const left = existsSync(out) ? readdirSync(out, { recursive: true }) : [];
  t.same(
    left.filter((n) => String(n).endsWith('.dcm') || String(n).endsWith('.tmp')),
    [],
    'no output, no temp file',
  );
});

t.test('anon verify: an output holding a name hidden from the parse → a RESIDUAL_IDENTIFIER error from the tag scan', async (t) => {
  const dir = tmp(t);
  const inDir = join(dir, 'in');
  const outDir = join(dir, 'out');
  mkdirSync(inDir);
  mkdirSync(outDir);
  const input = hiddenName();
  writeFileSync(join(inDir, 'a.dcm'), input);
  const f = parseDicom(input);
  deidentify(f, basicEnv()); // the engine alone: no guard between it and the output
  writeFileSync(join(outDir, 'a.dcm'), serializeDicom(f));
  const r = await verifyRun({ input: inDir, output: outDir, dciodvfy: false });
  const hits = r.findings.filter((x) => x.code === 'RESIDUAL_IDENTIFIER' && /tag scan/.test(x.message));
  t.equal(hits.length, 1, 'one finding from the tag scan');
  t.equal(hits[0]?.severity, 'error');
  t.notOk(r.ok, 'the verification fails');
});
