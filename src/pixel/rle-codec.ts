// DICOM RLE (PS3.5 Annex G) on typed arrays: every segment is a byte plane packed with PackBits,
// one row at a time. Decode and encode write into one preallocated buffer each, with no
// per-byte allocation; the encoder can copy the source's bytes for rows nothing changed.
import { PixelError } from './errors.js';

/** Geometry of an RLE frame: PS3.5 G.2 orders segments by sample, then byte (most significant first). */
export interface RleGeometry {
  columns: number;
  rows: number;
  samplesPerPixel: number;
  /** 8, 16 or 32. */
  bitsAllocated: number;
}

/**
 * Where each row of each segment starts in the source frame: `starts[seg * (rows + 1) + y]`, with
 * `y = rows` the end of the segment's last run; -1 where a run crosses into the row, so the row
 * has no bytes of its own.
 */
export interface RleRows {
  source: Buffer;
  starts: Int32Array;
}

const decodeError = (message: string): PixelError => new PixelError({ code: 'PIXEL_DECODE', message });

/**
 * Unpacks one segment into `plane` (npix bytes). Records row starts into `starts` from `at`
 * when given. Throws when the segment is short or a run overruns it.
 */
function unpackSegment(data: Buffer, start: number, end: number, plane: Uint8Array, seg: number, columns: number, starts?: Int32Array, at = 0): void {
  const npix = plane.length;
  let p = 0;
  let i = start;
  let nextRow = 0;
  let row = 0;
  let over = false; // the last run went past the frame: its row is not copied as it is
  while (p < npix && i < end) {
    if (starts) {
      while (nextRow < p) {
        starts[at + row++] = -1; // a run crossed this row's start
        nextRow += columns;
      }
      if (nextRow === p) {
        starts[at + row++] = i;
        nextRow += columns;
      }
    }
    const n = data[i++];
    if (n < 128) {
      const len = n + 1;
      if (i + len > end) throw decodeError(`RLE segment ${seg}: literal run past the segment end`);
      const take = Math.min(len, npix - p);
      over = take < len;
      if (take > 16) plane.set(data.subarray(i, i + take), p);
      else for (let k = 0; k < take; k++) plane[p + k] = data[i + k]; // short literals: a view costs more than the copy
      p += take;
      i += len;
    } else if (n > 128) {
      if (i >= end) throw decodeError(`RLE segment ${seg}: replicate run past the segment end`);
      const take = Math.min(257 - n, npix - p);
      over = take < 257 - n;
      const v = data[i++];
      if (take > 16) plane.fill(v, p, p + take);
      else for (let k = 0; k < take; k++) plane[p + k] = v;
      p += take;
    }
    // 128 (-128): no operation
  }
  if (p < npix) throw decodeError(`RLE segment ${seg} decodes to ${p} of ${npix} bytes`);
  if (starts) {
    const rows = npix / columns;
    while (row < rows) starts[at + row++] = -1;
    starts[at + rows] = over ? -1 : i;
  }
}

function segmentOffsets(data: Buffer, nseg: number): Int32Array {
  if (data.length < 64) throw decodeError(`RLE frame of ${data.length} bytes has no 64-byte header`);
  const count = data.readUInt32LE(0);
  if (count !== nseg) throw decodeError(`RLE header has ${count} segments, ${nseg} expected`);
  const offsets = new Int32Array(count + 1);
  for (let i = 0; i < count; i++) offsets[i] = data.readUInt32LE(4 + i * 4);
  offsets[count] = data.length;
  for (let seg = 0; seg < count; seg++) {
    const start = offsets[seg];
    const end = offsets[seg + 1];
    if (start < 64 || end > data.length || end < start) throw decodeError(`RLE segment ${seg} offset ${start} is out of range`);
  }
  return offsets;
}

/**
 * Decodes one RLE frame into little endian samples laid out colour-by-plane (sample 0 of every
 * pixel, then sample 1, …), which is how the segments are ordered. With `rows`, also records
 * where each row starts in `data`, for encodeRleFrame to copy the rows left alone.
 */
