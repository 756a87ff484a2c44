// A JPEG lossless decoder (ITU T.81 process 14, Huffman, predictors 1–7, point transform, restart
// intervals, one or several scans) over a Uint8Array: Huffman codes are looked up in a table of
// every 16-bit prefix, samples are kept in a Uint16Array. What it does not handle (sampling
// factors other than 1×1, restart intervals that end inside a row, DNL) it reports as
// `unsupported`, for the caller to hand to another decoder.
import { PixelError } from './errors.js';

export interface LosslessImage {
  /** Samples interleaved by pixel: 1 byte each (precision ≤ 8) or 2 bytes little endian. */
  pixels: Buffer;
  width: number;
  height: number;
  components: number;
  precision: number;
}

/** Thrown for streams this decoder leaves to another one; not an error in the stream. */
export class LosslessUnsupported extends Error {
  override name = 'LosslessUnsupported';
}

const bad = (message: string): PixelError => new PixelError({ code: 'PIXEL_DECODE', message: `JPEG lossless: ${message}` });

/** Every 16-bit prefix → (code length << 5 | category); 0 for prefixes of no code. */
function huffmanLookup(counts: Uint8Array, symbols: Uint8Array): Uint16Array {
  const lut = new Uint16Array(65536);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < counts[len - 1]; i++, k++) {
      const sym = symbols[k];
      if (sym > 16) throw bad(`Huffman category ${sym} above 16`);
      const shift = 16 - len;
      const first = code << shift;
      if (first + (1 << shift) > 65536) throw bad('Huffman table overflows 16 bits');
      lut.fill((len << 5) | sym, first, first + (1 << shift));
      code++;
    }
    code <<= 1;
  }
  return lut;
}

interface Component {
  id: number;
  index: number;
}

interface FrameHeader {
  precision: number;
  height: number;
  width: number;
  components: Component[];
}

/** Decodes one JPEG lossless (SOF3) stream. Throws PixelError for a broken stream, LosslessUnsupported for one it leaves to another decoder. */
export function decodeLosslessJpeg(data: Uint8Array): LosslessImage {
  const n = data.length;
  if (n < 4 || data[0] !== 0xff || data[1] !== 0xd8) throw bad('no SOI marker');
  const tables: (Uint16Array | undefined)[] = [];
  let frame: FrameHeader | undefined;
  let samples: Uint16Array | undefined;
  let restart = 0;
  let pos = 2;
  let scans = 0;
  let pt = 0;
  for (;;) {
    if (pos + 2 > n) throw bad('stream ends before EOI');
    if (data[pos] !== 0xff) throw bad(`no marker at byte ${pos}`);
    const m = data[pos + 1];
    pos += 2;
    if (m === 0xff) {
      pos--; // fill byte
      continue;
    }
    if (m === 0xd9) break;
    if (m === 0xd8 || (m >= 0xd0 && m <= 0xd7) || m === 0x01) continue;
    if (pos + 2 > n) throw bad('segment length past the end');
    const len = (data[pos] << 8) | data[pos + 1];
    const end = pos + len;
    if (len < 2 || end > n) throw bad(`marker FF${m.toString(16)} length ${len} past the end`);
    if (m === 0xc3) {
      const nc = data[pos + 7];
      frame = { precision: data[pos + 2], height: (data[pos + 3] << 8) | data[pos + 4], width: (data[pos + 5] << 8) | data[pos + 6], components: [] };
      if (frame.precision < 2 || frame.precision > 16) throw bad(`precision ${frame.precision}`);
      if (frame.height === 0) throw new LosslessUnsupported('height in a DNL marker');
      if (nc < 1 || nc > 4 || len < 8 + 3 * nc) throw bad(`${nc} components`);
      for (let c = 0; c < nc; c++) {
        if (data[pos + 9 + 3 * c] !== 0x11) throw new LosslessUnsupported('sampling factors other than 1×1');
        frame.components.push({ id: data[pos + 8 + 3 * c], index: c });
      }
      samples = new Uint16Array(frame.width * frame.height * nc);
    } else if ((m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) || m === 0xdc) {
      throw new LosslessUnsupported(`marker FF${m.toString(16)}`);
    } else if (m === 0xc4) {
      let p = pos + 2;
      while (p < end) {
        const id = data[p] & 0x0f;
        if (data[p] >> 4 !== 0 || id > 3) throw bad(`DHT class/id ${data[p].toString(16)}`);
        const counts = data.subarray(p + 1, p + 17);
        let total = 0;
        for (const c of counts) total += c;
        if (p + 17 + total > end) throw bad('DHT past its segment');
        tables[id] = huffmanLookup(counts, data.subarray(p + 17, p + 17 + total));
        p += 17 + total;
      }
    } else if (m === 0xdd) {
      restart = (data[pos + 2] << 8) | data[pos + 3];
    } else if (m === 0xda) {
      if (!frame || !samples) throw bad('SOS before SOF3');
      const ns = data[pos + 2];
      const comps: { index: number; lut: Uint16Array }[] = [];
      for (let k = 0; k < ns; k++) {
        const id = data[pos + 3 + 2 * k];
        const c = frame.components.find((x) => x.id === id);
        const lut = tables[data[pos + 4 + 2 * k] >> 4];
        if (!c || !lut) throw bad(`scan component ${id} has no frame component or Huffman table`);
        comps.push({ index: c.index, lut });
      }
      const predictor = data[pos + 3 + 2 * ns];
      pt = data[pos + 5 + 2 * ns] & 0x0f;
      if (predictor < 1 || predictor > 7) throw bad(`predictor ${predictor}`);
      if (restart % frame.width !== 0) throw new LosslessUnsupported('restart interval inside a row');
      pos = decodeScan(data, end, frame, samples, comps, predictor, pt, restart);
      scans++;
      continue;
    }
    pos = end;
  }
  if (!frame || !samples || scans === 0) throw bad('no frame or no scan');
  const count = samples.length;
  const wide = frame.precision > 8;
  const pixels = Buffer.alloc(count * (wide ? 2 : 1));
  if (wide) {
    for (let i = 0, o = 0; i < count; i++, o += 2) {
      const v = (samples[i] << pt) & 0xffff;
      pixels[o] = v & 0xff;
      pixels[o + 1] = v >>> 8;
    }
  } else for (let i = 0; i < count; i++) pixels[i] = samples[i] << pt;
  return { pixels, width: frame.width, height: frame.height, components: frame.components.length, precision: frame.precision };
}

