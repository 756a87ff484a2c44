import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants as fsConstants,
  copyFileSync,
  createReadStream,
  createWriteStream,
  fsyncSync,
  linkSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
  writevSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants as zc, createDeflateRaw, createInflateRaw, deflateRawSync, inflateRawSync, inflateSync } from 'node:zlib';
import { DicomError, ioCode } from './errors.js';
import { readBody, readPrefix, type DicomFile } from './part10.js';
import type { ReadOptions } from './read.js';
import { BufferSource, FileSource, readRange, type BufferPool, type ByteSource } from './source.js';
import { existingOutput, sameContent } from './existing-output.js';
import { inMemoryOutput } from './in-memory-output.js';
import { tempPath } from './temp-path.js';
import { ChunkList, Encoder, type Chunk } from './write.js';

export interface OpenOptions extends ReadOptions {
  /** Inflate deflated bodies in memory up to this size; larger ones spill to a temp file (default 64 MiB). */
  maxInflateInMemory?: number;
  /** Largest inflated body accepted at all (default 4 GiB). */
  maxInflated?: number;
  /**
   * Largest inflated size per compressed byte (default 1000): a deflate bomb stops here, not at
   * the absolute cap. Bodies up to 64 MiB are accepted whatever their ratio.
   */
  maxInflateRatio?: number;
  /** Files up to this size are read whole with one call (default 8 MiB); larger ones through a window, bulk values left on disk. */
  readWholeUnder?: number;
  /** Where whole-file buffers come from and go back to on closeDicom (a caller that keeps no view of the file after closing it). */
  buffers?: BufferPool;
}

export const DEFAULT_READ_WHOLE_UNDER = 8 * 1024 * 1024;

export const DEFAULT_MAX_INFLATED = 4 * 1024 ** 3;
export const DEFAULT_MAX_INFLATE_RATIO = 1000;
const RATIO_FLOOR = 64 * 1024 * 1024;

const DEFAULT_MAX_INFLATE = 64 * 1024 * 1024;

/**
 * A temp file holding an inflated body. Its name is unlinked as soon as it is open, so it goes
 * away with the process however that ends.
 */
class SpillSource extends FileSource {
  constructor(path: string) {
    super(path);
    try {
      unlinkSync(path);
    } catch {
      /* already gone */
    }
  }
}

function annotate(e: unknown, file: string): unknown {
  if (e instanceof DicomError) {
    e.file ??= file;
    return e;
  }
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && err.syscall) {
    return new DicomError({ code: ioCode(err.code), message: err.message, file });
  }
  return e;
}

const tooLarge = (e: unknown): boolean => (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';

function inflateInMemory(compressed: Buffer, max: number, offset: number): Buffer {
  try {
    return inflateRawSync(compressed, { maxOutputLength: max });
  } catch (e) {
    if (tooLarge(e)) throw e;
    // Some writers wrap the deflate stream in a zlib header despite PS3.5 A.5.
    try {
      return inflateSync(compressed, { maxOutputLength: max });
    } catch {
      throw new DicomError({ code: 'DEFLATE', message: `deflated dataset cannot be inflated: ${(e as Error).message}`, offset });
    }
  }
}

/** Parses a DICOM file held in memory; a deflated body may inflate to maxInflateInMemory (default 256 MiB). */
export function parseDicom(buf: Buffer, opts: OpenOptions = {}): DicomFile {
  const src = new BufferSource(buf);
  const prefix = readPrefix(src, opts);
  if (!prefix.deflated) return readBody(prefix, src, src, prefix.bodyStart, opts);
  const max = opts.maxInflateInMemory ?? 256 * 1024 * 1024;
  let inflated: Buffer;
  try {
    inflated = inflateInMemory(buf.subarray(prefix.bodyStart), max, prefix.bodyStart);
  } catch (e) {
    if (!tooLarge(e)) throw e;
    throw new DicomError({ code: 'DEFLATE', message: `deflated dataset inflates past ${max} bytes (in-memory limit)`, offset: prefix.bodyStart });
  }
  return readBody(prefix, src, new BufferSource(inflated), 0, opts);
}

/**
 * Opens and parses a DICOM file, reading it as a stream through a window: values above the bulk
 * threshold are left on disk. Close the result (closeDicom) when done.
 */
export async function openDicom(path: string, opts: OpenOptions = {}): Promise<DicomFile> {
  let src: FileSource | undefined;
  let body: ByteSource | undefined;
  try {
    src = new FileSource(path, undefined, opts.readWholeUnder ?? DEFAULT_READ_WHOLE_UNDER, opts.buffers);
    const prefix = readPrefix(src, opts);
    if (!prefix.deflated) return readBody(prefix, src, src, prefix.bodyStart, opts);
    const compressed = src.size - prefix.bodyStart;
    const cap = Math.min(opts.maxInflated ?? DEFAULT_MAX_INFLATED, Math.max(RATIO_FLOOR, compressed * (opts.maxInflateRatio ?? DEFAULT_MAX_INFLATE_RATIO)));
    body = await inflateBody(src, prefix.bodyStart, opts.maxInflateInMemory ?? DEFAULT_MAX_INFLATE, cap);
    return readBody(prefix, src, body, 0, opts);
  } catch (e) {
    body?.close();
    src?.close();
    throw annotate(e, path);
  }
}

async function inflateBody(src: FileSource, start: number, max: number, cap: number): Promise<ByteSource> {
  if (src.size - start <= max) {
    try {
      return new BufferSource(inflateInMemory(readRange(src, start, src.size - start), max, start));
    } catch (e) {
      if (!tooLarge(e)) throw e;
    }
  }
  const spill = join(tmpdir(), `anonflow-inflate-${process.pid}-${randomBytes(6).toString('hex')}`);
  let inflated = 0;
  let overCap = false;
  // A deflate bomb must not fill the disk: stop past the cap (ratio or absolute, whichever is lower).
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      inflated += chunk.length;
      overCap = inflated > cap;
      done(overCap ? new Error(`inflates past ${cap} bytes`) : null, chunk);
    },
  });
  try {
    await pipeline(createReadStream(src.path, { start }), createInflateRaw(), limit, createWriteStream(spill, { mode: 0o600 }));
  } catch (e) {
    try {
      unlinkSync(spill);
    } catch {
      /* never created */
    }
    if (overCap) {
      throw new DicomError({
        code: 'INFLATE_LIMIT',
        message: `deflated dataset of ${src.size - start} bytes inflates past its cap of ${cap} bytes (the lower of the inflation ratio and the absolute cap): a deflate bomb, not inflated further`,
        offset: start,
      });
    }
    throw new DicomError({ code: 'DEFLATE', message: `deflated dataset cannot be inflated: ${(e as Error).message}`, offset: start });
  }
  return new SpillSource(spill);
}

