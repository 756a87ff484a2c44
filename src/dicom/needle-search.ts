// Which of a few values stand in a buffer as whole values: the safety net's search of every output
// for its input's identifiers. A WebAssembly SIMD kernel (needle-search.wat) looks for all of them
// in one pass; Buffer.indexOf per value (`includesBounded`) is the reference it must agree with,
// and what runs where the kernel cannot be instantiated.

import { WASM_BYTES } from './needle-search.wasm.generated.js';
import { instantiateKernel } from './wasm-kernel.js';

/** Letters, digits and the dot: a value found between them is part of a longer one (an ID inside a UID). */
const wordByte = (c: number | undefined): boolean => c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2e);

/** Whether `needle` stands in `b` as a whole value, not inside a longer word, number or UID (the reference). */
export function includesBounded(b: Buffer, needle: Buffer): boolean {
  for (let i = b.indexOf(needle); i >= 0;) {
    if (!wordByte(b[i - 1]) && !wordByte(b[i + needle.length])) return true;
    const next = b.indexOf(needle, i + 1);
    if (next <= i) break; // an empty needle past the end is "found" at the end again: not a loop
    i = next;
  }
  return false;
}

/** The reference answer for several needles: one indexOf pass per needle. */
export const findBoundedReference = (hay: Buffer, needles: readonly Buffer[]): boolean[] => needles.map((n) => includesBounded(hay, n));

interface Kernel {
  memory: WebAssembly.Memory;
  search: (table: number, count: number, hay: number, m: number, from: number, to: number) => number;
}

/** Bytes the kernel may read past the haystack (its 64-start steps). */
const PAD = 64;
/**
 * Haystack starts copied into the kernel's memory at a time: each window is searched while it is
 * still in cache, a search that finds everything early copies no more, and the memory stays this
 * size whatever the input.
 */
const WINDOW = 64 * 1024;
/** Longer needles go to the reference (identifiers are ≤ 1 KiB; nothing longer is ever copied in). */
const MAX_NEEDLE = 64 * 1024;

let kernel: Kernel | null | undefined;
/** The kernel, instantiated once per thread (synchronously: the module is under 1 KiB); null where it cannot be. */
function loadKernel(): Kernel | null {
  if (kernel !== undefined) return kernel;
  const exports = instantiateKernel(WASM_BYTES);
  // no WebAssembly SIMD here: the reference answers
  kernel = exports ? { memory: exports.memory as WebAssembly.Memory, search: exports.search as Kernel['search'] } : null;
  return kernel;
}

/** Whether the SIMD kernel answers on this thread (tests check it is not silently the reference). */
export const kernelAvailable = (): boolean => loadKernel() !== null;

/**
 * Which of `needles` stand in `hay` as whole values: `includesBounded` for each, in one pass. The
 * bytes before the first and after the last of `hay` count as no word bytes.
 */
export function findBounded(hay: Buffer, needles: readonly Buffer[]): boolean[] {
  const k = loadKernel();
  if (!k) return findBoundedReference(hay, needles);
  const found = needles.map(() => false);
  // Empty needles (indexOf's own rules) and very long ones go to the reference.
  const mine: number[] = [];
  for (let i = 0; i < needles.length; i++) {
    const len = needles[i].length;
    if (len === 0 || len > MAX_NEEDLE) found[i] = includesBounded(hay, needles[i]);
    else if (len <= hay.length) mine.push(i);
  }
  if (mine.length === 0) return found;

  // Layout: the table (16 bytes a needle: pointer, length, found flag), the needles, the haystack.
  let longest = 0;
  let at = mine.length * 16;
  const ptrs = mine.map((i) => {
    const p = at;
    at += needles[i].length;
    longest = Math.max(longest, needles[i].length);
    return p;
  });
  const hayPtr = (at + 15) & ~15;
  const span = Math.min(hay.length, WINDOW + longest + 1);
  const need = hayPtr + span + PAD;
  if (need > k.memory.buffer.byteLength) k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / 65536));
  const mem = new Uint8Array(k.memory.buffer);
  const table = new Int32Array(k.memory.buffer, 0, mine.length * 4);
  mine.forEach((i, j) => {
    mem.set(needles[i], ptrs[j]);
    table[j * 4] = ptrs[j];
    table[j * 4 + 1] = needles[i].length;
    table[j * 4 + 2] = 0;
  });

  // Windows of WINDOW starts, each with the byte before its first start and the byte after its
  // last start's longest needle: a value across a window's edge is whole-checked against its true
  // neighbours.
  let left = mine.length;
  for (let pos = 0; pos < hay.length && left > 0; pos += WINDOW) {
    const o = pos === 0 ? 0 : pos - 1;
    const end = Math.min(hay.length, pos + WINDOW + longest);
    mem.set(hay.subarray(o, end), hayPtr);
    left = k.search(0, mine.length, hayPtr, end - o, pos - o, Math.min(pos + WINDOW, hay.length) - o);
  }
  mine.forEach((i, j) => (found[i] = table[j * 4 + 2] !== 0));
  return found;
}
