/** A growable byte buffer for the ISO 2022 encoder (escape sequences make the output size unknown up front). */
export class ByteSink {
  buf: Buffer;
  len = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(Math.max(16, size));
  }
  private grow(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    const nb = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + extra));
    this.buf.copy(nb, 0, 0, this.len);
    this.buf = nb;
  }
  push(b: number): void {
    this.grow(1);
    this.buf[this.len++] = b;
  }
  pushBuf(b: Buffer): void {
    this.grow(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }
  result(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}
