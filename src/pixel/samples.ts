import type { Rect } from './regions.js';

/** How a frame's samples are laid out in a buffer (always little endian here: callers swap big endian data first). */
export interface SampleLayout {
  columns: number;
  rows: number;
  samplesPerPixel: number;
  /** 1, 8, 16 or 32. */
  bitsAllocated: number;
  /** 0 = colour-by-pixel, 1 = colour-by-plane. */
  planar: number;
  /** YBR_FULL_422 native layout: Y1 Y2 Cb Cr for each horizontal pair of pixels (8 bits). */
  subsampled422?: boolean;
}

/**
 * Fills the rectangles of one frame with the given raw sample words (one per sample, already
 * shifted and sized to bitsAllocated). `at` is the frame's byte offset, or for 1-bit data its
 * bit offset. Only the bits/bytes of pixels inside the rectangles are written. Returns the number
 * of pixels filled (overlapping rectangles counted once per rectangle).
 */
export function fillFrame(buf: Buffer, at: number, l: SampleLayout, rects: Rect[], words: number[]): number {
  let n = 0;
  const { columns, rows, samplesPerPixel: spp } = l;
  const npix = columns * rows;
  for (const r of rects) {
    const x0 = r.x;
    const x1 = r.x + r.width;
    for (let y = r.y; y < r.y + r.height; y++) {
      const row = y * columns;
      if (l.bitsAllocated === 1) {
        const bit = words[0] & 1;
        for (let x = x0; x < x1; x++) {
          const b = at + row + x;
          const i = b >>> 3;
          const m = 1 << (b & 7);
          buf[i] = bit ? buf[i] | m : buf[i] & ~m;
        }
      } else if (l.subsampled422) {
        for (let x = x0; x < x1; x++) {
          const pair = at + (row + (x & ~1)) * 2;
          buf[pair + (x & 1)] = words[0];
          buf[pair + 2] = words[1];
          buf[pair + 3] = words[2];
        }
      } else {
        const bpp = l.bitsAllocated >>> 3;
        for (let s = 0; s < spp; s++) {
          const w = words[s];
          const step = l.planar === 0 ? spp * bpp : bpp;
          let o = at + (l.planar === 0 ? ((row + x0) * spp + s) * bpp : (s * npix + row + x0) * bpp);
          for (let x = x0; x < x1; x++, o += step) {
            if (bpp === 1) buf[o] = w;
            else if (bpp === 2) {
              buf[o] = w & 0xff;
              buf[o + 1] = (w >>> 8) & 0xff;
            } else buf.writeUInt32LE(w >>> 0, o);
          }
        }
      }
      n += x1 - x0;
    }
  }
  return n;
}
