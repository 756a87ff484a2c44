/**
 * DICOM Specific Character Set (0008,0005) text decoding and encoding: the public face of
 * ./charset/ (PS3.5 6.1, 6.1.2.5 and Annexes H, I, J).
 */
export { CharsetError, type CharsetErrorCode } from './charset/charset-error.js';
export { isSupportedCharset } from './charset/context.js';
export { decodeText } from './charset/decode.js';
export { encodeText } from './charset/encode.js';
export { parseSpecificCharacterSet, type CharsetSpec } from './charset/spec.js';
