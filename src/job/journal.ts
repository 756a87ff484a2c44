import { closeSync, existsSync, fstatSync, fsync, fsyncSync, ftruncateSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { EntityFound } from '../detect/index.js';
import { DoneInputs, type ResumeState } from './done-inputs.js';
import type { FileOutcome } from './outcome.js';
import type { PixelCheck } from '../ocr/types.js';

/** One finished input, as the run journal records it (one JSON object per line). */
export type JournalEntry =
  | {
      input: string;
      status: 'written';
      output: string;
      size: number;
      entities: Record<string, number>;
      /** the output was already there, byte for byte: not created by this run */ present?: true;
      entities_found?: EntityFound[];
      /** What an option could not do for this file (a bitmap removed, not cleaned). */
      notices?: string[];
      pixels?: PixelCheck;
    }
  | { input: string; status: 'skipped'; reason: string }
  | { input: string; status: 'failed'; code: string; message: string; element_path?: string; offset?: number }
  | { input: string; status: 'quarantined'; reason: string; pixels?: PixelCheck };

export function journalEntry(o: FileOutcome): JournalEntry {
  switch (o.status) {
    case 'written':
      return {
        input: o.path,
        status: 'written',
        output: o.output,
        size: o.size,
        entities: o.entities,
        ...(o.alreadyPresent ? { present: true as const } : {}),
        ...(o.entities_found ? { entities_found: o.entities_found } : {}),
        ...(o.notices?.length ? { notices: o.notices } : {}),
        ...(o.pixels ? { pixels: o.pixels } : {}),
      };
    case 'skipped':
      return { input: o.path, status: 'skipped', reason: o.reason };
    case 'quarantined':
      return { input: o.path, status: 'quarantined', reason: o.reason, ...(o.pixels ? { pixels: o.pixels } : {}) };
    case 'failed':
      return { input: o.path, status: 'failed', code: o.error.code, message: o.error.message, element_path: o.error.path, offset: o.error.offset };
  }
}

const SYNC_EVERY = 256;
// lines are read synchronously, one at a time: one block per thread serves every read
const lineBlock = Buffer.allocUnsafe(4096);

/** The entry whose line starts at `offset`, read in blocks until its newline. */
function readLineAt(fd: number, offset: number): JournalEntry | undefined {
  const parts: Buffer[] = [];
  for (let at = offset; ;) {
    const n = readSync(fd, lineBlock, 0, lineBlock.length, at);
    if (n === 0) return undefined; // no newline: not a complete entry
    const nl = lineBlock.subarray(0, n).indexOf(0x0a);
    parts.push(Buffer.from(lineBlock.subarray(0, nl < 0 ? n : nl)));
    if (nl >= 0) break;
    at += n;
  }
  try {
    return JSON.parse(Buffer.concat(parts).toString('utf8')) as JournalEntry;
  } catch {
    return undefined;
  }
}

/**
 * An append-only record of finished inputs. An entry is appended only after its output was
 * renamed into place, so a resumed run can trust it; the tail line of a killed run may be cut,
 * and is ignored.
 */
export class Journal {
  private fd: number;
  private unsynced = 0;
  /** A sync of every SYNC_EVERY entries running on libuv's pool (syncBehind). */
  private syncing = false;
  private syncError: NodeJS.ErrnoException | undefined;
  /** close() came while a sync ran: the descriptor is closed when it ends. */
  private closing = false;
  /** Where the next entry starts: an entry's offset names it for `outputAt`. */
  private end = 0;

  /** `append`: continue a journal (a resumed run); otherwise a new run starts a new one. */
  constructor(
    readonly path: string,
    append = true,
  ) {
    this.fd = openSync(path, append ? 'a+' : 'w+', 0o600);
    if (append) this.dropCutTail();
    this.end = fstatSync(this.fd).size;
  }

  /** A killed run (or a full disk) may have left half a line: the next entry must not join it. */
  private dropCutTail(): void {
    const size = fstatSync(this.fd).size;
    if (size === 0) return;
    const b = Buffer.alloc(Math.min(size, 64 * 1024));
    for (let end = size; end > 0;) {
      const start = Math.max(0, end - b.length);
      const n = readSync(this.fd, b, 0, end - start, start);
      const nl = b.subarray(0, n).lastIndexOf(0x0a);
      if (nl >= 0) {
        if (start + nl + 1 < size) ftruncateSync(this.fd, start + nl + 1);
        return;
      }
      end = start;
    }
    ftruncateSync(this.fd, 0);
  }

  /** Appends one entry; returns the offset its line starts at. */
  append(e: JournalEntry): number {
    if (this.syncError) throw this.syncError;
    const at = this.end;
    const b = Buffer.from(JSON.stringify(e) + '\n');
    for (let off = 0; off < b.length;) off += writeSync(this.fd, b, off, b.length - off);
    this.end += b.length;
    if (++this.unsynced >= SYNC_EVERY && !this.syncing) this.syncBehind();
    return at;
  }

  /**
   * Makes the entries so far durable while the thread goes on with its files: an fsync here waits
   * for the file system to commit every output written since the last (~6 ms a sync on the bench
   * disk, 3 % of a 10k-file run; more on a network share). A failure surfaces at the next append.
   */
  private syncBehind(): void {
    this.syncing = true;
    this.unsynced = 0;
    fsync(this.fd, (err) => {
      this.syncing = false;
      if (this.closing) closeSync(this.fd);
      else if (err) this.syncError = err;
    });
  }

  /** The output of the written entry whose line starts at `offset` (from `append` or `entries`). */
  outputAt(offset: number): string | undefined {
    const e = readLineAt(this.fd, offset);
    return e?.status === 'written' ? e.output : undefined;
  }

  /** The input of the entry whose line starts at `offset`. */
  inputAt(offset: number): string | undefined {
    return readLineAt(this.fd, offset)?.input;
  }

  /**
   * What a resumed run need not redo, from this journal as it is: confirmed against its lines, so
   * it is valid while the journal is open.
   */
  done(): DoneInputs {
    return loadDone(this.path, (at) => this.inputAt(at));
  }

  sync(): void {
    fsyncSync(this.fd);
    this.unsynced = 0;
  }

  close(): void {
    try {
      this.sync();
    } finally {
      // a sync still queued on libuv's pool must not meet a closed (or reused) descriptor
      if (this.syncing) this.closing = true;
      else closeSync(this.fd);
    }
  }

  /** Every complete entry of a journal, in order, read block by block (a journal can be large). */
  static *read(path: string): Generator<JournalEntry> {
    for (const { entry } of Journal.entries(path)) yield entry;
  }

  /** Every complete entry with the offset of its line. */
  static *entries(path: string): Generator<{ entry: JournalEntry; offset: number }> {
    if (!existsSync(path)) return;
    const fd = openSync(path, 'r');
    try {
      const block = Buffer.allocUnsafe(1 << 20);
      const decoder = new StringDecoder('utf8'); // a character may straddle two blocks
      let carry = '';
      let lineAt = 0; // byte offset of the line `carry` begins
      for (let at = 0; ;) {
        const n = readSync(fd, block, 0, block.length, at);
        if (n === 0) break;
        at += n;
        const text = carry + decoder.write(block.subarray(0, n));
        const lines = text.split('\n');
        carry = lines.pop() ?? '';
        for (const line of lines) {
          const offset = lineAt;
          lineAt += Buffer.byteLength(line) + 1;
          if (!line) continue;
          try {
            yield { entry: JSON.parse(line) as JournalEntry, offset };
          } catch {
            /* a line cut by a crash */
          }
        }
      }
    } finally {
      closeSync(fd);
    }
  }

  /** How many inputs a resumed run of this journal would not redo, and how many of them were written. */
  static doneCounts(path: string): { done: number; written: number } {
    if (!existsSync(path)) return { done: 0, written: 0 };
    const fd = openSync(path, 'r');
    try {
      const done = loadDone(path, (at) => readLineAt(fd, at)?.input);
      return { done: done.size, written: done.written };
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * What a resumed run does with an entry's input: a written one whose output is still complete (same
 * size) and a skipped one are not redone; failed and quarantined inputs are tried again.
 */
function resumeState(e: JournalEntry): ResumeState {
  if (e.status === 'skipped') return 'skipped';
  if (e.status !== 'written') return 'redo';
  try {
    return statSync(e.output).size === e.size ? 'written' : 'redo';
  } catch {
    return 'redo'; // output gone
  }
}

function loadDone(path: string, inputAt: (offset: number) => string | undefined): DoneInputs {
  const done = new DoneInputs(inputAt);
  for (const { entry, offset } of Journal.entries(path)) done.note(entry.input, offset, resumeState(entry));
  return done;
}
