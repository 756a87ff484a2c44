import { loadProfile } from '../src/profile/load.js';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { buildDicom, type FixtureElement } from '../fixtures/build.js';
import { parseDicom } from '../src/dicom/file.js';
import { runBatch as run } from '../src/pool/batch.js';
import { fromRoot } from './helpers/root.js';

const skip = existsSync(fromRoot('dist/src/pool/worker.js')) ? false : 'dist/ not built';
const KEY = new Uint8Array(Buffer.from('pixel-run-test-secret-0123'));
const ROWS = 100;
const COLS = 80;

/** An 8-bit ultrasound frame: a ramp, with "text" (255) burned into rows 2-10 and at (60..70, 80..90). */
function usImage(opts: { regions?: boolean; sopClass?: string; modality?: string } = {}): Buffer {
  const px = Buffer.alloc(ROWS * COLS);
  for (let y = 0; y < ROWS; y++) for (let x = 0; x < COLS; x++) px[y * COLS + x] = (x + y) % 200;
  for (let y = 2; y <= 10; y++) for (let x = 4; x < 40; x += 2) px[y * COLS + x] = 255;
  for (let y = 80; y < 90; y++) for (let x = 60; x < 70; x++) px[y * COLS + x] = 255;
  const regions: FixtureElement[] = opts.regions
    ? [
        {
          tag: 0x00186011,
          vr: 'SQ',
          items: [
            [
              { tag: 0x00186018, vr: 'UL', value: [10] },
              { tag: 0x0018601a, vr: 'UL', value: [20] },
              { tag: 0x0018601c, vr: 'UL', value: [59] },
              { tag: 0x0018601e, vr: 'UL', value: [69] },
            ],
          ],
        },
      ]
    : [];
  return buildDicom({
    sopClassUID: opts.sopClass ?? '1.2.840.10008.5.1.4.1.1.6.1',
    elements: [
      { tag: 0x00080016, vr: 'UI', value: opts.sopClass ?? '1.2.840.10008.5.1.4.1.1.6.1' },
      { tag: 0x00080018, vr: 'UI', value: `2.25.${Math.floor(Math.random() * 1e12)}` },
      { tag: 0x00080060, vr: 'CS', value: opts.modality ?? 'US' },
      { tag: 0x00100010, vr: 'PN', value: 'Burned^Name' },
      { tag: 0x00100020, vr: 'LO', value: 'US-42' },
      ...regions,
      { tag: 0x00280002, vr: 'US', value: [1] },
      { tag: 0x00280004, vr: 'CS', value: 'MONOCHROME2' },
      { tag: 0x00280010, vr: 'US', value: [ROWS] },
      { tag: 0x00280011, vr: 'US', value: [COLS] },
      { tag: 0x00280100, vr: 'US', value: [8] },
      { tag: 0x00280101, vr: 'US', value: [8] },
      { tag: 0x00280102, vr: 'US', value: [7] },
      { tag: 0x00280103, vr: 'US', value: [0] },
      { tag: 0x7fe00010, vr: 'OB', value: px },
    ],
  });
}

const pixelsOf = (file: string): Buffer => parseDicom(readFileSync(file)).dataset.get(0x7fe00010)!.value!;
const str = (file: string, tag: number): string | undefined => parseDicom(readFileSync(file)).dataset.get(tag)?.value?.toString('latin1').trim();
const codesOf = (file: string): string[] =>
  (parseDicom(readFileSync(file)).dataset.get(0x00120064)?.items ?? []).map((it) => it.dataset.get(0x00080100)!.value!.toString('latin1').trim());

