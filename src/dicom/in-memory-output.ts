// An output whose every byte is already in memory (an input read whole, changed headers) is
// assembled into one buffer: checked by the safety net without reading the file back, and written
// with one call instead of a call per range.
import type { Chunk, ChunkList } from './write.js';

/** Largest output assembled in memory and written with one call. */
const MAX_IN_MEMORY_OUTPUT = 8 * 1024 * 1024;

/** The whole output as one buffer, when every chunk of it is already in memory (a small input read whole). */
export function inMemoryOutput(list: ChunkList): Buffer | undefined {
  if (list.size > MAX_IN_MEMORY_OUTPUT) return undefined;
  const parts: Buffer[] = [];
  for (const c of list.chunks as Chunk[]) {
    if (Buffer.isBuffer(c)) parts.push(c);
    else if (c.src.buffer) parts.push(c.src.buffer.subarray(c.start, c.end));
    else return undefined;
  }
  if (parts.length === 1) return parts[0];
  // Assembled in one buffer kept for the next file (a fresh one faults in page by page); it is
  // checked and written before this function's caller yields, so no other write can reuse it meanwhile.
  if (!outBuf || outBuf.length < list.size) outBuf = Buffer.allocUnsafe(Math.max(list.size, Math.min(MAX_IN_MEMORY_OUTPUT, 2 * (outBuf?.length ?? 0)), 256 * 1024));
  let at = 0;
  for (const p of parts) at += p.copy(outBuf, at);
  return outBuf.subarray(0, at);
}
let outBuf: Buffer | undefined;
