import { createRequire } from 'node:module';
import { ALL_TRANSFER_SYNTAXES, TS_UID, type PixelCodec } from '../dicom/transfer-syntax.js';
import { PixelError } from './errors.js';
import { decodeLosslessJpeg, LosslessUnsupported } from './jpeg-lossless-decode.js';
import { encodeJpegLossless } from './jpeg-lossless.js';

const require = createRequire(import.meta.url);

/** The image codecs of src/pixel; RLE has its own path (rle.ts). */
export type CodecFamily = Exclude<PixelCodec, 'rle'>;

const FAMILY = new Map<string, CodecFamily>();
for (const t of ALL_TRANSFER_SYNTAXES) if (t.codec && t.codec !== 'rle') FAMILY.set(t.uid, t.codec);

export const codecFamily = (ts: string): CodecFamily | undefined => FAMILY.get(ts);

/** Families that re-encode a decoded frame losslessly in its own transfer syntax. JPEG baseline/extended cannot. */
export const canReencodeLossless = (family: CodecFamily): boolean => family !== 'jpeg';

/** A decoded frame and what is needed to encode it again the same way. */
export interface DecodedFrame {
  /** Samples, 1 byte each (bitsPerSample ≤ 8) or 2 bytes little endian. */
  pixels: Buffer;
  width: number;
  height: number;
  /** Precision of the codestream. */
  bitsPerSample: number;
  components: number;
  signed: boolean;
  /** 1 when colour samples come plane by plane (JPEG-LS interleave mode none). */
  planar: 0 | 1;
  /** The colour space the samples are in after decoding (codecs undo YCbCr and MCT). */
  photometric?: string;
  /** JPEG-LS: interleave mode and NEAR of the source. */
  interleave?: number;
  near?: number;
  /** JPEG 2000: reversible (5/3) wavelet and multi-component transform in the source. */
  reversible?: boolean;
  mct?: boolean;
}

// ---- WASM modules (loaded once, lazily; Emscripten factories, no network: the .wasm sits beside the .js) ----

interface WasmFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
  isUsingColorTransform?: boolean;
}
interface WasmDecoder {
  getEncodedBuffer(n: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): WasmFrameInfo;
  delete(): void;
  getInterleaveMode?(): number;
  getNearLossless?(): number;
  getIsReversible?(): boolean;
  readHeader?(): void;
}
interface WasmEncoder {
  getDecodedBuffer(fi: WasmFrameInfo): Uint8Array;
  getEncodedBuffer(): Uint8Array;
  encode(): void;
  delete(): void;
  [setter: string]: unknown;
}
type WasmModule = Record<string, new () => WasmDecoder & WasmEncoder>;

const modules = new Map<string, Promise<WasmModule>>();
const silent = { print: (): void => {}, printErr: (): void => {} };

/**
 * Frees a codec object. A WASM trap (e.g. "memory access out of bounds" in libjpeg-turbo on tiny
 * frames) can also hit delete(): it must not replace the PixelError on its way out, and the
 * instance is dropped so the next image gets a fresh one.
 */
function release(obj: { delete(): void }, module: string): void {
  try {
    obj.delete();
  } catch {
    modules.delete(module);
  }
}

function loadModule(spec: string): Promise<WasmModule> {
  let p = modules.get(spec);
  if (!p) {
    p = (async () => {
      const factory = require(spec) as (opts: object) => Promise<WasmModule>;
      return factory({ ...silent });
    })();
    modules.set(spec, p);
  }
  return p;
}

const SPEC: Record<Exclude<CodecFamily, 'jpeg-lossless'>, { module: string; decoder: string; encoder: string }> = {
  jpeg: { module: '@cornerstonejs/codec-libjpeg-turbo-8bit/wasmjs', decoder: 'JPEGDecoder', encoder: 'JPEGEncoder' },
  'jpeg-ls': { module: '@cornerstonejs/codec-charls/wasmjs', decoder: 'JpegLSDecoder', encoder: 'JpegLSEncoder' },
  j2k: { module: '@cornerstonejs/codec-openjpeg/wasmjs', decoder: 'J2KDecoder', encoder: 'J2KEncoder' },
  htj2k: { module: '@cornerstonejs/codec-openjph/wasmjs', decoder: 'HTJ2KDecoder', encoder: 'HTJ2KEncoder' },
};

