// The cheap pass before OCR (src/ocr/candidates.ts) and the pages of lines the recogniser reads
// (src/ocr/read-lines.ts): frames drawn in code with DejaVu text through sharp, small and fast; one
// real recognition at the end.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import t from 'tap';
import { parseDicom } from '../src/dicom/file.js';
import { usImage } from '../fixtures/ocr-text.js';
import { maskPixelData } from '../src/pixel/index.js';
import { ocrUsed } from '../src/ocr/available.js';
import { findTextLines, type GreyFrame } from '../src/ocr/candidates.js';
import { joinRow, ocrCleanImage } from '../src/ocr/clean-image.js';
import { closeOcr } from '../src/ocr/engine.js';
import { greyFrame, readText } from '../src/ocr/frame-text.js';
import { composePage, wordsToFrame } from '../src/ocr/read-lines.js';
import { DEFAULT_OCR } from '../src/ocr/types.js';
import { CORPUS, SKIP_CORPUS } from './helpers/corpus.js';

const W = 320;
const H = 160;

/** A grey frame: a ground (a level, or i.i.d. noise up to `noise`) with SVG drawn on it. */
async function frame(svg: string, ground = 0, noise = 0): Promise<GreyFrame> {
  let seed = 7;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * noise;
  const px = Buffer.alloc(W * H, ground);
  if (noise) for (let i = 0; i < px.length; i++) px[i] = Math.floor(rand());
  const grey = await sharp(px, { raw: { width: W, height: H, channels: 1 } })
    .composite([{ input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${svg}</svg>`) }])
    .greyscale()
    .removeAlpha()
    .raw()
    .toBuffer();
  return { grey: new Uint8Array(grey.subarray(0, W * H)), width: W, height: H };
}

const text = (x: number, y: number, size: number, s: string, fill = 'white'): string =>
  `<text x="${x}" y="${y}" font-family="DejaVu Sans" font-size="${size}" fill="${fill}">${s}</text>`;

const inside = (a: { x: number; y: number; width: number; height: number }, b: { x: number; y: number; width: number; height: number }): boolean =>
  a.x >= b.x && a.y >= b.y && a.x + a.width <= b.x + b.width && a.y + a.height <= b.y + b.height;

t.test('findTextLines on white text over noise → one bright line per row of text, nothing from the noise', async (t) => {
  const f = await frame(text(20, 40, 20, 'SMITH JANE') + text(40, 110, 12, 'MRN 12345678'), 0, 140);
  const lines = findTextLines(f);
  t.equal(lines.length, 2, JSON.stringify(lines));
  t.ok(
    lines.every((l) => l.polarity === 'bright'),
    'both bright',
  );
  t.ok(lines[0].y < 40 && lines[0].y + lines[0].height > 28 && lines[0].width > 100, 'the 20 px row');
  t.ok(lines[1].y < 110 && lines[1].y + lines[1].height > 100 && lines[1].glyph < lines[0].glyph, 'the 12 px row, smaller glyphs');
});

t.test('findTextLines on dark text on a light label → a dark line; neither the label nor the counters of glyphs are lines', async (t) => {
  const f = await frame(`<rect x="10" y="20" width="220" height="34" fill="rgb(235,235,235)"/>${text(16, 46, 22, 'DOB 12/03/1950', 'black')}`, 0, 140);
  const lines = findTextLines(f);
  t.equal(lines.length, 1, JSON.stringify(lines));
  t.equal(lines[0].polarity, 'dark');
  t.ok(lines[0].components >= 8, `glyphs found (${lines[0].components})`);
});

t.test('findTextLines on a frame with no text (noise, a smooth disc) → no line, and readText never starts the recogniser', async (t) => {
  const f = await frame('<circle cx="160" cy="80" r="60" fill="rgb(200,200,200)"/>', 0, 120);
  t.same(findTextLines(f), []);
  const read = await readText(f, 1);
  t.same(read.words, []);
  t.equal(ocrUsed(), false, 'no recognition was needed');
});

t.test('findTextLines on a text-free CT slice of the corpus → no line', { skip: SKIP_CORPUS }, async (t) => {
  const ct = parseDicom(readFileSync(join(CORPUS, 'pydicom/CT_small.dcm')));
  t.same(findTextLines(await greyFrame(ct, 1)), []);
});

t.test('composePage → each line scaled to ~30 px glyphs, binarised dark on white; wordsToFrame maps page words back into their line', async (t) => {
  const f = await frame(text(20, 40, 10, 'ACC 123456') + text(20, 120, 24, 'GAIN 52'), 0);
  const lines = findTextLines(f);
  t.equal(lines.length, 2);
  const page = composePage(f, lines);
  t.ok(
    page.pixels.every((v) => v === 0 || v === 255),
    'binary',
  );
  const ink = page.pixels.filter((v) => v === 0).length;
  t.ok(ink > 0 && ink < page.pixels.length / 3, 'dark text on white');
  const small = page.placed[0];
  t.ok(small.scale > 2, `small text is enlarged (×${small.scale.toFixed(1)})`);
  t.ok(page.placed[1].scale < small.scale, 'large text less');
  // A word the recogniser would report over the whole of the first placed line comes back as that line.
  const word = {
    x: small.left,
    y: small.top,
    width: Math.round(small.crop.width * small.scale),
    height: Math.round(small.crop.height * small.scale),
    confidence: 90,
    text: 'ACC',
    line: '',
  };
  const [back] = wordsToFrame(page, [word], 'p');
  t.equal(back.line, 'p0');
  t.ok(inside(lines[0], { x: back.x - 1, y: back.y - 1, width: back.width + 2, height: back.height + 2 }), 'covers the line in frame coordinates');
});

t.test('joinRow → masks of one row closer than their height join; other rows stay apart', async (t) => {
  const joined = joinRow([
    { x: 10, y: 10, width: 30, height: 12 },
    { x: 48, y: 11, width: 20, height: 12 },
    { x: 10, y: 40, width: 30, height: 12 },
    { x: 100, y: 10, width: 20, height: 12 },
  ]);
  t.same(joined, [
    { x: 10, y: 10, width: 58, height: 13 },
    { x: 10, y: 40, width: 30, height: 12 },
    { x: 100, y: 10, width: 20, height: 12 },
  ]);
});

t.test('ocrCleanImage on a 12 px name and date burned into noise → every glyph of both masked, the second pass verified', async (t) => {
  t.teardown(closeOcr);
  const f = await frame(text(30, 40, 12, 'JANSEN^MARIA') + text(150, 120, 14, 'DOB 01/02/1950'), 0, 140);
  const file = parseDicom(usImage([Buffer.from(f.grey)], W, H));
  const gold = findTextLines(f);
  t.equal(gold.length, 2);
  const r = await ocrCleanImage(file, { settings: DEFAULT_OCR, ruleRegions: [], mask: async (regions) => void (await maskPixelData(file, regions)) });
  t.equal(r.outcome, 'clean', JSON.stringify(r.check.findings));
  t.equal(r.check.verified, true);
  for (const line of gold)
    t.ok(
      r.regions.some((m) => inside(line, m as never)),
      `the line at ${line.x},${line.y} lies inside one mask`,
    );
  t.ok(
    r.check.boxes!.every((b) => !('text' in b)),
    'no recognised text in the report',
  );
});
