import { Element, UNDEFINED_LENGTH, type Fragment } from '../dicom/dataset.js';
import type { DicomFile } from '../dicom/part10.js';
import { readRange } from '../dicom/source.js';
import { valueBytes } from '../dicom/values.js';
import { PixelError } from './errors.js';
import * as TAG from '../dicom/tags.generated.js';

const bytesOf = (f: DicomFile, fr: Fragment): Buffer => fr.data ?? readRange(f.body, fr.offset, fr.length);

/** True when a fragment starts a JPEG, JPEG-LS or JPEG 2000 codestream. */
const startsCodestream = (b: Buffer): boolean => b.length >= 2 && b[0] === 0xff && (b[1] === 0xd8 || b[1] === 0x4f);

/**
 * The compressed frames of encapsulated Pixel Data (each frame's fragments joined), found from
 * the Basic Offset Table, else the Extended Offset Table, else one fragment per frame, else
 * (one frame) all fragments, else codestream starts. Throws PIXEL_DECODE when frames cannot be told apart.
 */
export function encapsulatedFrames(f: DicomFile, frames: number): Buffer[] {
  const ts = f.transferSyntax.uid;
  const el = f.dataset.get(TAG.PixelData);
  if (!el?.fragments || el.fragments.length === 0) throw new PixelError({ code: 'PIXEL_MISSING', message: 'no encapsulated fragments', transferSyntax: ts });
  const [bot, ...frags] = el.fragments;
  if (frags.length === 0) throw new PixelError({ code: 'PIXEL_MISSING', message: 'encapsulated Pixel Data has no fragments after the offset table', transferSyntax: ts });
  const data = frags.map((fr) => bytesOf(f, fr));
  // Offset of each fragment's item header from the first fragment's item header.
  const starts: number[] = [];
  let pos = 0;
  for (const d of data) {
    starts.push(pos);
    pos += 8 + d.length;
  }
  const byOffsets = (offsets: number[]): Buffer[] | undefined => {
    if (offsets.length !== frames) return undefined;
    const out: Buffer[] = [];
    for (let i = 0; i < offsets.length; i++) {
      const a = starts.indexOf(offsets[i]);
      const b = i + 1 < offsets.length ? starts.indexOf(offsets[i + 1]) : data.length;
      if (a < 0 || b < 0 || b <= a) return undefined;
      out.push(Buffer.concat(data.slice(a, b)));
    }
    return out;
  };
  const botBytes = bytesOf(f, bot);
  if (botBytes.length >= 4) {
    const offs: number[] = [];
    for (let i = 0; i + 4 <= botBytes.length; i += 4) offs.push(botBytes.readUInt32LE(i));
    const out = byOffsets(offs);
    if (out) return out;
    throw new PixelError({ code: 'PIXEL_DECODE', message: `Basic Offset Table (${offs.length} entries) does not match ${frames} frame(s) and the fragments`, transferSyntax: ts });
  }
  const eot = f.dataset.get(TAG.ExtendedOffsetTable);
  const eotBytes = eot ? valueBytes(eot, f.body) : undefined;
  if (eotBytes && eotBytes.length >= 8) {
    const offs: number[] = [];
    for (let i = 0; i + 8 <= eotBytes.length; i += 8) offs.push(Number(eotBytes.readBigUInt64LE(i)));
    const out = byOffsets(offs);
    if (out) return out;
  }
  if (data.length === frames) return data;
  if (frames === 1) return [Buffer.concat(data)];
  const firsts = data.map((d, i) => (startsCodestream(d) ? i : -1)).filter((i) => i >= 0);
  if (firsts.length === frames && firsts[0] === 0) {
    return firsts.map((a, i) => Buffer.concat(data.slice(a, i + 1 < firsts.length ? firsts[i + 1] : data.length)));
  }
  throw new PixelError({ code: 'PIXEL_DECODE', message: `${data.length} fragments for ${frames} frames and no offset table to tell them apart`, transferSyntax: ts });
}

/**
 * Replaces encapsulated Pixel Data with one fragment per frame (each padded to even length)
 * and a Basic Offset Table; a stale Extended Offset Table is removed.
 */
export function setEncapsulatedFrames(f: DicomFile, frames: Buffer[]): void {
  const bot = Buffer.alloc(frames.length > 1 ? frames.length * 4 : 0);
  const fragments: Fragment[] = [{ offset: 0, length: bot.length, data: bot }];
  let pos = 0;
  frames.forEach((fr, i) => {
    const data = fr.length & 1 ? Buffer.concat([fr, Buffer.alloc(1)]) : fr;
    if (frames.length > 1) bot.writeUInt32LE(pos, i * 4);
    fragments.push({ offset: 0, length: data.length, data });
    pos += 8 + data.length;
  });
  const old = f.dataset.get(TAG.PixelData);
  const el = new Element(TAG.PixelData, old?.vr === 'OW' ? 'OW' : 'OB', UNDEFINED_LENGTH);
  el.fragments = fragments;
  f.dataset.set(el);
  f.dataset.delete(TAG.ExtendedOffsetTable);
  f.dataset.delete(TAG.ExtendedOffsetTableLengths);
}