const errText = (e: unknown): string => (e instanceof Error ? e.message : typeof e === 'number' ? `WASM exception ${e}` : String(e));

/** SOF precision and component count of a JPEG stream (any process). */
export function jpegHeader(b: Buffer): { sof: number; precision: number; height: number; width: number; components: number } | undefined {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return undefined;
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return undefined;
    const m = b[i + 1];
    if (m === 0xff) {
      i++;
      continue;
    }
    const len = b.readUInt16BE(i + 2);
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      if (i + 10 > b.length) return undefined;
      return { sof: m - 0xc0, precision: b[i + 4], height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7), components: b[i + 9] };
    }
    if (m === 0xda) return undefined;
    i += 2 + len;
  }
  return undefined;
}

/** MCT flag and wavelet of a JPEG 2000 codestream's COD marker. */
export function j2kCod(b: Buffer): { mct: boolean; reversible: boolean } | undefined {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0x4f) return undefined;
  let i = 2;
  while (i + 4 <= b.length && b[i] === 0xff) {
    const m = b[i + 1];
    const len = b.readUInt16BE(i + 2);
    if (m === 0x52) return i + 14 <= b.length ? { mct: b[i + 8] === 1, reversible: b[i + 13] === 1 } : undefined;
    if (m === 0x90 || m === 0x93) return undefined; // tile data before COD
    i += 2 + len;
  }
  return undefined;
}

/**
 * Decodes one compressed frame. `sourcePhotometric` is the file's PhotometricInterpretation;
 * the result's `photometric` says what the decoded samples are in.
 */
export async function decodeFrame(ts: string, data: Buffer, sourcePhotometric: string, signedHint = false): Promise<DecodedFrame> {
  const family = codecFamily(ts);
  if (!family) throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: `no codec for transfer syntax ${ts}`, transferSyntax: ts });
  if (family === 'jpeg-lossless') return decodeJpegLossless(ts, data, sourcePhotometric);
  if (family === 'jpeg') {
    const h = jpegHeader(data);
    if (!h) throw new PixelError({ code: 'PIXEL_DECODE', message: 'no JPEG frame header', transferSyntax: ts });
    if (h.precision !== 8)
      throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: `${h.precision}-bit JPEG (process 4) is not supported by the 8-bit codec`, transferSyntax: ts });
    if (h.sof !== 0 && h.sof !== 1) throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: `JPEG SOF${h.sof} in ${ts}`, transferSyntax: ts });
  }
  const spec = SPEC[family];
  const m = await loadModule(spec.module);
  const dec = new m[spec.decoder]();
  try {
    dec.getEncodedBuffer(data.length).set(data);
    dec.decode();
    const fi = dec.getFrameInfo();
    const pixels = Buffer.from(dec.getDecodedBuffer()); // a copy out of WASM memory
    const out: DecodedFrame = {
      pixels,
      width: fi.width,
      height: fi.height,
      bitsPerSample: fi.bitsPerSample,
      components: fi.componentCount,
      signed: fi.isSigned ?? signedHint,
      planar: 0,
      photometric: sourcePhotometric,
    };
    if (family === 'jpeg-ls') {
      out.interleave = dec.getInterleaveMode!();
      out.near = dec.getNearLossless!();
      if (out.components > 1 && out.interleave === 0) out.planar = 1;
    }
    if (family === 'jpeg' && out.components === 3) out.photometric = 'RGB'; // libjpeg-turbo converts YCbCr to RGB
    if (family === 'j2k' || family === 'htj2k') {
      const cod = j2kCod(data);
      out.mct = cod?.mct ?? false;
      out.reversible = cod?.reversible ?? dec.getIsReversible?.() ?? false;
      if (out.components === 3 && (out.mct || sourcePhotometric === 'YBR_RCT' || sourcePhotometric === 'YBR_ICT')) out.photometric = 'RGB';
    }
    const expect = out.width * out.height * out.components * (out.bitsPerSample > 8 ? 2 : 1);
    if (pixels.length < expect) throw new PixelError({ code: 'PIXEL_DECODE', message: `decoded ${pixels.length} bytes, ${expect} expected`, transferSyntax: ts });
    if (pixels.length > expect) out.pixels = pixels.subarray(0, expect);
    return out;
  } catch (e) {
    if (e instanceof PixelError) throw e;
    modules.delete(spec.module); // a trapped WASM instance may be corrupt: the next call starts afresh
    throw new PixelError({ code: 'PIXEL_DECODE', message: `${family} decode failed: ${errText(e)}`, transferSyntax: ts });
  } finally {
    release(dec, spec.module);
  }
}