/**
 * Decodes the entropy-coded data from `start` into `out` (interleaved, before the point
 * transform's shift); returns where the next marker starts. Bits are read MSB first from a
 * 32-bit accumulator; stuffed zero bytes after 0xFF are dropped; at a marker, zero bits are fed
 * and counted, and reading any of them is an error.
 */
function decodeScan(
  data: Uint8Array,
  start: number,
  f: FrameHeader,
  out: Uint16Array,
  comps: { index: number; lut: Uint16Array }[],
  predictor: number,
  pt: number,
  restart: number,
): number {
  const { width: w, height: h } = f;
  const nc = f.components.length;
  const ns = comps.length;
  const rowsPerInterval = restart ? restart / w : h;
  const initial = 1 << (f.precision - pt - 1);
  const n = data.length;
  let pos = start;
  let acc = 0;
  let bits = 0;
  let fake = 0; // zero bytes fed past a marker
  const rowStride = w * nc;
  for (let y = 0; y < h; y++) {
    const restartRow = y % rowsPerInterval === 0;
    if (restartRow && y > 0) {
      if (fake * 8 > bits) throw bad('scan data ends inside a restart interval');
      while (pos + 1 < n && data[pos] === 0xff && data[pos + 1] === 0xff) pos++;
      if (pos + 1 >= n || data[pos] !== 0xff || (data[pos + 1] & 0xf8) !== 0xd0) throw bad(`restart marker missing before row ${y}`);
      pos += 2;
      acc = 0;
      bits = 0;
      fake = 0;
    }
    const row = y * rowStride;
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < ns; k++) {
        const c = comps[k];
        // Refill to at least 25 bits: a code (≤ 16) then its extra bits (≤ 15) need one more refill at most.
        while (bits <= 24) {
          let b = 0;
          if (pos < n) {
            b = data[pos];
            if (b === 0xff) {
              const next = pos + 1 < n ? data[pos + 1] : 0xd9;
              if (next === 0) pos += 2;
              else {
                b = 0;
                fake++;
              }
            } else pos++;
          } else fake++;
          acc = (acc << 8) | b;
          bits += 8;
        }
        const e = c.lut[(acc >>> (bits - 16)) & 0xffff];
        if (e === 0) throw bad(`no Huffman code at row ${y}, column ${x}`);
        bits -= e >>> 5;
        const s = e & 31;
        let d = 0;
        if (s === 16) d = 32768;
        else if (s > 0) {
          while (bits < s) {
            let b = 0;
            if (pos < n && data[pos] !== 0xff) b = data[pos++];
            else if (pos + 1 < n && data[pos + 1] === 0) {
              b = 0xff;
              pos += 2;
            } else fake++;
            acc = (acc << 8) | b;
            bits += 8;
          }
          const v = (acc >>> (bits - s)) & ((1 << s) - 1);
          bits -= s;
          d = v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
        }
        const i = row + x * nc + c.index;
        let p: number;
        if (x === 0) p = restartRow ? initial : out[i - rowStride];
        else if (restartRow) p = out[i - nc];
        else {
          const a = out[i - nc];
          const b = out[i - rowStride];
          const cc = out[i - rowStride - nc];
          switch (predictor) {
            case 1:
              p = a;
              break;
            case 2:
              p = b;
              break;
            case 3:
              p = cc;
              break;
            case 4:
              p = a + b - cc;
              break;
            case 5:
              p = a + ((b - cc) >> 1);
              break;
            case 6:
              p = b + ((a - cc) >> 1);
              break;
            default:
              p = (a + b) >> 1;
          }
        }
        out[i] = (p + d) & 0xffff;
      }
    }
  }
  if (fake * 8 > bits) throw bad('scan data ends before the last sample');
  // The next marker: skip the rest of the entropy-coded data (padding, stray bytes) up to it.
  while (pos + 1 < n && !(data[pos] === 0xff && data[pos + 1] !== 0 && data[pos + 1] !== 0xff)) pos++;
  if (pos + 1 >= n) throw bad('no marker after the scan');
  return pos;
}
