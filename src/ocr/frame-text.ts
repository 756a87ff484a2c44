// One frame's text: rendered as the eye sees it, searched cheaply for text-like lines, and only
// those lines recognised (pages of stacked lines, src/ocr/read-lines.ts).
import { createHash } from 'node:crypto';
import type { DicomFile } from '../dicom/part10.js';
import { renderFrame } from '../pixel/index.js';
import { findTextLines, MAX_LINES, type GreyFrame, type TextLine } from './candidates.js';
import { recognize } from './engine.js';
import { OcrError } from './errors.js';
import { composePage, pgm, wordsToFrame } from './read-lines.js';
import type { OcrWord } from './types.js';

/** What one frame holds: candidate lines, and the words read in them (word.line = the line's index). */
export interface FrameText {
  frame: number;
  width: number;
  height: number;
  lines: TextLine[];
  words: OcrWord[];
  /** Of the rendered grey pixels: equal frames are read once. */
  hash: string;
}

/**
 * Lines per page. Tesseract's layout analysis grows faster than the page: 26 lines of US1_UNCR
 * on one page cost 420–640 ms, in two pages 290 ms (measured, bench/README.md).
 */
const LINES_PER_PAGE = 8;

/** A frame in grey (ITU-R 601 luma of the rendering), as the candidate search reads it. */
export async function greyFrame(f: DicomFile, frame: number): Promise<GreyFrame> {
  const { rgb, width, height } = await renderFrame(f, frame);
  const grey = new Uint8Array(width * height);
  let colour = false;
  for (let i = 0, j = 0; i < grey.length; i++, j += 3) {
    grey[i] = (77 * rgb[j] + 150 * rgb[j + 1] + 29 * rgb[j + 2]) >> 8;
    colour ||= rgb[j] !== rgb[j + 1] || rgb[j] !== rgb[j + 2];
  }
  // Kept only for colour renderings: the candidate search tells colour flow from text by hue.
  return colour ? { grey, width, height, rgb } : { grey, width, height };
}

/** The text of one grey frame: its candidate lines, recognised a page of lines at a time. */
export async function readText(g: GreyFrame, frame: number): Promise<FrameText> {
  const hash = createHash('sha256').update(g.grey).digest('hex');
  const lines = findTextLines(g);
  // A frame this full of text-like rows is texture or a document: reading it all is unbounded
  // and reading part of it proves nothing, so the image is not shown clean.
  if (lines.length > MAX_LINES) throw new OcrError('OCR_FAILED', `frame ${frame}: ${lines.length} text-like lines, more than ${MAX_LINES}: not read`);
  const words: OcrWord[] = [];
  for (let first = 0; first < lines.length; first += LINES_PER_PAGE) {
    const page = composePage(g, lines.slice(first, first + LINES_PER_PAGE));
    const read = wordsToFrame(page, await recognize(pgm(page)), '');
    for (const w of read) words.push({ ...w, line: String(first + Number(w.line)) });
  }
  return { frame, width: g.width, height: g.height, lines, words, hash };
}

/** Renders and reads one frame of an image. */
export async function frameText(f: DicomFile, frame: number): Promise<FrameText> {
  return readText(await greyFrame(f, frame), frame);
}
