// Native masking without holding the Pixel Data: the file's body is wrapped in a source that
// masks each frame as its bytes are read. The writer copies Pixel Data by ranges through it, so
// at most one frame (the last one masked) is in memory however many frames the file holds.
import { readRange, type ByteSource } from '../dicom/source.js';
import { swapInPlace } from '../dicom/values.js';

/** Where the frames sit in the source and how to mask one (in place, as stored). */
export interface FrameMasker {
  /** Offset in the source of the first frame's first byte. */
  start: number;
  frameBytes: number;
  /** Frames in the Pixel Data (frames past these are never touched). */
  frames: number;
  /** 0-based indexes of the frames that have anything to fill. */
  masked: ReadonlySet<number>;
  /** Byte-swap width turning stored bytes into little endian samples (0: none). */
  swap: number;
  /** Fills one frame's rectangles; `buf` holds the frame as little endian samples. */
  fill(buf: Buffer, frameIndex: number): void;
}

export class MaskedSource implements ByteSource {
  readonly size: number;
  private cached: { index: number; bytes: Buffer } | undefined;

  constructor(
    readonly base: ByteSource,
    private readonly m: FrameMasker,
  ) {
    this.size = base.size;
  }

  readInto(dst: Buffer, dstOffset: number, start: number, length: number): number {
    const n = this.base.readInto(dst, dstOffset, start, length);
    const { start: px, frameBytes: fb, frames } = this.m;
    const end = start + n;
    if (n === 0 || fb === 0 || end <= px || start >= px + fb * frames) return n;
    const first = Math.max(0, Math.floor((start - px) / fb));
    const last = Math.min(frames - 1, Math.floor((end - 1 - px) / fb));
    for (let k = first; k <= last; k++) {
      if (!this.m.masked.has(k)) continue;
      const frame = this.frame(k);
      const fStart = px + k * fb;
      const a = Math.max(start, fStart);
      const b = Math.min(end, fStart + fb);
      frame.copy(dst, dstOffset + (a - start), a - fStart, b - fStart);
    }
    return n;
  }

  /** One masked frame, as stored; the last one is kept, since block reads split frames. */
  private frame(k: number): Buffer {
    if (this.cached?.index === k) return this.cached.bytes;
    const bytes = Buffer.from(readRange(this.base, this.m.start + k * this.m.frameBytes, this.m.frameBytes)); // a copy: never write into a view of the input
    if (this.m.swap) swapInPlace(bytes, this.m.swap);
    this.m.fill(bytes, k);
    if (this.m.swap) swapInPlace(bytes, this.m.swap);
    this.cached = { index: k, bytes };
    return bytes;
  }

  close(): void {
    this.cached = undefined;
    this.base.close();
  }
}
