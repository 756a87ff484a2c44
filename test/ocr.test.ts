// Burned-in text found by OCR, masked, and checked by a second pass (issue 18). OCR is slow: a few
// small images, one engine per run, and the independent check with Debian's tesseract only where
// it is installed.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import t, { type Test } from 'tap';
import { detectIdentifiers, IMPLICIT_SETTINGS, knownIdentifiers, prepareContext } from '../src/detect/index.js';
import { parseDicom } from '../src/dicom/file.js';
import { decodeStrings, fileContext } from '../src/dicom/values.js';
import type { PixelCheck } from '../src/ocr/types.js';
import { renderFrame } from '../src/pixel/index.js';
import { runBatch } from '../src/pool/batch.js';
import { loadProfile, type ResolvedProfile } from '../src/profile/load.js';
import { setupDeid, withOcr } from '../src/job/setup.js';
import { CORPUS, SKIP_CORPUS } from './helpers/corpus.js';
import * as T from '../src/dicom/tags.generated.js';
import { fromRoot } from './helpers/root.js';

const KEY = new Uint8Array(Buffer.from('ocr-test-secret-0123456789'));
const US1 = join(CORPUS, 'pydicom-data/US1_UNCR.dcm');
const CT = join(CORPUS, 'pydicom/CT_small.dcm');
const TESSERACT = ['/usr/bin/tesseract', '/usr/local/bin/tesseract'].find(existsSync);
const NO_TESSERACT = TESSERACT ? false : "Debian's tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-eng): the independent OCR check is skipped";
const skip = existsSync(fromRoot('dist/src/pool/worker.js')) ? false : 'dist/ not built';

