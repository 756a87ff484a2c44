// The recogniser: tesseract.js (WebAssembly) with the English data of @tesseract.js-data/eng, both
// read from node_modules. langPath is a local folder and the cache is off, so nothing is fetched
// and nothing is written beside the process. One recogniser per thread, made on first use.
import { createRequire } from 'node:module';
import { createWorker, type Worker } from 'tesseract.js';
import { holdHeapGrowth } from '../heap-growth.js';
import { markOcrUsed } from './available.js';
import { OcrError } from './errors.js';
import type { OcrWord } from './types.js';

const require = createRequire(import.meta.url);

let worker: Promise<Worker> | undefined;
/** The page segmentation mode the worker is set to (set again only when a call asks for another). */
let mode = '11';

async function start(): Promise<Worker> {
  markOcrUsed();
  let langPath: string;
  try {
    langPath = (require('@tesseract.js-data/eng') as { langPath: string }).langPath;
  } catch (e) {
    throw new OcrError('OCR_UNAVAILABLE', `the OCR language data (@tesseract.js-data/eng) is not installed: ${(e as Error).message}`);
  }
  const w = await createWorker('eng', 1, { langPath, gzip: true, cacheMethod: 'none', errorHandler: () => undefined });
  // the recogniser's worker thread reset V8's flags for every thread of the process
  holdHeapGrowth();
  // Sparse text: burned-in annotations are scattered words, not a page. The fixed resolution
  // keeps the recogniser from guessing one (and saying so on stderr).
  mode = '11';
  // debug_file: tesseract's notes ("Detected 6 diacritics") would otherwise go to the process's output.
  await w.setParameters({ tessedit_pageseg_mode: mode as never, user_defined_dpi: '300', debug_file: '/dev/null' } as never);
  return w;
}

/**
 * The words of an image (PNG, PGM or any format the recogniser reads), in its pixel coordinates.
 * `psm`: tesseract's page segmentation mode, 11 (sparse text) unless asked; 6 reads a page of
 * stacked lines (src/ocr/read-lines.ts) as one block.
 */
export async function recognize(image: Buffer, psm = '11'): Promise<OcrWord[]> {
  worker ??= start().catch((e: unknown) => {
    worker = undefined;
    throw e instanceof OcrError ? e : new OcrError('OCR_UNAVAILABLE', `the OCR engine did not start: ${(e as Error).message}`);
  });
  const w = await worker;
  let tsv: string;
  try {
    if (psm !== mode) {
      await w.setParameters({ tessedit_pageseg_mode: psm as never });
      mode = psm;
    }
    tsv = (await w.recognize(image, {}, { tsv: true, text: false, blocks: false, hocr: false })).data.tsv ?? '';
  } catch (e) {
    throw new OcrError('OCR_FAILED', `recognition failed: ${(e as Error).message}`);
  }
  return parseTsv(tsv);
}

/** Tesseract's TSV: level 5 rows are words (left, top, width, height, conf, text). */
export function parseTsv(tsv: string): OcrWord[] {
  const out: OcrWord[] = [];
  for (const row of tsv.split('\n')) {
    const c = row.split('\t');
    if (c[0] !== '5' || c.length < 12) continue;
    const text = c.slice(11).join('\t').trim();
    const confidence = Number(c[10]);
    if (!text || !(confidence >= 0)) continue;
    out.push({ x: +c[6], y: +c[7], width: +c[8], height: +c[9], confidence, text, line: `${c[2]}.${c[3]}.${c[4]}` });
  }
  return out;
}

/** Ends this thread's recogniser (the process would otherwise wait for its worker). */
export async function closeOcr(): Promise<void> {
  const w = worker;
  worker = undefined;
  if (w) await (await w.catch(() => undefined))?.terminate();
}