export function decodeRleFrame(data: Buffer, g: RleGeometry, rows?: { starts?: Int32Array }): Buffer {
  const bpp = g.bitsAllocated >>> 3;
  const npix = g.columns * g.rows;
  const nseg = g.samplesPerPixel * bpp;
  const offsets = segmentOffsets(data, nseg);
  const out = Buffer.allocUnsafe(npix * nseg);
  const starts = rows ? new Int32Array(nseg * (g.rows + 1)) : undefined;
  const plane = bpp === 1 ? undefined : new Uint8Array(npix);
  for (let seg = 0; seg < nseg; seg++) {
    const s = (seg / bpp) | 0;
    const byte = bpp - 1 - (seg % bpp); // little endian position of this byte plane
    const base = s * npix * bpp;
    if (!plane) {
      unpackSegment(data, offsets[seg], offsets[seg + 1], out.subarray(base, base + npix), seg, g.columns, starts, seg * (g.rows + 1));
      continue;
    }
    unpackSegment(data, offsets[seg], offsets[seg + 1], plane, seg, g.columns, starts, seg * (g.rows + 1));
    for (let p = 0, o = base + byte; p < npix; p++, o += bpp) out[o] = plane[p];
  }
  if (rows) rows.starts = starts;
  return out;
}

/** PackBits one row (`row[0..n)`) into `out` at `o`; returns the new end. Runs never cross a row (PS3.5 G.3.1). */
function packRow(row: Uint8Array, n: number, out: Uint8Array, o: number): number {
  let i = 0;
  while (i < n) {
    const v = row[i];
    const lim = Math.min(n, i + 128);
    let j = i + 1;
    while (j < lim && row[j] === v) j++;
    if (j - i >= 2) {
      out[o++] = 257 - (j - i);
      out[o++] = v;
      i = j;
      continue;
    }
    // A literal ends before the next pair of equal bytes, which starts a replicate run.
    let k = i + 1;
    while (k < lim && !(k + 1 < n && row[k] === row[k + 1])) k++;
    out[o++] = k - i - 1;
    for (let m = i; m < k; m++) out[o++] = row[m];
    i = k;
  }
  return o;
}

/**
 * Encodes one frame (little endian samples, colour-by-plane, as decodeRleFrame returns) as DICOM
 * RLE. With `reuse`, rows whose `changed` flag is 0 and whose bytes the source holds on their own
 * are copied from the source instead of packed again: they decode to the same bytes.
 */
export function encodeRleFrame(frame: Buffer, g: RleGeometry, reuse?: { rows: RleRows; changed: Uint8Array }): Buffer {
  const bpp = g.bitsAllocated >>> 3;
  const { columns, rows } = g;
  const npix = columns * rows;
  const nseg = g.samplesPerPixel * bpp;
  if (nseg > 15) throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: `RLE allows 15 segments, ${nseg} needed` });
  // A literal of L bytes takes L + 1, a run of 2 or more takes 2: never more than 2 bytes a byte
  // (typed arrays drop writes past their end, so the bound must hold).
  const worstRow = 2 * columns;
  const copied = (at: number, y: number): number => {
    if (!reuse || reuse.changed[y]) return -1;
    const a = reuse.rows.starts[at + y];
    const b = reuse.rows.starts[at + y + 1];
    return a >= 0 && b >= a ? b - a : -1;
  };
  let size = 64;
  for (let seg = 0; seg < nseg; seg++) {
    size += 1;
    for (let y = 0; y < rows; y++) size += reuse ? Math.max(worstRow, copied(seg * (rows + 1), y)) : worstRow;
  }
  const out = Buffer.allocUnsafe(size);
  out.fill(0, 0, 64);
  out.writeUInt32LE(nseg, 0);
  const row = new Uint8Array(columns);
  let o = 64;
  for (let seg = 0; seg < nseg; seg++) {
    out.writeUInt32LE(o, 4 + seg * 4);
    const s = (seg / bpp) | 0;
    const byte = bpp - 1 - (seg % bpp);
    const at = seg * (rows + 1);
    for (let y = 0; y < rows; y++) {
      if (copied(at, y) >= 0) {
        o += reuse!.rows.source.copy(out, o, reuse!.rows.starts[at + y], reuse!.rows.starts[at + y + 1]);
        continue;
      }
      let src = (s * npix + y * columns) * bpp + byte;
      if (bpp === 1) {
        o = packRow(frame.subarray(src, src + columns), columns, out, o);
        continue;
      }
      for (let x = 0; x < columns; x++, src += bpp) row[x] = frame[src];
      o = packRow(row, columns, out, o);
    }
    if (o & 1) out[o++] = 0; // segments of even length, as the header is
  }
  return Buffer.from(out.subarray(0, o));
}
