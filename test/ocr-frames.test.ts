// Multi-frame and cine under OCR (issue 18): frames are grouped by their overlay text region, one
// frame per group is recognised, masks hold for every frame, a frame with other text is read, and
// more groups than the budget quarantine the image. The grouping is counted without the engine;
// one small clip goes through the real OCR.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parseDicom } from '../src/dicom/file.js';
import { valueBytes } from '../src/dicom/values.js';
import { distinctFrames, frameRanges, groupFrames, OcrError, textCandidates, type PixelCheck } from '../src/ocr/index.js';
import { runBatch } from '../src/pool/batch.js';
import { loadProfile } from '../src/profile/load.js';
import { withOcr } from '../src/job/setup.js';
import * as T from '../src/dicom/tags.generated.js';
import { inkBox, textLayer, usImage, withDisc, type TextItem } from '../fixtures/ocr-text.js';
import { fromRoot } from './helpers/root.js';

const W = 240;
const H = 160;
const BANNER: TextItem = { text: 'JANSEN PIETER', x: 6, y: 24, size: 18 };
const OTHER: TextItem = { text: 'MRN 48291734', x: 60, y: 150, size: 18 };
/** Frames carrying OTHER besides the banner in the variant clip. */
const OTHER_FRAMES = [30, 31, 32];

/** A clip: the banner on every frame over a disc that moves; `other` frames carry more text; `speckle` adds bright single pixels that change every frame. */
async function clip(frames: number, o: { other?: number[]; speckle?: boolean; counter?: boolean } = {}): Promise<Buffer> {
  const banner = await textLayer(W, H, [BANNER]);
  const both = await textLayer(W, H, [BANNER, OTHER]);
  const out: Buffer[] = [];
  for (let n = 1; n <= frames; n++) {
    let text = o.other?.includes(n) ? both : banner;
    if (o.counter) text = await textLayer(W, H, [BANNER, { text: `F${n}`, x: 200, y: 150, size: 14 }]);
    const px = withDisc(text, W, H, 40 + ((n * 3) % 160), 90, 28);
    if (o.speckle) for (let k = 0; k < 30; k++) px[((n * 7919 + k * 104729) % (W * (H - 40))) + W * 40] = 255;
    out.push(px);
  }
  return usImage(out, W, H, [{ tag: 0x00100010, vr: 'PN', value: 'JANSEN^PIETER' }]);
}

/** The frames the recogniser would be shown, counted as a recogniser would count its calls. */
async function recognitions(dicom: Buffer, budget: number): Promise<number[]> {
  const read: number[] = [];
  for await (const fr of distinctFrames(parseDicom(dicom), budget)) read.push(fr.frame);
  return read;
}

t.test('a 60-frame clip, banner identical on every frame, anatomy moving → one recognition standing for all 60 frames', async (t) => {
  const dicom = await clip(60);
  t.same(await recognitions(dicom, 8), [1]);
  const groups = await groupFrames(parseDicom(dicom), 8);
  t.equal(groups.length, 1);
  t.equal(groups[0].frames.length, 60, 'every frame belongs to the group read');
});

t.test('the clip with other text on frames 30–32 → two recognitions (frame 1 and frame 30), every frame in a group', async (t) => {
  const groups = await groupFrames(parseDicom(await clip(60, { other: OTHER_FRAMES })), 8);
  t.same(
    groups.map((g) => g.frame),
    [1, 30],
  );
  t.same(groups[1].frames, OTHER_FRAMES);
  t.equal(groups[0].frames.length + groups[1].frames.length, 60, 'no frame left out');
});

t.test('bright specks that change every frame (speckle) → not text: still one recognition', async (t) => {
  t.same(await recognitions(await clip(60, { speckle: true }), 8), [1]);
});

t.test('a frame counter burned into every frame → more text regions than the budget → OCR_BUDGET (the image is not shown clean)', async (t) => {
  const dicom = await clip(12, { counter: true });
  const e: unknown = await groupFrames(parseDicom(dicom), 8).catch((x: unknown) => x);
  t.ok(e instanceof OcrError, 'an OcrError');
  t.equal((e as OcrError).code, 'OCR_BUDGET');
  t.match((e as OcrError).message, /more than 8 different text regions \(found by frame 9 of 12\)/);
  t.equal((await groupFrames(parseDicom(dicom), 12)).length, 12, 'within a budget of 12: each frame read');
});

