import { formatTag } from './tag.js';
import { DicomError } from './errors.js';
import type { ByteSource } from './source.js';

const WINDOW = 64 * 1024;

/**
 * A forward cursor over a ByteSource through a sliding window. Skipping costs nothing, so bulk
 * values are passed over without being read.
 */
export class Cursor {
  pos: number;
  private buf: Buffer;
  private bufStart = 0;
  private bufEnd = 0;

  constructor(
    readonly src: ByteSource,
    start: number,
    /** Logical end: nothing at or past it is read. */
    readonly end: number = src.size,
  ) {
    this.pos = start;
    if (src.buffer) {
      this.buf = src.buffer;
      this.bufEnd = src.size;
    } else {
      this.buf = Buffer.allocUnsafe(WINDOW);
    }
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Makes [pos, pos+n) readable and returns the index of pos in `bytes`. */
  need(n: number, what = 'element'): number {
    if (this.pos + n > this.end) {
      throw new DicomError({
        code: 'TRUNCATED',
        message: `${what} needs ${n} bytes at offset ${this.pos} but only ${Math.max(0, this.end - this.pos)} remain`,
        offset: this.pos,
      });
    }
    if (this.pos < this.bufStart || this.pos + n > this.bufEnd) this.fill(n);
    return this.pos - this.bufStart;
  }

  get bytes(): Buffer {
    return this.buf;
  }

  private fill(n: number): void {
    if (this.buf.length < n) this.buf = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
    const want = Math.min(this.buf.length, this.end - this.pos);
    const got = this.src.readInto(this.buf, 0, this.pos, want);
    this.bufStart = this.pos;
    this.bufEnd = this.pos + got;
    if (got < n) {
      throw new DicomError({ code: 'IO', message: `short read at offset ${this.pos}`, offset: this.pos });
    }
  }

  u16(little: boolean): number {
    const i = this.need(2);
    this.pos += 2;
    return little ? this.buf.readUInt16LE(i) : this.buf.readUInt16BE(i);
  }

  u32(little: boolean): number {
    const i = this.need(4);
    this.pos += 4;
    return little ? this.buf.readUInt32LE(i) : this.buf.readUInt32BE(i);
  }

  /** A copy (or a view, for in-memory sources) of the next n bytes. */
  take(n: number, what?: string): Buffer {
    if (this.src.buffer) {
      if (this.pos + n > this.end) this.need(n, what);
      const b = this.src.buffer.subarray(this.pos, this.pos + n);
      this.pos += n;
      return b;
    }
    const i = this.need(n, what);
    this.pos += n;
    return Buffer.from(this.buf.subarray(i, i + n));
  }

  skip(n: number, what?: string): void {
    if (this.pos + n > this.end) this.need(n, what);
    this.pos += n;
  }

  private lastNonZero: number | undefined;

  /**
   * True when every byte from pos to end is zero (trailing padding some writers leave). The last
   * non-zero byte is found once, scanning back from the end, so asking again costs nothing.
   */
  restIsZero(): boolean {
    if (this.lastNonZero === undefined) {
      const save = this.pos;
      let last = -1;
      try {
        for (let end = this.end; end > save && last < 0;) {
          const start = Math.max(save, end - WINDOW);
          this.pos = start;
          const i = this.need(end - start);
          for (let k = i + (end - start) - 1; k >= i; k--) {
            if (this.buf[k] !== 0) {
              last = start + (k - i);
              break;
            }
          }
          end = start;
        }
      } finally {
        this.pos = save;
      }
      this.lastNonZero = last;
    }
    return this.pos > this.lastNonZero;
  }
}

/** The tag whose bytes start at `at` as "(gggg,eeee)", or "(header)" when 4 bytes do not remain; the position is kept. */
export function headerName(cur: Cursor, at: number, little: boolean): string {
  if (cur.end - at < 4) return '(header)';
  const save = cur.pos;
  cur.pos = at;
  try {
    const i = cur.need(4);
    const b = cur.bytes;
    return formatTag((((little ? b.readUInt16LE(i) : b.readUInt16BE(i)) << 16) | (little ? b.readUInt16LE(i + 2) : b.readUInt16BE(i + 2))) >>> 0);
  } finally {
    cur.pos = save;
  }
}
