/**
 * A JPEG lossless encoder (ITU T.81 process 14, selection value 1: predictor Ra), written here
 * because no registry package encodes it. One fixed Huffman table: every difference category
 * 0–16 gets a 5-bit code (17 of the 32 codes; never the all-ones one). It trades compression
 * for simplicity; the output is valid for transfer syntaxes .57 and .70.
 */
export interface LosslessInput {
  /** Samples interleaved by pixel, 1 byte each (precision ≤ 8) or 2 bytes little endian. */
  pixels: Buffer;
  width: number;
  height: number;
  components: number;
  /** 2–16 bits; samples must hold unsigned values below 2^precision. */
  precision: number;
  /**
   * Append one stuffed all-ones byte after the scan's padding. Conforming decoders stop after the
   * last sample and skip it; it keeps decoders that read a byte ahead (jpeg-lossless-decoder-js)
   * from taking the EOI marker for the last sample's code. Default: only where that decoder
   * would (jsDecoderMisreads).
   */
  trailingPad?: boolean;
}

/** Huffman-codes the SV1 differences into `out` (stuffed); returns the length. Codes are 5 bits, then `ssss` extra bits. */
function encodeScan(input: LosslessInput, out: Uint8Array, cats: Uint8Array): { length: number; dataBytes: number } {
  const { pixels, width: w, height: h, components: nc, precision: p } = input;
  const n = w * h * nc;
  const s = p > 8 ? new Uint16Array(n) : pixels;
  if (p > 8) for (let i = 0, j = 0; i < n; i++, j += 2) s[i] = pixels[j] | (pixels[j + 1] << 8);
  const mask = 2 ** p - 1;
  const rowStride = w * nc;
  let acc = 0;
  let bits = 0;
  let o = 0;
  let stuffed = 0;
  for (let i = 0; i < n; i++) {
    const v = s[i] & mask;
    let pred: number;
    if (i < nc) pred = 1 << (p - 1);
    else if (i < rowStride) pred = s[i - nc] & mask;
    else if (i % rowStride < nc) pred = s[i - rowStride] & mask;
    else pred = s[i - nc] & mask;
    let d = (v - pred) & 0xffff; // modulo 2^16 (H.1.2.1)
    if (d >= 0x8000) d -= 0x10000;
    const a = d < 0 ? -d : d;
    const ssss = a === 0 ? 0 : 32 - Math.clz32(a);
    cats[i] = ssss;
    // At most 7 pending bits + 5 + 15: the accumulator's low 27 bits hold everything not yet written.
    acc = (acc << 5) | ssss;
    bits += 5;
    if (ssss > 0 && ssss < 16) {
      acc = (acc << ssss) | ((d > 0 ? d : d + (1 << ssss) - 1) & ((1 << ssss) - 1));
      bits += ssss;
    }
    while (bits >= 8) {
      bits -= 8;
      const byte = (acc >>> bits) & 0xff;
      out[o++] = byte;
      if (byte === 0xff) {
        out[o++] = 0; // byte stuffing
        stuffed++;
      }
    }
  }
  if (bits > 0) {
    const byte = ((acc << (8 - bits)) | ((1 << (8 - bits)) - 1)) & 0xff; // pad with 1 bits
    out[o++] = byte;
    if (byte === 0xff) {
      out[o++] = 0;
      stuffed++;
    }
  }
  return { length: o, dataBytes: o - stuffed };
}

/**
 * Whether jpeg-lossless-decoder-js, which reads bytes ahead, would take the EOI marker for data
 * in this scan: its bit reader replayed over the categories of our fixed 5-bit table
 * (getHuffmanValue and getn of its decoder.ts). It reads a byte when it holds fewer than 8 bits
 * before a code, or fewer than the extra bits; once it has read the marker's 0xFF it returns
 * the marker for any later read that leaves it fewer than 9 bits (except in the last pixel's
 * extra bits when it had them already). For 3 components it also looks up an empty AC table
 * after each sample. `dataBytes` counts the scan's bytes without stuffing. Checked against the
 * decoder itself in test/pixel-jpeg-lossless.test.ts.
 */
export function jsDecoderMisreads(cats: Uint8Array, dataBytes: number, components: number): boolean {
  let held = 0;
  let read = 0;
  let marker = 0;
  const next = (): void => {
    if (++read > dataBytes) marker = 9;
  };
  /** getn: true where it would return the marker. */
  const extraBits = (n: number, notLast: boolean): boolean => {
    if (n === 0 || n === 16) return false;
    held -= n;
    if (held >= 0) return held < marker && notLast;
    next();
    held += 8;
    if (held < 0) {
      if (marker) return true;
      next();
      held += 8;
    }
    return held < marker;
  };
  const lastPixel = cats.length - components;
  for (let i = 0; i < cats.length; i++) {
    if (held < 8) {
      next();
      held += 3;
    } else held -= 5;
    if (held < marker) return true;
    if (extraBits(cats[i], i < lastPixel)) return true;
    if (components === 3) {
      // decodeRGB then looks up an "AC" code in an empty table: length 0, but it reads a byte first.
      if (held < 8) {
        next();
        held += 8;
      }
      if (held < marker) return true;
    }
  }
  return false;
}

export function encodeJpegLossless(input: LosslessInput): Buffer {
  const { width: w, height: h, components: nc, precision: p } = input;
  if (p < 2 || p > 16) throw new RangeError(`JPEG lossless precision ${p} is outside 2–16`);
  // 20 bits a sample at most, doubled by stuffing in the worst case.
  const scanBuf = new Uint8Array(Math.ceil(w * h * nc * 5) + 16);
  const cats = new Uint8Array(w * h * nc);
  const { length: scanLength, dataBytes } = encodeScan(input, scanBuf, cats);
  const scan = scanBuf.subarray(0, scanLength);
  const pad = (input.trailingPad ?? jsDecoderMisreads(cats, dataBytes, nc)) ? [0xff, 0x00] : [];
  const head: number[] = [0xff, 0xd8];
  // SOF3
  head.push(0xff, 0xc3, 0, 8 + 3 * nc, p, h >> 8, h & 0xff, w >> 8, w & 0xff, nc);
  for (let c = 0; c < nc; c++) head.push(c + 1, 0x11, 0);
  // DHT: class 0, id 0; 17 codes of length 5
  const counts = new Array(16).fill(0);
  counts[4] = 17;
  head.push(0xff, 0xc4, 0, 2 + 1 + 16 + 17, 0x00, ...counts);
  for (let s = 0; s <= 16; s++) head.push(s);
  // SOS: Ss = 1 (predictor), Se = 0, Ah/Al = 0
  head.push(0xff, 0xda, 0, 6 + 2 * nc, nc);
  for (let c = 0; c < nc; c++) head.push(c + 1, 0x00);
  head.push(1, 0, 0);
  return Buffer.concat([Buffer.from(head), scan, Buffer.from([...pad, 0xff, 0xd9])]);
}