function decodeJpegLossless(ts: string, data: Buffer, sourcePhotometric: string): DecodedFrame {
  const h = jpegHeader(data);
  if (!h) throw new PixelError({ code: 'PIXEL_DECODE', message: 'no JPEG frame header', transferSyntax: ts });
  if (h.sof !== 3) throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: `JPEG SOF${h.sof} in lossless transfer syntax ${ts}`, transferSyntax: ts });
  // jpeg-lossless-decoder-js mis-orders samples of multi-component streams above 8 bits (found in testing).
  if (h.components > 1 && h.precision > 8)
    throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: `JPEG lossless with ${h.components} components of ${h.precision} bits`, transferSyntax: ts });
  try {
    const img = decodeLosslessJpeg(data);
    return {
      pixels: img.pixels,
      width: img.width,
      height: img.height,
      bitsPerSample: img.precision,
      components: img.components,
      signed: false,
      planar: 0,
      photometric: sourcePhotometric,
    };
  } catch (e) {
    if (e instanceof PixelError) throw new PixelError({ ...e.toJSON(), transferSyntax: ts });
    if (!(e instanceof LosslessUnsupported)) throw e;
  }
  return { ...decodeJpegLosslessJs(ts, data, h), photometric: sourcePhotometric }; // sampling factors, restarts inside a row, DNL
}

/** The previous decoder (jpeg-lossless-decoder-js), for the streams decodeLosslessJpeg leaves to it. */
export function decodeJpegLosslessJs(ts: string, data: Buffer, h: { width: number; height: number; components: number; precision: number }): DecodedFrame {
  const { Decoder } = require('jpeg-lossless-decoder-js') as {
    Decoder: new () => { decode(b: ArrayBuffer, off: number, len: number, numBytes: number): Uint8Array | Uint16Array };
  };
  const bytes = h.precision > 8 ? 2 : 1;
  let arr: Uint8Array | Uint16Array;
  try {
    const copy = new Uint8Array(data).buffer;
    arr = new Decoder().decode(copy, 0, data.length, bytes);
  } catch (e) {
    throw new PixelError({ code: 'PIXEL_DECODE', message: `JPEG lossless decode failed: ${errText(e)}`, transferSyntax: ts });
  }
  const n = h.width * h.height * h.components;
  if (arr.length < n) throw new PixelError({ code: 'PIXEL_DECODE', message: `JPEG lossless decoded ${arr.length} samples, ${n} expected`, transferSyntax: ts });
  const pixels = Buffer.alloc(n * bytes);
  if (bytes === 1) pixels.set(arr.subarray(0, n));
  else for (let i = 0; i < n; i++) pixels.writeUInt16LE(arr[i] & 0xffff, i * 2);
  return { pixels, width: h.width, height: h.height, bitsPerSample: h.precision, components: h.components, signed: false, planar: 0, photometric: '' };
}

export interface EncodeOptions {
  /** Lossless encoding (default true). */
  lossless?: boolean;
  /** Lossy JPEG quality 1–100 (default 90). */
  quality?: number;
  /** Lossy JPEG-LS NEAR (default: the source's). */
  near?: number;
  /** Lossy JPEG 2000 / HTJ2K quantisation step (default 0.005) — or JPEG 2000 compression ratio when `ratio` is set. */
  quantizationStep?: number;
}

/** The PhotometricInterpretation that goes with an encoded frame. */
export function encodedPhotometric(family: CodecFamily, frame: DecodedFrame, encoded: Buffer): string | undefined {
  if (frame.components !== 3) return undefined;
  if (family === 'jpeg') return 'YBR_FULL'; // JFIF YCbCr, no subsampling
  if (family === 'j2k' || family === 'htj2k') {
    const cod = j2kCod(encoded);
    if (!cod?.mct) return 'RGB';
    return cod.reversible ? 'YBR_RCT' : 'YBR_ICT';
  }
  return frame.photometric;
}

