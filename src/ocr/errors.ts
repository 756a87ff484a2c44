import { AnonError } from '../errors.js';

/** OCR errors: either means the image cannot be shown clean, so it is quarantined. */
export type OcrErrorCode =
  | 'OCR_UNAVAILABLE' // the engine or its language data could not be loaded
  | 'OCR_FAILED' // the engine failed on an image
  | 'OCR_BUDGET'; // a multi-frame image shows more different texts than OCR may read

export class OcrError extends AnonError<OcrErrorCode> {}
