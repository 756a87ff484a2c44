import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DicomError } from './errors.js';

/**
 * Random-access bytes that the reader walks forward through a window and the writer copies
 * from by range, so values above the bulk threshold never sit in memory.
 */
export interface ByteSource {
  readonly size: number;
  /** Copies [start, start+length) into dst at dstOffset; returns bytes copied. */
  readInto(dst: Buffer, dstOffset: number, start: number, length: number): number;
  /** An in-memory source can hand out views instead of copies. */
  readonly buffer?: Buffer;
  close(): void;
}

export class BufferSource implements ByteSource {
  readonly size: number;
  constructor(readonly buffer: Buffer) {
    this.size = buffer.length;
  }
  readInto(dst: Buffer, dstOffset: number, start: number, length: number): number {
    const n = Math.max(0, Math.min(length, this.size - start));
    this.buffer.copy(dst, dstOffset, start, start + n);
    return n;
  }
  close(): void {}
}

/**
 * Read buffers handed from one file to the next. A fresh buffer of a few hundred KiB per file
 * costs a page fault per 4 KiB when it is first written; a reused one does not. Only for callers
 * that use nothing of a file after closing it (views of it would see the next file's bytes).
 */
export class BufferPool {
  private readonly free: Buffer[] = [];
  constructor(
    /** Largest buffer kept for reuse. */
    readonly maxSize = 8 * 1024 * 1024,
    /** Buffers kept. */
    readonly keep = 4,
  ) {}
  take(size: number): Buffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) if (this.free[i].length >= size && (best < 0 || this.free[i].length < this.free[best].length)) best = i;
    if (best >= 0) return this.free.splice(best, 1)[0];
    return Buffer.allocUnsafe(size <= this.maxSize ? Math.max(64 * 1024, 2 ** Math.ceil(Math.log2(size))) : size);
  }
  give(b: Buffer): void {
    if (b.length > this.maxSize) return;
    if (this.free.length >= this.keep) this.free.shift();
    this.free.push(b);
  }
}

export class FileSource implements ByteSource {
  readonly size: number;
  /**
   * The whole file, when it was no larger than `wholeUnder`: read with one call and its descriptor
   * closed at once, so parsing, the safety net's scan and the output's copy make no further reads.
   */
  get buffer(): Buffer | undefined {
    return this.closed ? undefined : this.whole; // a closed file's buffer may hold the next file's bytes
  }
  private whole: Buffer | undefined;
  private fd: number | undefined;
  private closed = false;
  private slab: Buffer | undefined;
  constructor(
    readonly path: string,
    fd?: number,
    wholeUnder = 0,
    private readonly pool?: BufferPool,
  ) {
    this.fd = fd ?? openSync(path, 'r');
    try {
      const size = fstatSync(this.fd).size;
      if (size <= wholeUnder) {
        const b = pool ? (this.slab = pool.take(size)).subarray(0, size) : Buffer.allocUnsafe(size);
        let got = 0;
        while (got < size) {
          const n = readSync(this.fd, b, got, size - got, got);
          if (n === 0) break;
          got += n;
        }
        this.whole = got === size ? b : b.subarray(0, got); // a file that shrank meanwhile is what was read
        closeSync(this.fd);
        this.fd = undefined;
        this.size = got;
      } else this.size = size;
    } catch (e) {
      if (this.fd !== undefined) closeSync(this.fd);
      if (this.slab) this.pool?.give(this.slab);
      throw e;
    }
  }
  readInto(dst: Buffer, dstOffset: number, start: number, length: number): number {
    if (this.closed) throw new DicomError({ code: 'IO', message: `${this.path} was closed before it was read`, file: this.path });
    if (this.whole) {
      const n = Math.max(0, Math.min(length, this.size - start));
      this.whole.copy(dst, dstOffset, start, start + n);
      return n;
    }
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd!, dst, dstOffset + done, length - done, start + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    if (this.slab && !this.closed) this.pool?.give(this.slab);
    this.closed = true;
  }
}

/** Reads a range as a new buffer (a view for in-memory sources). */
export function readRange(src: ByteSource, start: number, length: number): Buffer {
  if (src.buffer) return src.buffer.subarray(start, start + length);
  const b = Buffer.allocUnsafe(length);
  const n = src.readInto(b, 0, start, length);
  return n === length ? b : b.subarray(0, n);
}
