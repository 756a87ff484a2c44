// The typed-array RLE codec (src/pixel/rle-codec.ts) against a plain reference: the byte-by-byte
// decoder and encoder it replaced, kept here as the oracle.
import t from 'tap';
import { decodeRleFrame, encodeRleFrame, type RleGeometry } from '../src/pixel/rle.js';

function referenceDecode(data: Buffer, g: RleGeometry): Buffer {
  const bpp = g.bitsAllocated >>> 3;
  const npix = g.columns * g.rows;
  const count = data.readUInt32LE(0);
  const out = Buffer.alloc(npix * count);
  for (let seg = 0; seg < count; seg++) {
    const start = data.readUInt32LE(4 + seg * 4);
    const end = seg + 1 < count ? data.readUInt32LE(8 + seg * 4) : data.length;
    let o = Math.floor(seg / bpp) * npix * bpp + (bpp - 1 - (seg % bpp));
    let p = 0;
    for (let i = start; p < npix && i < end;) {
      const n = data[i++];
      if (n < 128) for (let k = 0; k <= n && p < npix; k++, p++, o += bpp) out[o] = data[i + k];
      if (n < 128) i += n + 1;
      else if (n > 128) {
        const v = data[i++];
        for (let k = 0; k < 257 - n && p < npix; k++, p++, o += bpp) out[o] = v;
      }
    }
  }
  return out;
}

function referenceEncode(frame: Buffer, g: RleGeometry): Buffer {
  const bpp = g.bitsAllocated >>> 3;
  const npix = g.columns * g.rows;
  const nseg = g.samplesPerPixel * bpp;
  const segs: Buffer[] = [];
  for (let seg = 0; seg < nseg; seg++) {
    const out: number[] = [];
    for (let y = 0; y < g.rows; y++) {
      const base = (Math.floor(seg / bpp) * npix + y * g.columns) * bpp + (bpp - 1 - (seg % bpp));
      const at = (k: number): number => frame[base + k * bpp];
      const n = g.columns;
      for (let i = 0; i < n;) {
        let run = 1;
        while (i + run < n && run < 128 && at(i + run) === at(i)) run++;
        if (run >= 2) {
          out.push(257 - run, at(i));
          i += run;
          continue;
        }
        let lit = 1;
        while (i + lit < n && lit < 128 && !(i + lit + 1 < n && at(i + lit) === at(i + lit + 1))) lit++;
        out.push(lit - 1);
        for (let k = 0; k < lit; k++) out.push(at(i + k));
        i += lit;
      }
    }
    if (out.length & 1) out.push(0);
    segs.push(Buffer.from(out));
  }
  const header = Buffer.alloc(64);
  header.writeUInt32LE(nseg, 0);
  let pos = 64;
  segs.forEach((s, i) => {
    header.writeUInt32LE(pos, 4 + i * 4);
    pos += s.length;
  });
  return Buffer.concat([header, ...segs]);
}

let seed = 11;
const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;

/** Runs of every length up to 300 (past PackBits' 128), noise and pairs, so every branch packs. */
function pattern(bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  let i = 0;
  while (i < bytes) {
    const kind = rnd() % 3;
    const len = kind === 0 ? 1 + ((rnd() << 1) % 300) : kind === 1 ? 1 + (rnd() % 40) : 2;
    const v = rnd();
    for (let k = 0; k < len && i < bytes; k++, i++) b[i] = kind === 0 ? v : kind === 1 ? rnd() : v;
  }
  return b;
}

const SHAPES: RleGeometry[] = [
  { columns: 1, rows: 1, samplesPerPixel: 1, bitsAllocated: 8 },
  { columns: 37, rows: 11, samplesPerPixel: 1, bitsAllocated: 8 },
  { columns: 300, rows: 7, samplesPerPixel: 1, bitsAllocated: 16 },
  { columns: 129, rows: 5, samplesPerPixel: 3, bitsAllocated: 8 },
  { columns: 64, rows: 9, samplesPerPixel: 1, bitsAllocated: 32 },
  { columns: 33, rows: 4, samplesPerPixel: 3, bitsAllocated: 16 },
];
const size = (g: RleGeometry): number => g.columns * g.rows * g.samplesPerPixel * (g.bitsAllocated >>> 3);

t.test('RLE encoder on runs, literals and pairs of any length → the same bytes as the reference encoder', async (t) => {
  for (const g of SHAPES) {
    const frame = pattern(size(g));
    const enc = encodeRleFrame(frame, g);
    t.ok(enc.equals(referenceEncode(frame, g)), `${g.columns}×${g.rows} ${g.samplesPerPixel}×${g.bitsAllocated}`);
    t.ok(decodeRleFrame(enc, g).equals(frame), 'decodes back');
  }
});

t.test('RLE encoder on single bytes between pairs (its worst case, 4 bytes for 3) → nothing cut off', async (t) => {
  const g: RleGeometry = { columns: 300, rows: 3, samplesPerPixel: 1, bitsAllocated: 32 };
  const frame = Buffer.alloc(size(g));
  for (let i = 0; i < frame.length; i++) frame[i] = Math.floor(i / 3) * 2 + (i % 3 === 0 ? 0 : 1);
  const enc = encodeRleFrame(frame, g);
  t.ok(enc.equals(referenceEncode(frame, g)));
  t.ok(decodeRleFrame(enc, g).equals(frame));
});

