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

export class FileSource implements ByteSource {
  readonly size: number;
  private fd: number | undefined;
  constructor(
    readonly path: string,
    fd?: number,
  ) {
    this.fd = fd ?? openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }
  readInto(dst: Buffer, dstOffset: number, start: number, length: number): number {
    if (this.fd === undefined) throw new DicomError({ code: 'IO', message: `${this.path} was closed before it was read`, file: this.path });
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, dst, dstOffset + done, length - done, start + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Reads a range as a new buffer (a view for in-memory sources). */
export function readRange(src: ByteSource, start: number, length: number): Buffer {
  if (src.buffer) return src.buffer.subarray(start, start + length);
  const b = Buffer.allocUnsafe(length);
  const n = src.readInto(b, 0, start, length);
  return n === length ? b : b.subarray(0, n);
}
