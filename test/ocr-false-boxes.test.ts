// False boxes (issue 18): rows of glyph-sized blobs in anatomy that the recogniser reads as short
// letter groups without confidence are not text unless they are shaped like a typeset line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseDicom } from '../src/dicom/file.js';
import { maskPixelData } from '../src/pixel/index.js';
import { findTextLines, type TextLine } from '../src/ocr/candidates.js';
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