t.test('RLE decoder on runs that cross rows and no-op bytes → the reference decoder’s samples', async (t) => {
  const g: RleGeometry = { columns: 5, rows: 4, samplesPerPixel: 1, bitsAllocated: 16 };
  // Segment 0 (high bytes): one run of 21 for 20 bytes. Segment 1: a no-op, a literal of 5, a run of 14, a literal of 1.
  const seg0 = [256 - 20, 0x12];
  const seg1 = [128, 4, 1, 2, 3, 4, 5, 256 - 13, 9, 0, 3];
  const data = Buffer.alloc(64 + seg0.length + seg1.length);
  data.writeUInt32LE(2, 0);
  data.writeUInt32LE(64, 4);
  data.writeUInt32LE(64 + seg0.length, 8);
  Buffer.from([...seg0, ...seg1]).copy(data, 64);
  const rows: { starts?: Int32Array } = {};
  const got = decodeRleFrame(data, g, rows);
  t.ok(got.equals(referenceDecode(data, g)));
  t.same([...rows.starts!.subarray(0, 5)], [64, -1, -1, -1, -1], 'segment 0: one run past the frame, no row on its own');
  t.same([...rows.starts!.subarray(5, 10)], [66, 73, -1, -1, 77], 'segment 1: rows 0 and 1 start at runs, the run of 14 covers the starts of rows 2 and 3');
});

t.test('RLE encoder copying unchanged rows from the source → decodes to the masked frame', async (t) => {
  for (const g of SHAPES) {
    const frame = pattern(size(g));
    const source = referenceEncode(frame, g);
    const rows: { starts?: Int32Array } = {};
    const decoded = decodeRleFrame(source, g, rows);
    const changed = new Uint8Array(g.rows);
    const y = g.rows >> 1;
    changed[y] = 1;
    const bpp = g.bitsAllocated >>> 3;
    for (let s = 0; s < g.samplesPerPixel; s++) decoded.fill(0xa5, (s * g.rows * g.columns + y * g.columns) * bpp, (s * g.rows * g.columns + (y + 1) * g.columns) * bpp);
    const enc = encodeRleFrame(decoded, g, { rows: { source, starts: rows.starts! }, changed });
    t.ok(enc.equals(referenceEncode(decoded, g)), 'same bytes as packing every row (the source was packed row by row)');
    t.ok(referenceDecode(enc, g).equals(decoded), `${g.columns}×${g.rows} ${g.samplesPerPixel}×${g.bitsAllocated}`);
  }
  // A source whose runs cross rows: those rows are packed again, the others copied.
  const g: RleGeometry = { columns: 4, rows: 3, samplesPerPixel: 1, bitsAllocated: 8 };
  const source = Buffer.alloc(64 + 6);
  source.writeUInt32LE(1, 0);
  source.writeUInt32LE(64, 4);
  Buffer.from([256 - 5, 7, 256 - 6, 8, 128, 0]).copy(source, 64); // 6×7 then 6×8: row 1 is split
  const rows: { starts?: Int32Array } = {};
  const decoded = decodeRleFrame(source, g, rows);
  t.same([...decoded], [7, 7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 8]);
  const enc = encodeRleFrame(decoded, g, { rows: { source, starts: rows.starts! }, changed: new Uint8Array(3) });
  t.ok(decodeRleFrame(enc, g).equals(decoded), 'rows split by a run are packed again');
});

t.test('RLE decoder on a short or inconsistent frame → PIXEL_DECODE', async (t) => {
  const g: RleGeometry = { columns: 4, rows: 2, samplesPerPixel: 1, bitsAllocated: 8 };
  t.throws(() => decodeRleFrame(Buffer.alloc(10), g), { code: 'PIXEL_DECODE' }, 'no header');
  const two = Buffer.alloc(64);
  two.writeUInt32LE(2, 0);
  t.throws(() => decodeRleFrame(two, g), { code: 'PIXEL_DECODE' }, 'segment count');
  const short = Buffer.alloc(66);
  short.writeUInt32LE(1, 0);
  short.writeUInt32LE(64, 4);
  short[64] = 256 - 3; // 4 bytes of 0 for 8 pixels
  t.throws(() => decodeRleFrame(short, g), { code: 'PIXEL_DECODE' }, 'segment too short');
  const overrun = Buffer.alloc(66);
  overrun.writeUInt32LE(1, 0);
  overrun.writeUInt32LE(64, 4);
  overrun[64] = 9; // a literal of 10 with 1 byte left
  t.throws(() => decodeRleFrame(overrun, g), { code: 'PIXEL_DECODE' }, 'literal past the end');
  const offset = Buffer.alloc(66);
  offset.writeUInt32LE(1, 0);
  offset.writeUInt32LE(80, 4);
  t.throws(() => decodeRleFrame(offset, g), { code: 'PIXEL_DECODE' }, 'offset past the end');
});
