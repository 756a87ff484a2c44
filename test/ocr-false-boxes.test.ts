// False boxes (issue 18): rows of glyph-sized blobs in anatomy that the recogniser reads as short
// letter groups without confidence are not text unless they are shaped like a typeset line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import t from 'tap';
import { parseDicom } from '../src/dicom/file.js';
import { maskPixelData } from '../src/pixel/index.js';
import { findTextLines, type GreyFrame, type TextLine } from '../src/ocr/candidates.js';
import { isTextLine } from '../src/ocr/classify.js';
import { ocrCleanImage } from '../src/ocr/clean-image.js';
import { closeOcr } from '../src/ocr/engine.js';
import { greyFrame } from '../src/ocr/frame-text.js';
import { typesetLine } from '../src/ocr/line-shape.js';
import { DEFAULT_OCR, type OcrWord } from '../src/ocr/types.js';
import { CORPUS, SKIP_CORPUS } from './helpers/corpus.js';

/** A row of `n` components `glyph` high, `bottom` its baseline, `onBaseline` of them on it. */
const row = (n: number, glyph: number, height: number, bottom: number, onBaseline: number): TextLine => ({
  x: 10,
  y: bottom - height + Math.round(glyph * 0.2),
  width: n * glyph,
  height,
  polarity: 'bright',
  glyph,
  ink: 200,
  ground: 40,
  components: n,
  baseline: onBaseline / n,
  bottom,
});
const word = (text: string, y: number, height: number): OcrWord => ({ x: 10, y, width: 8 * text.length, height, confidence: 0, text, line: '0' });

t.test('typesetLine on glyphs sharing a baseline, words of one size → a line', async (t) => {
  const line = row(12, 17, 18, 118, 11);
  t.ok(typesetLine(line, [word('JANSEN"MARIA', 100, 18)]));
  t.ok(isTextLine(line, [word('JANSEN"MARIA', 100, 18)], DEFAULT_OCR, 480), 'read at confidence 0, still text (a name with "^")');
});

t.test('typesetLine on blobs whose words are read at very different sizes → not a line, and not text when read unsure', async (t) => {
  const line = row(4, 26, 42, 207, 3);
  const words = [word('wr', 177, 11), word('Ye', 195, 27), word('NN', 177, 44)];
  t.notOk(typesetLine(line, words));
  t.notOk(isTextLine(line, words, DEFAULT_OCR, 320));
});

t.test('typesetLine on blobs off a common baseline, or rising far above it → not a line', async (t) => {
  t.notOk(typesetLine(row(4, 22, 35, 213, 2), [word('Lay', 210, 13)]), 'half the blobs off the baseline');
  t.notOk(typesetLine(row(6, 10, 30, 120, 6), [word('abc', 100, 10)]), 'a row three glyphs high');
});

t.test('ocrCleanImage on the axial spine MR whose muscles read as letter pairs (fo-dicom GH1339) → no box, pixels untouched', { skip: SKIP_CORPUS }, async (t) => {
  t.teardown(closeOcr);
  const bytes = readFileSync(join(CORPUS, 'fo-dicom/GH1339.dcm'));
  const f = parseDicom(bytes);
  t.ok(findTextLines(await greyFrame(f, 1)).length > 0, 'the cheap pass does find text-like rows there');
  let masked = 0;
  const r = await ocrCleanImage(f, {
    settings: DEFAULT_OCR,
    ruleRegions: [],
    mask: async (regions) => {
      masked += regions.length;
      await maskPixelData(f, regions);
    },
  });
  t.equal(r.outcome, 'unchanged', JSON.stringify(r.check));
  t.same(r.regions, []);
  t.equal(masked, 0, 'nothing masked');
});

/** A colour frame drawn from SVG on black, with its grey as greyFrame makes it. */
async function colourFrame(svg: string): Promise<GreyFrame> {
  const [width, height] = [320, 120];
  const rgb = await sharp({ create: { width, height, channels: 3, background: { r: 0, g: 0, b: 0 } } })
    .composite([{ input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${svg}</svg>`) }])
    .removeAlpha()
    .raw()
    .toBuffer();
  const grey = new Uint8Array(width * height);
  for (let i = 0; i < grey.length; i++) grey[i] = (77 * rgb[3 * i] + 150 * rgb[3 * i + 1] + 29 * rgb[3 * i + 2]) >> 8;
  return { grey, width, height, rgb: new Uint8Array(rgb) };
}

t.test('findTextLines on yellow text beside a blue patch → the text is a line (one hue is not colour flow)', async (t) => {
  const svg =
    '<text x="20" y="40" font-family="DejaVu Sans" font-size="20" fill="rgb(255,255,0)">MRN 4829173</text><rect x="200" y="60" width="60" height="40" fill="rgb(0,80,255)"/>';
  const lines = findTextLines(await colourFrame(svg));
  t.ok(
    lines.some((l) => l.y < 40 && l.components >= 8),
    JSON.stringify(lines),
  );
});

t.test('findTextLines on the colour-flow ultrasound (US1_UNCR) → the flow blobs are no candidate line, every white annotation still is', { skip: SKIP_CORPUS }, async (t) => {
  const g = await greyFrame(parseDicom(readFileSync(join(CORPUS, 'pydicom-data/US1_UNCR.dcm'))), 1);
  t.ok(g.rgb, 'rendered in colour');
  const grey = findTextLines({ ...g, rgb: undefined });
  const lines = findTextLines(g);
  const key = (l: TextLine): string => `${l.x},${l.y},${l.width},${l.height}`;
  const kept = new Set(lines.map(key));
  const dropped = grey.filter((l) => !kept.has(key(l)));
  t.ok(dropped.length >= 3, `${dropped.length} of ${grey.length} lines dropped`);
  const rgb = g.rgb!;
  for (const l of dropped) {
    let coloured = 0;
    for (let y = l.y; y < l.y + l.height; y++)
      for (let x = l.x; x < l.x + l.width; x++) {
        const i = 3 * (y * g.width + x);
        if (Math.max(rgb[i], rgb[i + 1], rgb[i + 2]) - Math.min(rgb[i], rgb[i + 1], rgb[i + 2]) >= 64) coloured++;
      }
    t.ok(coloured > 0.3 * l.width * l.height, `the line at ${l.x},${l.y} is coloured (${coloured} px)`);
  }
  t.equal(lines.length + dropped.length, grey.length, 'nothing else changes');
});
