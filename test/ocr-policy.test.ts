// The OCR policy (issue 18): "identifiers" (Presidio's mode) masks the burned-in text the detectors
// flag and leaves annotations; "all" (the default) masks every text. And what the report and the
// journal say per image: boxes found, masked and left with confidence, never the recognised text.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { parseDicom } from '../src/dicom/file.js';
import { valueBytes } from '../src/dicom/values.js';
import { DEFAULT_OCR, type PixelCheck } from '../src/ocr/index.js';
import type { TextLine } from '../src/ocr/candidates.js';
import type { FrameText } from '../src/ocr/frame-text.js';
import { identifierLines, rowsOf, UNSURE } from '../src/ocr/identifier-lines.js';
import { prepareContext } from '../src/detect/index.js';
import { runBatch } from '../src/pool/batch.js';
import { loadProfile } from '../src/profile/load.js';
import { withOcr } from '../src/job/setup.js';
import * as T from '../src/dicom/tags.generated.js';
import { inkBox, textLayer, usImage, type InkBox, type TextItem } from '../fixtures/ocr-text.js';
import { fromRoot } from './helpers/root.js';

const skip = existsSync(fromRoot('dist/src/pool/worker.js')) ? false : 'dist/ not built';

const W = 480;
const H = 240;
/**
 * Burned in as scanners do: the patient's name as a plain "Surname Given" (known only from the
 * header), labelled ID, birth date and accession number, and other people's names in the PN
 * caret form and as "SURNAME, GIVEN" (known to no header: found by their form).
 */
const IDS: TextItem[] = [
  { text: 'JANSEN PIETER', x: 8, y: 26, size: 18 },
  { text: 'DOB 12/03/1961', x: 280, y: 26, size: 18 },
  { text: 'ID 48291734', x: 8, y: 62, size: 18 },
  { text: 'Acc# 552130', x: 280, y: 62, size: 18 },
  { text: 'OKONKWO, MARIA', x: 8, y: 98, size: 18 },
  { text: 'Name: DOE^JOHN', x: 240, y: 98, size: 18 },
];
/** Annotations that name no one. */
const NOTES: TextItem[] = [
  { text: 'ABD', x: 20, y: 190, size: 22 },
  { text: '5 cm', x: 110, y: 190, size: 22 },
  { text: 'L', x: 200, y: 190, size: 26 },
  { text: 'TIS 0.4', x: 250, y: 190, size: 22 },
  { text: 'MI 1.1', x: 380, y: 190, size: 22 },
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

t.test(
  'policy "identifiers" → every row holding an identifier is masked whole, label and value; "ABD", "5 cm", "L", "TIS 0.4" and "MI 1.1" are left as they were',
  { skip },
  async (t) => {
    const { check, inkLeft, report, journal } = await runPolicy(t, 'identifiers');
    t.equal(check.policy, 'identifiers');
    t.equal(check.verified, true);
    for (const item of IDS) t.equal(await inkLeft(item), 0, `${item.text.replace(/\d/g, '#').replace(/[A-Z]{3,}/g, 'X')}: no ink left, label included`);
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
        t.ok(b.confidence >= 0 && b.confidence <= 100);
      }
      const entry = JSON.parse(journal.trim().split('\n').at(-1)!) as { pixels: PixelCheck };
      t.same(entry.pixels, check, 'the journal holds the same account');
      const written = JSON.stringify(report) + journal;
      for (const word of ['JANSEN', 'PIETER', '48291734', '1961', '12/03', 'OKONKWO', '552130']) t.notOk(written.includes(word), `"${word.replace(/\d/g, '#')}" is in neither`);
    });
  },
);

t.test('policy "all" (default) → every text is masked: identifiers and annotations', { skip }, async (t) => {
  const { check, inkLeft } = await runPolicy(t, 'all');
  t.equal(check.policy, 'all');
  t.equal(check.verified, true);
  for (const item of [...IDS, ...NOTES.slice(0, 2)]) t.equal(await inkLeft(item), 0, `${item.text.replace(/\d/g, '#').replace(/[A-Z]{3,}/g, 'X')}: no ink left`);
  t.equal(check.left, 0, 'no box left');
});

/** A candidate line and its words as the recogniser read them (frame coordinates). */
function read(x: number, y: number, glyph: number, words: [string, number][], components = words.reduce((n, [w]) => n + w.length, 0)) {
  const width = words.reduce((n, [w]) => n + w.length * glyph * 0.7, 0) + (words.length - 1) * glyph * 0.5;
  const line: TextLine = { x, y, width: Math.round(width), height: glyph, polarity: 'bright', glyph, ink: 240, ground: 20, components, baseline: 1, bottom: y + glyph };
  let at = x;
  const ws = words.map(([text, confidence]) => {
    const w = { x: Math.round(at), y, width: Math.round(text.length * glyph * 0.7), height: glyph, text, confidence };
    at += w.width + glyph * 0.5;
    return w;
  });
  return { line, ws };
}

function frameOf(...parts: ReturnType<typeof read>[]): FrameText {
  return {
    frame: 1,
    width: 640,
    height: 480,
    hash: '',
    lines: parts.map((p) => p.line),
    words: parts.flatMap((p, k) => p.ws.map((w) => ({ ...w, line: String(k) }))),
  };
}

t.test('identifierLines → a label or a date part split off its row is flagged with it; annotations read surely are not', async (t) => {
  const ctx = prepareContext({});
  const f = frameOf(
    read(20, 10, 12, [['DOB', 95]]),
    read(60, 10, 12, [['12/03/1961', 96]]),
    read(300, 10, 12, [['05', 97]]),
    read(330, 10, 12, [['11/1949', 95]]),
    read(20, 100, 12, [
      ['TIS', 96],
      ['0.4', 95],
    ]),
    read(200, 100, 12, [
      ['MI', 96],
      ['1.1', 94],
    ]),
  );
  t.same(rowsOf(f.lines), [[0, 1], [2, 3], [4], [5]], 'rows: the two lines of each date joined, fields ten glyphs apart kept apart');
  const flagged = identifierLines(f, ctx, DEFAULT_OCR, { unsure: true });
  t.same([...flagged.entries()].sort(), [
    [0, 'DATE'],
    [1, 'DATE'],
    [2, 'DATE'],
    [3, 'DATE'],
  ]);
});

t.test('identifierLines on a row of glyphs read unsurely → UNSURE under the identifiers policy (fail closed), nothing under "all"', async (t) => {
  const ctx = prepareContext({});
  const f = frameOf(read(20, 10, 8, [['FONEYO', 0]]), read(100, 200, 8, [['GAIN', 95]]));
  t.same([...identifierLines(f, ctx, DEFAULT_OCR, { unsure: true })], [[0, UNSURE]]);
  t.same([...identifierLines(f, ctx, DEFAULT_OCR, { unsure: false })], []);
  const short = frameOf(read(20, 10, 8, [['L', 10]], 1));
  t.same([...identifierLines(short, ctx, DEFAULT_OCR, { unsure: true })], [], 'one glyph read unsurely is no row of text');
});