/** Encodes a frame in the transfer syntax's codec. Throws PIXEL_ENCODE or PIXEL_UNSUPPORTED. */
export async function encodeFrame(ts: string, frame: DecodedFrame, opts: EncodeOptions = {}): Promise<Buffer> {
  const family = codecFamily(ts);
  if (!family) throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: `no codec for transfer syntax ${ts}`, transferSyntax: ts });
  const lossless = opts.lossless ?? true;
  if (family === 'jpeg' && lossless) throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: 'JPEG baseline/extended cannot be encoded losslessly', transferSyntax: ts });
  if (family === 'jpeg-lossless') {
    if (!lossless) throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: 'JPEG lossless is lossless only', transferSyntax: ts });
    const pixels = frame.planar ? toInterleaved(frame) : frame.pixels;
    const input = { pixels, width: frame.width, height: frame.height, components: frame.components, precision: frame.bitsPerSample };
    return encodeJpegLossless(input); // padded where jpeg-lossless-decoder-js (used by viewers) would misread the end
  }
  const spec = SPEC[family];
  const m = await loadModule(spec.module);
  const enc = new m[spec.encoder]();
  try {
    const fi: WasmFrameInfo = {
      width: frame.width,
      height: frame.height,
      bitsPerSample: frame.bitsPerSample,
      componentCount: frame.components,
      isSigned: frame.signed,
      isUsingColorTransform: family === 'htj2k' ? frame.components === 3 && !!frame.mct : false,
    };
    const set = (name: string, ...args: unknown[]): void => (enc[name] as (...a: unknown[]) => void).apply(enc, args);
    let pixels = frame.pixels;
    if (family === 'jpeg') {
      if (frame.bitsPerSample !== 8) throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: 'JPEG encoding is 8-bit only', transferSyntax: ts });
      if (frame.planar) pixels = toInterleaved(frame);
      set('setProgressive', false);
      set('setSubSampling', 0);
      set('setQuality', opts.quality ?? 90);
    } else if (family === 'jpeg-ls') {
      set('setInterleaveMode', frame.components > 1 ? (frame.interleave ?? (frame.planar ? 0 : 2)) : 0);
      set('setNearLossless', lossless ? 0 : (opts.near ?? frame.near ?? 2));
    } else if (family === 'j2k') {
      // OpenJPEG refuses more decomposition levels than the smaller side allows.
      set('setDecompositions', Math.max(0, Math.min(5, Math.floor(Math.log2(Math.min(frame.width, frame.height))) - 1)));
      set('setQuality', lossless, lossless ? 0 : (opts.quantizationStep ?? 0.005));
    } else {
      set('setQuality', lossless, lossless ? 0 : (opts.quantizationStep ?? 0.005));
      if (ts === TS_UID.HTJ2KLosslessRPCL) {
        set('setProgressionOrder', 2); // RPCL
        set('setTLMMarker', true);
      }
    }
    enc.getDecodedBuffer(fi).set(pixels);
    enc.encode();
    return Buffer.from(enc.getEncodedBuffer());
  } catch (e) {
    if (e instanceof PixelError) throw e;
    modules.delete(spec.module); // a trapped WASM instance may be corrupt: the next call starts afresh
    throw new PixelError({ code: 'PIXEL_ENCODE', message: `${family} encode failed: ${errText(e)}`, transferSyntax: ts });
  } finally {
    release(enc, spec.module);
  }
}

/** Colour-by-plane samples → colour-by-pixel. */
export function toInterleaved(frame: DecodedFrame): Buffer {
  const bps = frame.bitsPerSample > 8 ? 2 : 1;
  const npix = frame.width * frame.height;
  const nc = frame.components;
  const out = Buffer.alloc(frame.pixels.length);
  for (let c = 0; c < nc; c++) for (let p = 0; p < npix; p++) for (let k = 0; k < bps; k++) out[(p * nc + c) * bps + k] = frame.pixels[(c * npix + p) * bps + k];
  return out;
}
