// The OCR policy (issue 18): "identifiers" (Presidio's mode) masks the burned-in text the detectors
// flag and leaves annotations; "all" (the default) masks every text. And what the report and the
// journal say per image: boxes found, masked and left with confidence, never the recognised text.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { parseDicom } from '../src/dicom/file.js';
import { valueBytes } from '../src/dicom/values.js';
import type { PixelCheck } from '../src/ocr/index.js';
import { runBatch } from '../src/pool/batch.js';
import { loadProfile } from '../src/profile/load.js';
import { withOcr } from '../src/job/setup.js';
import * as T from '../src/dicom/tags.generated.js';
import { inkBox, textLayer, usImage, type InkBox, type TextItem } from '../fixtures/ocr-text.js';
import { fromRoot } from './helpers/root.js';

const skip = existsSync(fromRoot('dist/src/pool/worker.js')) ? false : 'dist/ not built';

const W = 320;
const H = 200;
/** Burned in as scanners do: the patient's name and ID (both in the header) and a birth date. */
const IDS: TextItem[] = [
  { text: 'JANSEN PIETER', x: 8, y: 26, size: 18 },
  { text: '48291734', x: 8, y: 54, size: 18 },
  { text: '12/03/1961', x: 180, y: 26, size: 18 },
];
/** Annotations that name no one. */
const NOTES: TextItem[] = [
  { text: 'ABD', x: 30, y: 150, size: 22 },
  { text: '5 cm', x: 130, y: 150, size: 22 },
  { text: 'L', x: 260, y: 150, size: 26 },
];

async function runPolicy(t: Test, policy: 'all' | 'identifiers') {
  const d = mkdtempSync(join(tmpdir(), 'anonflow-ocr-policy-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  mkdirSync(join(d, 'in'));
  const pixels = await textLayer(W, H, [...IDS, ...NOTES]);
  writeFileSync(
    join(d, 'in', 'img.dcm'),
    usImage([pixels], W, H, [
      { tag: 0x00100010, vr: 'PN', value: 'JANSEN^PIETER' },
      { tag: 0x00100020, vr: 'LO', value: '48291734' },
    ]),
  );
  const report = await runBatch({
    inputs: [join(d, 'in')],
    out: join(d, 'out'),
    layout: 'mirror',
    threads: 0,
    reportDir: join(d, 'r'),
    worker: { deid: { profile: withOcr(loadProfile('basic'), { policy }), key: new Uint8Array(Buffer.from('ocr-policy-secret-0123456789')) }, record: false },
    profileName: 'basic',
    profileOptions: [],
  });
  t.equal(report.anonymized_files.length, 1, JSON.stringify(report.quarantined));
  const out = parseDicom(readFileSync(report.anonymized_files[0].path));
  const after = valueBytes(out.dataset.get(T.PixelData)!, out.body)!;
  /** The share of an item's ink that is still there (pixels ≥ 128 where the input had them). */
  const inkLeft = async (item: TextItem): Promise<number> => {
    const b: InkBox = await inkBox(W, H, item);
    let ink = 0;
    let kept = 0;
    for (let y = b.y; y < b.y + b.height; y++)
      for (let x = b.x; x < b.x + b.width; x++) {
        const i = y * W + x;
        if (pixels[i] < 128) continue;
        ink++;
        if (after[i] >= 128) kept++;
      }
    return kept / ink;
  };
  return { d, report, check: report.anonymized_files[0].pixels as PixelCheck, inkLeft, journal: readFileSync(join(d, 'r', 'journal.ndjson'), 'utf8') };
}

t.test('policy "identifiers" → the burned-in name, ID and date are masked; "ABD", "5 cm" and "L" are left as they were', { skip }, async (t) => {
  const { check, inkLeft, report, journal } = await runPolicy(t, 'identifiers');
  t.equal(check.policy, 'identifiers');
  t.equal(check.verified, true);
  for (const item of IDS) t.equal(await inkLeft(item), 0, `${item.text.replace(/\d/g, '#')}: no ink left`);
  for (const item of NOTES) t.equal(await inkLeft(item), 1, `${item.text}: untouched`);
  t.ok(
    check.boxes!.some((b) => b.identifier && b.masked && b.label),
    'identifier boxes are masked and labelled with their kind',
  );
  t.ok(
    check.boxes!.some((b) => !b.identifier && !b.masked && b.y > 120),
    'annotation boxes are reported as found and left',
  );
  t.equal(check.left, check.boxes!.filter((b) => !b.masked).length);

  t.test('the report and the journal list the boxes with confidence and never the recognised text', async (t) => {
    for (const b of check.boxes!) {
      t.same(Object.keys(b).sort(), ['confidence', 'frame', 'height', 'identifier', 'masked', 'width', 'x', 'y', ...(b.label ? ['label'] : [])].sort());
      t.ok(b.confidence > 0 && b.confidence <= 100);
    }
    const entry = JSON.parse(journal.trim().split('\n').at(-1)!) as { pixels: PixelCheck };
    t.same(entry.pixels, check, 'the journal holds the same account');
    const written = JSON.stringify(report) + journal;
    for (const word of ['JANSEN', 'PIETER', '48291734', '1961', '12/03']) t.notOk(written.includes(word), `"${word.replace(/\d/g, '#')}" is in neither`);
  });
});

t.test('policy "all" (default) → every text is masked: identifiers and annotations', { skip }, async (t) => {
  const { check, inkLeft } = await runPolicy(t, 'all');
  t.equal(check.policy, 'all');
  t.equal(check.verified, true);
  for (const item of [...IDS, ...NOTES.slice(0, 2)]) t.equal(await inkLeft(item), 0, `${item.text.replace(/\d/g, '#')}: no ink left`);
  t.equal(check.left, 0, 'no box left');
});
