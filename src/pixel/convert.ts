import { Element } from '../dicom/dataset.js';
import type { DicomFile } from '../dicom/part10.js';
import { TRANSFER_SYNTAX_UID } from '../dicom/tag.js';
import { ALL_TRANSFER_SYNTAXES, transferSyntax, TS_UID } from '../dicom/transfer-syntax.js';
import { encodeStrings } from '../dicom/values.js';
import { decodeFrame, encodedPhotometric, encodeFrame, toInterleaved, type DecodedFrame } from './codecs.js';
import type { DecodedImage } from './decoded-image.js';
import { PixelError } from './errors.js';
import { setEncapsulatedFrames } from './frames.js';
import * as TAG from '../dicom/tags.generated.js';
import { readStrings, setStrings, setUS } from './image.js';

export const EXPLICIT_VR_LE = TS_UID.ExplicitVRLittleEndian;

/** Method defined terms for LossyImageCompressionMethod (0028,2114), PS3.3 C.7.6.1.1.5.1. */
export const LOSSY_METHOD: Record<string, string> = Object.fromEntries(ALL_TRANSFER_SYNTAXES.flatMap((t) => (t.lossyMethod ? [[t.uid, t.lossyMethod]] : [])));

/** Sets the file's transfer syntax (meta element and the parsed description). */
export function setTransferSyntax(f: DicomFile, uid: string): void {
  const ts = transferSyntax(uid);
  if (ts.encoding.explicit !== f.encoding.explicit || ts.encoding.little !== f.encoding.little || ts.deflated !== f.deflated) {
    throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: `changing the dataset encoding to ${ts.name} is not supported`, transferSyntax: f.transferSyntax.uid });
  }
  if (!f.meta) throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: 'file has no meta group to record a new transfer syntax in' });
  const v = encodeStrings([uid], 'UI');
  const el = new Element(TRANSFER_SYNTAX_UID, 'UI', v.length);
  el.value = v;
  f.meta.set(el);
  f.transferSyntax = ts;
  f.transferSyntaxUID = uid;
}

/** One decoded frame as native little endian samples of `bitsAllocated` bits, colour-by-pixel. */
function nativeFrame(fr: DecodedFrame, bitsAllocated: number): Buffer {
  const src = fr.planar ? toInterleaved(fr) : fr.pixels;
  const inBytes = fr.bitsPerSample > 8 ? 2 : 1;
  const outBytes = bitsAllocated / 8;
  if (inBytes === outBytes) return src;
  if (inBytes > outBytes) throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: `decoded ${fr.bitsPerSample}-bit samples do not fit BitsAllocated ${bitsAllocated}` });
  const out = Buffer.alloc(src.length * 2);
  for (let i = 0; i < src.length; i++) out.writeUInt16LE(fr.signed && src[i] & 0x80 ? src[i] | 0xff00 : src[i], i * 2);
  return out;
}

/** Marks the image lossy (0028,2110) = 01, keeping the existing value otherwise. */
function markLossy(f: DicomFile): void {
  setStrings(f, TAG.LossyImageCompression, 'CS', ['01']);
}

/**
 * Writes decoded (masked) frames as native pixel data and switches the file to Explicit VR
 * Little Endian. PhotometricInterpretation becomes what the codec produced (e.g. YBR_FULL_422
 * JPEG → RGB), PlanarConfiguration 0; a source that was lossy stays marked lossy.
 */
export function applyNative(f: DicomFile, image: DecodedImage): void {
  const { info } = image;
  const frames = image.frames.map((fr) => nativeFrame(fr, info.bitsAllocated));
  const data = Buffer.concat(frames);
  setTransferSyntax(f, EXPLICIT_VR_LE);
  const el = new Element(TAG.PixelData, info.bitsAllocated > 8 ? 'OW' : 'OB', data.length + (data.length & 1));
  el.value = data.length & 1 ? Buffer.concat([data, Buffer.alloc(1)]) : data;
  f.dataset.set(el);
  f.dataset.delete(TAG.ExtendedOffsetTable);
  f.dataset.delete(TAG.ExtendedOffsetTableLengths);
  const pi = image.frames[0]?.photometric ?? info.photometric;
  if (pi !== info.photometric) setStrings(f, TAG.PhotometricInterpretation, 'CS', [pi]);
  if (info.samplesPerPixel > 1) setUS(f, TAG.PlanarConfiguration, 0);
  if (transferSyntax(image.transferSyntax).lossy === 'always' || readStrings(f, TAG.LossyImageCompression)[0] === '01') markLossy(f);
}

/**
 * Encodes decoded (masked) frames again, lossy, with the source's codec, and records it:
 * LossyImageCompression 01, a ratio and a method appended to (0028,2112) and (0028,2114).
 */
export async function applyLossyReencode(f: DicomFile, image: DecodedImage, opts: { quality?: number; verify?: boolean } = {}): Promise<void> {
  const ts = image.transferSyntax;
  const method = LOSSY_METHOD[ts];
  if (!method) throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: `no lossy method for ${ts}`, transferSyntax: ts });
  const encoded: Buffer[] = [];
  let raw = 0;
  let pi: string | undefined;
  for (const [i, fr] of image.frames.entries()) {
    const enc = await encodeFrame(ts, fr, { lossless: false, quality: opts.quality });
    if (opts.verify !== false) {
      const back = await decodeFrame(ts, enc, image.info.photometric, fr.signed);
      if (back.width !== fr.width || back.height !== fr.height || back.components !== fr.components) {
        throw new PixelError({ code: 'PIXEL_ENCODE', message: `frame ${i + 1}: re-encoded frame does not decode to the same geometry`, transferSyntax: ts, frame: i + 1 });
      }
    }
    encoded.push(enc);
    raw += fr.pixels.length;
    pi = encodedPhotometric(image.family, fr, enc) ?? pi;
  }
  const size = encoded.reduce((a, b) => a + b.length, 0);
  setEncapsulatedFrames(f, encoded);
  if (pi && pi !== image.info.photometric) setStrings(f, TAG.PhotometricInterpretation, 'CS', [pi]);
  if (image.info.samplesPerPixel > 1) setUS(f, TAG.PlanarConfiguration, 0);
  markLossy(f);
  const ratios = readStrings(f, TAG.LossyImageCompressionRatio);
  const methods = readStrings(f, TAG.LossyImageCompressionMethod);
  const ratio = size > 0 ? raw / size : 0;
  ratios.push(ratio >= 1000 ? ratio.toExponential(4) : ratio.toFixed(ratio >= 100 ? 1 : 2));
  methods.push(method);
  setStrings(f, TAG.LossyImageCompressionRatio, 'DS', ratios);
  setStrings(f, TAG.LossyImageCompressionMethod, 'CS', methods);
}
