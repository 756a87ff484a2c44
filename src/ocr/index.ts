// Burned-in text (issue 18): OCR finds it, the policy chooses what to mask, a second pass checks
// that nothing readable is left. Below job; uses pixel (rendering, masks), detect and dicom.
export { ocrUnavailable } from './available.js';
export { ocrCleanImage, type OcrCleanOptions, type OcrCleanResult } from './clean-image.js';
export { closeOcr, recognize, parseTsv } from './engine.js';
export { OcrError, type OcrErrorCode } from './errors.js';
export { sampleFrames, ocrFrame, distinctFrames, groupFrames, frameGroupsOf, frameRanges, standsFor, textCandidates, type FrameGroup, type OcrFrame } from './frames.js';
export { isText, isReadable, isTextLine } from './classify.js';
export { findTextLines, type GreyFrame, type TextLine } from './candidates.js';
export { frameText, greyFrame, readText, type FrameText } from './frame-text.js';
export { DEFAULT_OCR, type OcrBox, type OcrPolicy, type OcrSettings, type OcrWord, type PixelCheck } from './types.js';

import { DEFAULT_OCR, type OcrSettings } from './types.js';

/** A profile's OCR section with the defaults filled in. */
export const ocrSettings = (section: Partial<OcrSettings> = {}): OcrSettings => ({ ...DEFAULT_OCR, ...section });
