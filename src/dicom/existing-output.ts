// What already holds an output's name, for writes that never replace a file (noClobber). A name
// another input of the run wrote a moment ago (the same instance twice in the inputs) or an earlier
// run left (a run again into the same folder) is compared without writing a temporary copy first:
// before, each such file was written whole, read back, compared block by block in fresh buffers and
// unlinked (~2.6 ms a file, bench/README.md, issue 16, seventh pass).
//
// The name is opened without following a symlink and without blocking on a FIFO: anything that is
// not a regular file is "different", so the output takes the next free name and nothing planted in
// the output folder is read through.
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs';

const OPEN_EXISTING = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

const BLOCK = 1024 * 1024;
let blocks: [Buffer, Buffer] | undefined;
/** Two compare buffers per thread, reused: fresh ones fault in page by page on every file. */
const compareBlocks = (): [Buffer, Buffer] => (blocks ??= [Buffer.allocUnsafe(BLOCK), Buffer.allocUnsafe(BLOCK)]);

/** The regular file at `path`, open, with its size; undefined when the name is free. */
function openExisting(path: string): { fd: number; size: number } | 'not a file' | undefined {
  // The usual answer, a free name, asked without a thrown ENOENT (building that error is most of
  // the open's cost: 10 against 4.5 µs a name). A name taken after this look meets the link's EEXIST.
  const seen = lstatSync(path, { throwIfNoEntry: false });
  if (seen === undefined) return undefined;
  if (!seen.isFile()) return 'not a file';
  let fd: number;
  try {
    fd = openSync(path, OPEN_EXISTING);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP' || code === 'ENXIO') return 'not a file'; // a symlink; a socket (a FIFO opens, and is no regular file)
    throw e;
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    return 'not a file';
  }
  return { fd, size: st.size };
}

/** Reads [at, at + dst.length) or up to the end; returns the bytes read. */
function readFully(fd: number, dst: Buffer, at: number): number {
  let got = 0;
  while (got < dst.length) {
    const n = readSync(fd, dst, got, dst.length - got, at + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** Whether the open file holds exactly `bytes` (its size already equal). */
function holds(fd: number, bytes: Buffer): boolean {
  const [block] = compareBlocks();
  for (let at = 0; at < bytes.length; at += BLOCK) {
    const want = bytes.subarray(at, Math.min(bytes.length, at + BLOCK));
    const n = readFully(fd, block.subarray(0, want.length), at);
    if (n !== want.length || !block.subarray(0, n).equals(want)) return false;
  }
  // a file that grew since its size was taken
  return readSync(fd, block, 0, 1, bytes.length) === 0;
}

/** What holds `path` against the output `bytes`: undefined when nothing does. */
export function existingOutput(path: string, bytes: Buffer): 'identical' | 'different' | undefined {
  const e = openExisting(path);
  if (e === undefined) return undefined;
  if (e === 'not a file') return 'different';
  try {
    return e.size === bytes.length && holds(e.fd, bytes) ? 'identical' : 'different';
  } finally {
    closeSync(e.fd);
  }
}

/** Whether the file at `existing` holds the same bytes as the (regular, just written) file at `written`. */
export function sameContent(written: string, existing: string): boolean {
  const b = openExisting(existing);
  if (b === undefined || b === 'not a file') return false;
  const fa = openSync(written, 'r');
  try {
    if (fstatSync(fa).size !== b.size) return false;
    const [ba, bb] = compareBlocks();
    for (let at = 0; ; at += BLOCK) {
      const na = readFully(fa, ba, at);
      const nb = readFully(b.fd, bb, at);
      if (na !== nb || !ba.subarray(0, na).equals(bb.subarray(0, nb))) return false;
      if (na === 0) return true;
    }
  } finally {
    closeSync(fa);
    closeSync(b.fd);
  }
}