t.test('textCandidates → keeps strokes of 6 pixels or more at overlay brightness, drops specks and mid-grey', async (t) => {
  const g = new Uint8Array(10 * 10);
  for (let x = 1; x <= 6; x++) g[2 * 10 + x] = 230; // a stroke
  g[8 * 10 + 8] = 255; // a speck
  for (let x = 0; x < 10; x++) g[5 * 10 + x] = 150; // mid-grey
  t.same(
    [...textCandidates(g, 10, 10)].reduce((a, b) => a + b, 0),
    6,
  );
});

t.test('frameRanges → runs of frames as ranges', async (t) => {
  t.equal(frameRanges([1, 2, 3, 5, 7, 8]), '1-3,5,7-8');
  t.equal(frameRanges([4]), '4');
});

const skip = existsDist() ? false : 'dist/ not built';
function existsDist(): boolean {
  try {
    readFileSync(fromRoot('dist/src/pool/worker.js'));
    return true;
  } catch {
    return false;
  }
}

t.test('the 60-frame variant through anon run --ocr → 2 OCR passes, banner and other text masked in every frame, verified', { skip }, async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'anonflow-ocr-frames-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  mkdirSync(join(d, 'in'));
  writeFileSync(join(d, 'in', 'clip.dcm'), await clip(60, { other: OTHER_FRAMES }));
  const report = await runBatch({
    inputs: [join(d, 'in')],
    out: join(d, 'out'),
    layout: 'mirror',
    threads: 0,
    reportDir: join(d, 'r'),
    worker: { deid: { profile: withOcr(loadProfile('basic'), {}), key: new Uint8Array(Buffer.from('ocr-frames-secret-0123456789')) }, record: false, previews: join(d, 'prev') },
    profileName: 'basic',
    profileOptions: [],
  });
  t.equal(report.anonymized_files.length, 1, JSON.stringify(report.quarantined));
  t.same(readdirSync(join(d, 'prev', 'masked')).sort(), ['clip.f30.png', 'clip.png'], 'a preview per recognised frame');
  const check = report.anonymized_files[0].pixels as PixelCheck;
  t.same(check.frames_ocr, [1, 30], 'two recognised frames stand for the 60');
  t.same(check.frame_groups, [
    { frame: 1, frames: '1-29,33-60' },
    { frame: 30, frames: '30-32' },
  ]);
  t.equal(check.verified, true);
  t.ok(
    check.boxes!.some((b) => b.frame === 30 && b.masked && b.y > 120),
    "the other text, on frame 30's group only, is found and masked",
  );
  const out = parseDicom(readFileSync(report.anonymized_files[0].path));
  const px = valueBytes(out.dataset.get(T.PixelData)!, out.body)!;
  const inkOf = async (item: TextItem) => inkBox(W, H, item);
  const banner = await inkOf(BANNER);
  const other = await inkOf(OTHER);
  const bright = (n: number, b: { x: number; y: number; width: number; height: number }): number => {
    let c = 0;
    for (let y = b.y; y < b.y + b.height; y++) for (let x = b.x; x < b.x + b.width; x++) if (px[(n - 1) * W * H + y * W + x] >= 200) c++;
    return c;
  };
  const left = [];
  for (let n = 1; n <= 60; n++) if (bright(n, banner) + bright(n, other) > 0) left.push(n);
  t.same(left, [], 'no text ink left in any frame');
});

t.test('the frame-counter clip through anon run --ocr → quarantined with the OCR_BUDGET reason, nothing written', { skip }, async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'anonflow-ocr-budget-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  mkdirSync(join(d, 'in'));
  writeFileSync(join(d, 'in', 'clip.dcm'), await clip(12, { counter: true }));
  const report = await runBatch({
    inputs: [join(d, 'in')],
    out: join(d, 'out'),
    layout: 'mirror',
    threads: 0,
    reportDir: join(d, 'r'),
    worker: { deid: { profile: withOcr(loadProfile('basic'), {}), key: new Uint8Array(Buffer.from('ocr-frames-secret-0123456789')) }, record: false },
    profileName: 'basic',
    profileOptions: [],
  });
  t.equal(report.anonymized_files.length, 0);
  t.equal(report.quarantined.length, 1);
  t.match(report.quarantined[0].reason, /OCR_BUDGET: frames show more than 8 different text regions.*not written/);
});
