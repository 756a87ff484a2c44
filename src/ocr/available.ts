import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Why OCR cannot run here (its engine or language data is not installed), or undefined. Checked
 * once before any file is touched, so a profile asking for OCR fails as a usage error, not per file.
 */
export function ocrUnavailable(): string | undefined {
  for (const pkg of ['tesseract.js', 'tesseract.js-core', '@tesseract.js-data/eng']) {
    try {
      require.resolve(pkg);
    } catch {
      return `pixels.detect "ocr" (--ocr) needs the npm package ${pkg}, which is not installed (npm ci installs it)`;
    }
  }
  return undefined;
}

let used = false;

/** Whether this thread started the OCR engine (so that it is ended with the thread's work). */
export const ocrUsed = (): boolean => used;

/** Called by the engine when it starts. */
export const markOcrUsed = (): void => {
  used = true;
};
