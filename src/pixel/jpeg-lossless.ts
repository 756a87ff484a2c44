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
   * from taking the EOI marker for the last sample's code.
   */
  trailingPad?: boolean;
}

class BitWriter {
  private bytes: number[] = [];
  private acc = 0;
  private n = 0;
  write(value: number, bits: number): void {
    for (let i = bits - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >>> i) & 1);
      if (++this.n === 8) this.flushByte();
    }
  }
  private flushByte(): void {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0x00); // byte stuffing
    this.acc = 0;
    this.n = 0;
  }
  finish(): number[] {
    if (this.n > 0) this.write(0x7f, 8 - this.n); // pad with 1 bits
    return this.bytes;
  }
}

export function encodeJpegLossless(input: LosslessInput): Buffer {
  const { pixels, width: w, height: h, components: nc, precision: p } = input;
  if (p < 2 || p > 16) throw new RangeError(`JPEG lossless precision ${p} is outside 2–16`);
  const wide = p > 8;
  const get = wide ? (i: number): number => pixels[i * 2] | (pixels[i * 2 + 1] << 8) : (i: number): number => pixels[i];
  const bw = new BitWriter();
  const mask = 2 ** p - 1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < nc; c++) {
        const i = (y * w + x) * nc + c;
        const v = get(i) & mask;
        let pred: number;
        if (x === 0 && y === 0) pred = 1 << (p - 1);
        else if (y === 0) pred = get(i - nc) & mask;
        else if (x === 0) pred = get(i - w * nc) & mask;
        else pred = get(i - nc) & mask;
        let d = (v - pred) & 0xffff; // modulo 2^16 (H.1.2.1)
        if (d >= 0x8000) d -= 0x10000;
        if (d === -32768) d = 32768;
        const a = Math.abs(d);
        const ssss = a === 0 ? 0 : 32 - Math.clz32(a);
        bw.write(ssss, 5);
        if (ssss > 0 && ssss < 16) bw.write(d > 0 ? d : d + (1 << ssss) - 1, ssss);
      }
    }
  }
  const scan = bw.finish();
  if (input.trailingPad) scan.push(0xff, 0x00);
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
  return Buffer.from([...head, ...scan, 0xff, 0xd9]);
}