async function runOn(t: Test, files: Record<string, Buffer>, profile: string, extra: { masks?: { x: number; y: number; width: number; height: number }[] } = {}) {
  const d = mkdtempSync(join(tmpdir(), 'anonflow-px-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  mkdirSync(join(d, 'in'));
  for (const [n, b] of Object.entries(files)) writeFileSync(join(d, 'in', n), b);
  const report = await run({
    inputs: [join(d, 'in')],
    out: join(d, 'out'),
    layout: 'mirror',
    threads: 0,
    reportDir: join(d, 'r'),
    worker: { deid: { profile: loadProfile(profile), key: KEY }, record: false, masks: extra.masks, previews: join(d, 'previews') },
    profileName: profile,
    profileOptions: [],
  });
  return { d, report };
}

t.test('ultrasound image with the basic profile → quarantined with the reason, not written, preview kept for review', { skip }, async (t) => {
  const { d, report } = await runOn(t, { 'us.dcm': usImage() }, 'basic');
  t.equal(report.quarantined.length, 1);
  t.match(report.quarantined[0].reason, /modality US may carry burned-in text/);
  t.equal(report.status, 'FAILED');
  t.notOk(existsSync(join(d, 'out', 'us.dcm')));
  t.equal(readdirSync(join(d, 'previews', 'quarantined')).length, 1);
});

t.test('ultrasound image with mask-us-top-banner → banner blanked, the rest exact, BurnedInAnnotation NO and code 113101', { skip }, async (t) => {
  const input = usImage();
  const { d, report } = await runOn(t, { 'us.dcm': input }, 'mask-us-top-banner');
  t.equal(report.anonymized_files.length, 1, JSON.stringify(report.quarantined));
  const out = join(d, 'out', 'us.dcm');
  const before = parseDicom(input).dataset.get(0x7fe00010)!.value!;
  const after = pixelsOf(out);
  let inside = 0;
  let changedOutside = 0;
  for (let y = 0; y < ROWS; y++) {
    for (let x = 0; x < COLS; x++) {
      const i = y * COLS + x;
      if (y < 64) inside += after[i] === 0 ? 1 : 0;
      else changedOutside += after[i] !== before[i] ? 1 : 0;
    }
  }
  t.equal(inside, 64 * COLS, 'every banner pixel holds the fill');
  t.equal(changedOutside, 0, 'every other pixel unchanged');
  t.equal(str(out, 0x00280301), 'NO');
  t.ok(codesOf(out).includes('113101'), 'Clean Pixel Data code');
  t.ok(codesOf(out).includes('113100'));
  t.equal(readdirSync(join(d, 'previews', 'masked')).length, 1, 'a preview of the masked image');
  const png = readFileSync(join(d, 'previews', 'masked', readdirSync(join(d, 'previews', 'masked'))[0]));
  t.same(png.subarray(1, 4).toString(), 'PNG');
});

t.test('ultrasound image with regions and mask-us-outside-regions → everything outside the region blanked', { skip }, async (t) => {
  const { d, report } = await runOn(t, { 'us.dcm': usImage({ regions: true }) }, 'mask-us-outside-regions');
  t.equal(report.anonymized_files.length, 1);
  const after = pixelsOf(join(d, 'out', 'us.dcm'));
  let outsideNonZero = 0;
  let insideKept = 0;
  for (let y = 0; y < ROWS; y++) {
    for (let x = 0; x < COLS; x++) {
      const inRegion = x >= 10 && x <= 59 && y >= 20 && y <= 69;
      if (!inRegion && after[y * COLS + x] !== 0) outsideNonZero++;
      if (inRegion && after[y * COLS + x] === (x + y) % 200) insideKept++;
    }
  }
  t.equal(outsideNonZero, 0, 'outside the ultrasound region: all fill');
  t.equal(insideKept, 50 * 50, 'inside: the image as it was');
});

t.test('ultrasound image without regions and mask-us-outside-regions → the rule does not select it: quarantined', { skip }, async (t) => {
  const { report } = await runOn(t, { 'us.dcm': usImage() }, 'mask-us-outside-regions');
  t.equal(report.quarantined.length, 1);
});

t.test('screen capture with mask-sc-title-bar → title bar blanked', { skip }, async (t) => {
  const { d, report } = await runOn(t, { 'sc.dcm': usImage({ sopClass: '1.2.840.10008.5.1.4.1.1.7', modality: 'OT' }) }, 'mask-sc-title-bar');
  t.equal(report.anonymized_files.length, 1);
  const after = pixelsOf(join(d, 'out', 'sc.dcm'));
  t.ok(
    after.subarray(0, 48 * COLS).every((v) => v === 0),
    'first 48 rows blanked',
  );
});

t.test('--mask on the basic profile → the rectangle blanked in every image, which is then written', { skip }, async (t) => {
  const { d, report } = await runOn(t, { 'us.dcm': usImage() }, 'basic', { masks: [{ x: 60, y: 80, width: 10, height: 10 }] });
  t.equal(report.anonymized_files.length, 1);
  const after = pixelsOf(join(d, 'out', 'us.dcm'));
  for (let y = 80; y < 90; y++)
    t.ok(
      after.subarray(y * COLS + 60, y * COLS + 70).every((v) => v === 0),
      `row ${y} blanked`,
    );
});

t.test('CT image with the basic profile → neither masked nor quarantined, no 113101 claimed', { skip }, async (t) => {
  const { d, report } = await runOn(t, { 'ct.dcm': usImage({ modality: 'CT', sopClass: '1.2.840.10008.5.1.4.1.1.2' }) }, 'basic');
  t.equal(report.anonymized_files.length, 1);
  t.notOk(codesOf(join(d, 'out', 'ct.dcm')).includes('113101'));
});

/** A CT frame with an overlay plane whose bits are set over (5..14, 5..14). */
function withOverlay(): Buffer {
  const bits = Buffer.alloc(Math.ceil((ROWS * COLS) / 8));
  for (let y = 5; y < 15; y++)
    for (let x = 5; x < 15; x++) {
      const i = y * COLS + x;
      bits[i >> 3] |= 1 << (i & 7);
    }
  const base = parseDicom(usImage({ modality: 'CT', sopClass: '1.2.840.10008.5.1.4.1.1.2' }));
  const px = base.dataset.get(0x7fe00010)!.value!;
  return buildDicom({
    sopClassUID: '1.2.840.10008.5.1.4.1.1.2',
    elements: [
      { tag: 0x00080016, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' },
      { tag: 0x00080018, vr: 'UI', value: '2.25.31337' },
      { tag: 0x00080060, vr: 'CS', value: 'CT' },
      { tag: 0x00280002, vr: 'US', value: [1] },
      { tag: 0x00280004, vr: 'CS', value: 'MONOCHROME2' },
      { tag: 0x00280010, vr: 'US', value: [ROWS] },
      { tag: 0x00280011, vr: 'US', value: [COLS] },
      { tag: 0x00280100, vr: 'US', value: [8] },
      { tag: 0x00280101, vr: 'US', value: [8] },
      { tag: 0x00280102, vr: 'US', value: [7] },
      { tag: 0x00280103, vr: 'US', value: [0] },
      { tag: 0x60000010, vr: 'US', value: [ROWS] },
      { tag: 0x60000011, vr: 'US', value: [COLS] },
      { tag: 0x60000040, vr: 'CS', value: 'G' },
      { tag: 0x60000050, vr: 'SS', value: [1, 1] },
      { tag: 0x60000100, vr: 'US', value: [1] },
      { tag: 0x60000102, vr: 'US', value: [0] },
      { tag: 0x60003000, vr: 'OW', value: bits },
      { tag: 0x7fe00010, vr: 'OB', value: px },
    ],
  });
}

t.test('overlay plane, profile pixels.overlays burnIn → burnt into the pixels, overlay group gone; default → only removed', { skip }, async (t) => {
  const d0 = mkdtempSync(join(tmpdir(), 'anonflow-ov-'));
  t.teardown(() => rmSync(d0, { recursive: true, force: true }));
  const burn = join(d0, 'burn.json');
  writeFileSync(burn, JSON.stringify({ name: 'burn-overlays', extends: 'basic', pixels: { overlays: 'burnIn' } }));
  const input = withOverlay();
  const before = parseDicom(input).dataset.get(0x7fe00010)!.value!;
  const burnt = await runOn(t, { 'ct.dcm': input }, burn);
  t.equal(burnt.report.anonymized_files.length, 1, JSON.stringify(burnt.report.quarantined));
  const out = parseDicom(readFileSync(join(burnt.d, 'out', 'ct.dcm')));
  t.notOk(
    out.dataset.elements.some((e) => e.tag >>> 16 === 0x6000),
    'overlay group removed',
  );
  const after = out.dataset.get(0x7fe00010)!.value!;
  t.equal(after[10 * COLS + 10], 255, 'an overlay pixel burnt in (white)');
  t.equal(after[50 * COLS + 50], before[50 * COLS + 50], 'a pixel outside the overlay unchanged');
  const removed = await runOn(t, { 'ct.dcm': input }, 'basic');
  const plain = parseDicom(readFileSync(join(removed.d, 'out', 'ct.dcm')));
  t.notOk(
    plain.dataset.elements.some((e) => e.tag >>> 16 === 0x6000),
    'overlay group removed',
  );
  t.ok(plain.dataset.get(0x7fe00010)!.value!.equals(before), 'pixels untouched');
});