export function closeDicom(f: DicomFile): void {
  if (f.body !== f.source) f.body.close();
  f.source.close();
}

/** What to write: `head` as is, then `deflate` (if any) through a raw deflate stream. */
export interface OutputPlan {
  head: ChunkList;
  deflate?: ChunkList;
}

/** Plans the output of a (possibly changed) file in its own transfer syntax. */
export function planOutput(f: DicomFile): OutputPlan {
  const head = new ChunkList();
  const metaEncoder = new Encoder(f.source);
  if (f.preamble && f.zeroPreamble) head.bytes(Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1')]));
  else if (f.preamble) head.range(f.source, 0, 132);
  if (f.meta) metaEncoder.writeDataSet(f.meta, f.metaEncoding, head);
  else if (f.bodyStart > 0) head.range(f.source, 0, f.bodyStart); // stray bytes before a raw dataset
  const bodyEncoder = new Encoder(f.body);
  if (!f.deflated) {
    bodyEncoder.writeDataSet(f.dataset, f.encoding, head);
    if (f.trailing) head.range(f.body, f.trailing.start, f.trailing.end);
    return { head };
  }
  if (bodyEncoder.isCleanDataSet(f.dataset)) {
    // Unchanged: keep the original compressed bytes rather than deflating again.
    head.range(f.source, f.bodyStart, f.source.size);
    return { head };
  }
  const deflate = new ChunkList();
  bodyEncoder.writeDataSet(f.dataset, f.encoding, deflate);
  if (f.trailing) deflate.range(f.body, f.trailing.start, f.trailing.end);
  return { head, deflate };
}

const BLOCK = 1024 * 1024;

let sharedBlock: Buffer | undefined;
/** One copy buffer per thread, reused by every write: a fresh 1 MiB per file would pile up as garbage. */
const copyBlock = (): Buffer => (sharedBlock ??= Buffer.allocUnsafe(BLOCK));

function* chunkBuffers(list: ChunkList, block = BLOCK): Generator<Buffer> {
  for (const c of list.chunks) {
    if (Buffer.isBuffer(c)) {
      yield c;
      continue;
    }
    for (let at = c.start; at < c.end; at += block) yield readRange(c.src, at, Math.min(block, c.end - at));
  }
}

/** The whole output in memory (for small files and tests). */
export function serializeDicom(f: DicomFile): Buffer {
  const plan = planOutput(f);
  const head = Buffer.concat([...chunkBuffers(plan.head)]);
  if (!plan.deflate) return head;
  return Buffer.concat([head, deflateRawSync(Buffer.concat([...chunkBuffers(plan.deflate)]))]);
}

function writeChunks(fd: number, list: ChunkList): void {
  let pending: Buffer[] = [];
  const flush = (): void => {
    if (pending.length === 1) writeAll(fd, pending[0]);
    else if (pending.length > 1) writevSync(fd, pending);
    pending = [];
  };
  for (const c of list.chunks as Chunk[]) {
    if (Buffer.isBuffer(c)) {
      pending.push(c);
      if (pending.length >= 512) flush();
      continue;
    }
    flush();
    if (c.src.buffer) {
      writeAll(fd, c.src.buffer.subarray(c.start, c.end));
      continue;
    }
    const block = copyBlock();
    for (let at = c.start; at < c.end;) {
      const n = c.src.readInto(block, 0, at, Math.min(block.length, c.end - at));
      if (n === 0) throw new DicomError({ code: 'IO', message: `source ended at ${at} while copying` });
      writeAll(fd, block.subarray(0, n));
      at += n;
    }
  }
  flush();
}

function writeAll(fd: number, b: Buffer): void {
  for (let off = 0; off < b.length;) off += writeSync(fd, b, off, b.length - off);
}

export interface WriteOptions {
  /** fsync before the rename, for durability across power loss (default false). */
  fsync?: boolean;
  /**
   * Never replace an existing output: the temp file is linked into place, which fails if the name
   * exists. The caller is told whether the existing file holds the same bytes.
   */
  noClobber?: boolean;
  /** Folder for the temporary file (same file system as outPath); default: beside outPath. */
  tmpDir?: string;
  /** Runs on the complete temporary file before it takes its name; throwing leaves nothing written. */
  check?: (tmpPath: string) => void;
  /** Instead of `check` for an output assembled in memory: on the bytes about to be written, before any file is created. */
  checkBytes?: (bytes: Buffer) => void;
}

/** What writeDicom did: the size written, and with noClobber whether an output was already there. */
export interface WriteResult {
  size: number;
  existing?: 'identical' | 'different';
}

/**
 * Writes the file atomically: to a temporary name in the destination folder, then renamed, so no
 * partial output is ever visible under the final name.
 */
export async function writeDicom(f: DicomFile, outPath: string, opts: WriteOptions = {}): Promise<number> {
  return (await writeDicomFile(f, outPath, opts)).size;
}

/** writeDicom, telling also whether a noClobber write found an output already in place. */
export async function writeDicomFile(f: DicomFile, outPath: string, opts: WriteOptions = {}): Promise<WriteResult> {
  const plan = planOutput(f);
  const tmp = tempPath(opts.tmpDir ?? dirname(outPath), outPath);
  try {
    const whole = plan.head.chunks.length === 1 ? plan.head.chunks[0] : undefined;
    let size = plan.head.size;
    const bytes = plan.deflate ? undefined : inMemoryOutput(plan.head);
    let checked = false;
    if (bytes) {
      // Everything is in memory already: checked before anything is created, written with one call.
      if (opts.checkBytes) {
        opts.checkBytes(bytes);
        checked = true;
      }
      size = bytes.length;
      // A name already taken is compared with the bytes in hand, nothing written; should it be
      // taken after this look, the link below meets it as before.
      const existing = opts.noClobber ? existingOutput(outPath, bytes) : undefined;
      if (existing) return { size, existing };
      const fd = openSync(tmp, 'wx', 0o644);
      try {
        writeAll(fd, bytes);
        if (opts.fsync) fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } else if (
      !plan.deflate &&
      whole &&
      !Buffer.isBuffer(whole) &&
      whole.src instanceof FileSource &&
      !(whole.src instanceof SpillSource) &&
      whole.start === 0 &&
      whole.end === whole.src.size
    ) {
      copyFileSync(whole.src.path, tmp, fsConstants.COPYFILE_EXCL); // untouched file: let the kernel copy it
      if (opts.fsync) {
        const fd = openSync(tmp, 'r');
        try {
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
    } else {
      const fd = openSync(tmp, 'wx', 0o644);
      try {
        writeChunks(fd, plan.head);
        if (plan.deflate) {
          const deflater = createDeflateRaw({ level: zc.Z_DEFAULT_COMPRESSION });
          const sink = createWriteStream('', { fd, start: plan.head.size, autoClose: false });
          let deflated = 0;
          deflater.on('data', (b: Buffer) => (deflated += b.length));
          // Small blocks and a short queue keep a large deflated body's footprint flat.
          await pipeline(Readable.from(chunkBuffers(plan.deflate, 64 * 1024), { highWaterMark: 4 }), deflater, sink);
          size = plan.head.size + deflated;
        }
        if (opts.fsync) fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    if (!checked) opts.check?.(tmp);
    if (!opts.noClobber) {
      renameSync(tmp, outPath);
      return { size };
    }
    try {
      linkSync(tmp, outPath);
      return { size };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      return { size, existing: sameContent(tmp, outPath) ? 'identical' : 'different' };
    } finally {
      unlinkSync(tmp);
    }
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* not created */
    }
    throw annotate(e, outPath);
  }
}