async function runOn(t: Test, files: Record<string, string>, profile: ResolvedProfile) {
  const d = mkdtempSync(join(tmpdir(), 'anonflow-ocr-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  mkdirSync(join(d, 'in'));
  for (const [n, src] of Object.entries(files)) copyFileSync(src, join(d, 'in', n));
  const report = await runBatch({
    inputs: [join(d, 'in')],
    out: join(d, 'out'),
    layout: 'mirror',
    threads: 0,
    reportDir: join(d, 'r'),
    worker: { deid: { profile, key: KEY }, record: false, previews: join(d, 'previews') },
    profileName: profile.name,
    profileOptions: [],
  });
  return { d, report };
}

const ocrProfile = (base = 'basic', extra: object = {}): ResolvedProfile => withOcr(loadProfile(base), extra);

/** Debian's tesseract over a frame rendered like the engine's (grey, ×2): words in frame coordinates. */
async function independentWords(file: string): Promise<{ text: string; conf: number; x: number; y: number; width: number; height: number; line: string }[]> {
  const f = parseDicom(readFileSync(file));
  const { rgb, width, height } = await renderFrame(f, 1);
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-tess-'));
  try {
    const png = join(dir, 'frame.png');
    writeFileSync(
      png,
      await sharp(rgb, { raw: { width, height, channels: 3 } })
        .greyscale()
        .resize({ width: width * 2, height: height * 2, kernel: 'cubic' })
        .png()
        .toBuffer(),
    );
    const r = spawnSync(TESSERACT!, [png, '-', '--psm', '11', 'tsv'], { encoding: 'utf8', env: { ...process.env, OMP_THREAD_LIMIT: '1' }, timeout: 120_000 });
    if (r.status !== 0) throw new Error(`tesseract failed: ${r.stderr}`);
    return r.stdout
      .split('\n')
      .map((l) => l.split('\t'))
      .filter((c) => c[0] === '5' && c.length >= 12 && c[11].trim() !== '')
      .map((c) => ({ text: c[11].trim(), conf: +c[10], x: +c[6] / 2, y: +c[7] / 2, width: +c[8] / 2, height: +c[9] / 2, line: `${c[2]}.${c[3]}.${c[4]}` }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const alnum = (s: string): number => (s.match(/[\p{L}\p{N}]/gu) ?? []).length;
const overlaps = (a: { x: number; y: number; width: number; height: number }, b: { x: number; y: number; width: number; height: number }): boolean =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

t.test(
  'US1_UNCR with --ocr → written, masked and verified; an independent tesseract pass reads nothing in the masks and no identifier',
  { skip: skip || SKIP_CORPUS },
  async (t) => {
    const { d, report } = await runOn(t, { 'us1.dcm': US1 }, ocrProfile());
    t.equal(report.quarantined.length, 0, JSON.stringify(report.quarantined));
    t.equal(report.anonymized_files.length, 1);
    const out = report.anonymized_files[0];
    const check = out.pixels as PixelCheck;
    t.equal(check.method, 'ocr');
    t.equal(check.verified, true);
    t.ok(check.masked! >= 10, `the banner's words are masked (${check.masked})`);
    t.ok(
      check.boxes!.every((b) => !('text' in b)),
      'no recognised text in the report',
    );
    t.ok(
      check.boxes!.some((b) => b.masked && b.y < 110 && b.x < 200),
      'the top-left banner (institution, identifiers) is masked',
    );
    const written = parseDicom(readFileSync(out.path));
    t.equal(written.dataset.get(T.BurnedInAnnotation)?.value?.toString('latin1').trim(), 'NO');
    const codes = (written.dataset.get(T.DeidentificationMethodCodeSequence)?.items ?? []).map((it) => it.dataset.get(T.CodeValue)!.value!.toString('latin1').trim());
    t.ok(codes.includes('113101'), 'Clean Pixel Data code set: the second pass supports it');
    t.ok(existsSync(join(d, 'previews', 'masked')), 'a preview with the boxes is written');

    t.test('independent check (Debian tesseract)', { skip: NO_TESSERACT }, async (t) => {
      const masks = check.boxes!.filter((b) => b.masked);
      const after = await independentWords(out.path);
      const readableInMasks = after.filter((w) => alnum(w.text) >= 3 && w.conf >= 50 && masks.some((m) => overlaps(w, m)));
      t.same(
        readableInMasks.map((w) => `${w.x},${w.y} (${Math.round(w.conf)})`),
        [],
        'no word of three letters or digits readable in a masked region',
      );
      // The identifiers of the input's header and identifier shapes, looked for in every line read.
      const input = parseDicom(readFileSync(US1));
      const ctx = fileContext(input);
      const read = (tag: number): string | undefined => {
        const el = input.dataset.get(tag);
        return el?.value && !el.items ? decodeStrings(el, ctx).join('\\') : undefined;
      };
      const context = prepareContext({ known: knownIdentifiers(read), settings: IMPLICIT_SETTINGS });
      const lines = new Map<string, string[]>();
      for (const w of after.filter((x) => x.conf >= 50)) lines.set(w.line, [...(lines.get(w.line) ?? []), w.text]);
      const found = [...lines.values()].flatMap((ws) => detectIdentifiers(ws.join(' '), context).map((s) => s.label));
      t.same(found, [], 'no identifier anywhere in the output');
      // What the same pass reads in the input's banner is gone from the output.
      const before = (await independentWords(US1)).filter((w) => alnum(w.text) >= 3 && w.conf >= 60 && w.y < 105).map((w) => w.text);
      t.ok(before.length >= 3, `the input's banner is readable to the independent pass (${before.length} words)`);
      const afterText = new Set(after.map((w) => w.text));
      t.same(
        before.filter((w) => afterText.has(w)),
        [],
        "none of the banner's words is read in the output",
      );
    });
  },
);

t.test('a CT slice with no text, OCR on and CT listed as may-carry-text → written unchanged (no mask, pixels byte-identical)', { skip: skip || SKIP_CORPUS }, async (t) => {
  const base = loadProfile('basic');
  const profile = withOcr({ ...base, pixels: { ...base.pixels, burnedInText: { modalities: ['CT'], sopClasses: [] } } }, {});
  const { report } = await runOn(t, { 'ct.dcm': CT }, profile);
  t.equal(report.anonymized_files.length, 1, JSON.stringify(report.quarantined));
  const out = report.anonymized_files[0];
  const check = out.pixels as PixelCheck;
  t.equal(check.method, 'ocr');
  t.equal(check.masked, 0, 'nothing masked');
  t.equal(check.found, 0, 'no text box on the slice');
  const inPx = parseDicom(readFileSync(CT)).dataset.get(T.PixelData)!.value!;
  const written = parseDicom(readFileSync(out.path));
  t.ok(Buffer.compare(written.dataset.get(T.PixelData)!.value!, inPx) === 0, 'pixel data byte-identical');
  const codes = (written.dataset.get(T.DeidentificationMethodCodeSequence)?.items ?? []).map((it) => it.dataset.get(T.CodeValue)!.value!.toString('latin1').trim());
  t.notOk(codes.includes('113101'), 'no Clean Pixel Data code: nothing was cleaned');
});

t.test('a CT slice with --ocr and the default profile → written as without OCR (CT is not an image that may carry text)', { skip: skip || SKIP_CORPUS }, async (t) => {
  const { report } = await runOn(t, { 'ct.dcm': CT }, ocrProfile());
  t.equal(report.anonymized_files.length, 1);
  t.equal(report.anonymized_files[0].pixels, undefined, 'OCR did not run');
  const inPx = parseDicom(readFileSync(CT)).dataset.get(T.PixelData)!.value!;
  t.ok(Buffer.compare(parseDicom(readFileSync(report.anonymized_files[0].path)).dataset.get(T.PixelData)!.value!, inPx) === 0);
});

t.test('BurnedInAnnotation YES where OCR reads no text → quarantined with the finding (the text cannot be located)', { skip: skip || SKIP_CORPUS }, async (t) => {
  const base = loadProfile('basic');
  const d = mkdtempSync(join(tmpdir(), 'anonflow-ocr-yes-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  // CT_small with BurnedInAnnotation YES: the profile lists CT so the attribute is read.
  const { writeDicomFile, openDicom, closeDicom } = await import('../src/dicom/file.js');
  const { Element } = await import('../src/dicom/dataset.js');
  const f = await openDicom(CT);
  const el = new Element(T.BurnedInAnnotation, 'CS', 4);
  el.value = Buffer.from('YES ');
  f.dataset.set(el);
  await writeDicomFile(f, join(d, 'yes.dcm'));
  closeDicom(f);
  const { report } = await runOn(t, { 'yes.dcm': join(d, 'yes.dcm') }, withOcr(base, {}));
  t.equal(report.quarantined.length, 1);
  const q = report.quarantined[0];
  t.match(q.reason, /BurnedInAnnotation is YES and OCR read no text/);
  t.equal((q.pixels as PixelCheck).verified, false);
  t.same((q.pixels as PixelCheck).boxes, []);
});

t.test('without --ocr → as before: US1_UNCR is quarantined, no OCR in the report', { skip: skip || SKIP_CORPUS }, async (t) => {
  const { report } = await runOn(t, { 'us1.dcm': US1 }, loadProfile('basic'));
  t.equal(report.anonymized_files.length, 0);
  t.equal(report.quarantined.length, 1);
  t.match(report.quarantined[0].reason, /modality US may carry burned-in text and no mask rule selects the image/);
  t.equal(report.quarantined[0].pixels, undefined);
});

t.test('a fixed mask rule without OCR → written as before, the report says "mask rule, not verified"', { skip: skip || SKIP_CORPUS }, async (t) => {
  const { report } = await runOn(t, { 'us1.dcm': US1 }, loadProfile('mask-us-top-banner'));
  t.equal(report.anonymized_files.length, 1);
  t.same(report.anonymized_files[0].pixels, { method: 'mask rule, not verified' });
});

t.test('setupDeid with --ocr → the profile says pixels.detect "ocr" and the policy flag wins', async (t) => {
  const s = setupDeid({ profile: 'basic', ocr: { policy: 'identifiers' }, secretFile: undefined });
  t.equal(s.profile.pixels.detect, 'ocr');
  t.equal(s.profile.pixels.ocr?.policy, 'identifiers');
  t.equal(setupDeid({ profile: 'basic' }).profile.pixels.detect, undefined, 'off unless asked');
});
