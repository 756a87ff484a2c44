// The safety net's tag scan as a WebAssembly SIMD kernel (tag-scan.wat): the positions where a
// tag of a set starts, in either byte order, found 32 positions at a time. The JavaScript scan in
// identifier-scan.ts stays the reference: it runs where the kernel cannot (no WebAssembly SIMD,
// a set of more than 7 groups), and the tests hold the two to the same hits.

import { WASM_BYTES } from './tag-scan.wasm.generated.js';
import { instantiateKernel } from './wasm-kernel.js';

/** A hit: the tag's first byte at `at`, little or big endian. */
export type TagVisit = (at: number, little: boolean, tag: number) => void;

/** Bytes copied into the kernel's memory per call: its memory stays this size whatever the input. */
const CHUNK = 1024 * 1024;
const BIG_ENDIAN = 0x80000000;
/** The class bit of the zero byte (tag-scan.wat); groups have the 7 others. */
const ZERO = 0x80;

interface Kernel {
  scan: (base: number, from: number, last: number, out: number, cap: number) => number;
  bytes: Uint8Array;
  words: Uint32Array;
  layout: { LO: number; HI: number; GROUP_BITS: number; ELEMENTS: number; OUT: number; CAP: number; DATA: number };
  /** The tag set whose tables are in memory. */
  tags?: ReadonlySet<number>;
}

let kernel: Kernel | null | undefined;

/** The kernel, instantiated once per thread; null where this engine cannot run it. */
function instance(): Kernel | null {
  if (kernel !== undefined) return kernel;
  const exports = instantiateKernel(WASM_BYTES);
  if (!exports) return (kernel = null);
  try {
    const memory = exports.memory as WebAssembly.Memory;
    const g = (name: string): number => (exports[name] as WebAssembly.Global).value as number;
    const layout = { LO: g('LO'), HI: g('HI'), GROUP_BITS: g('GROUP_BITS'), ELEMENTS: g('ELEMENTS'), OUT: g('OUT'), CAP: g('CAP'), DATA: g('DATA') };
    // Room for a chunk, the 3 bytes a tag at its last position reads beyond it, and the vector slack.
    const need = layout.DATA + CHUNK + 64 - memory.buffer.byteLength;
    if (need > 0) memory.grow(Math.ceil(need / 65536));
    kernel = { scan: exports.scan as Kernel['scan'], bytes: new Uint8Array(memory.buffer), words: new Uint32Array(memory.buffer), layout };
  } catch {
    kernel = null;
  }
  return kernel;
}

/** Writes the set's tables into the kernel's memory; false when the kernel cannot take the set. */
function load(k: Kernel, tags: ReadonlySet<number>): boolean {
  if (k.tags === tags) return true;
  const groups = [...new Set([...tags].map((t) => t >>> 16))].filter((g) => g !== 0); // a group 0 tag never hits
  if (groups.length > 7 || groups.some((g) => g > 0xff)) return false;
  const { LO, HI, GROUP_BITS, ELEMENTS } = k.layout;
  k.bytes.fill(0, LO, HI + 16);
  k.bytes.fill(0, GROUP_BITS, GROUP_BITS + 256);
  k.bytes.fill(0, ELEMENTS, ELEMENTS + 65536);
  k.bytes[LO] = k.bytes[HI] = ZERO; // the zero byte's class
  groups.forEach((g, i) => {
    k.bytes[LO + (g & 15)] |= 1 << i;
    k.bytes[HI + (g >>> 4)] |= 1 << i;
    k.bytes[GROUP_BITS + g] = 1 << i;
  });
  for (const t of tags) if (t >>> 16 !== 0) k.bytes[ELEMENTS + (t & 0xffff)] |= k.bytes[GROUP_BITS + (t >>> 16)];
  k.tags = tags;
  return true;
}

/**
 * Calls `visit` for every hit of a tag of `tags` starting at a position ≤ `last` of `b` (which
 * holds at least last + 4 bytes), in order. Returns false, having visited nothing, when the kernel
 * is not available or cannot take this set: the caller then scans another way.
 */
export function tagHits(b: Uint8Array, last: number, tags: ReadonlySet<number>, visit: TagVisit): boolean {
  const k = instance();
  if (!k || !load(k, tags)) return false;
  const { OUT, CAP, DATA } = k.layout;
  const hits = OUT >>> 2;
  for (let off = 0; off <= last; off += CHUNK) {
    const end = Math.min(last, off + CHUNK - 1) - off; // the chunk's last position
    k.bytes.set(b.subarray(off, off + end + 4), DATA);
    for (let from = 0; ;) {
      const n = k.scan(DATA, from, end, OUT, CAP);
      for (let h = 0; h < n; h++) {
        const tag = k.words[hits + 2 * h + 1];
        visit(off + k.words[hits + 2 * h], tag < BIG_ENDIAN, (tag & ~BIG_ENDIAN) >>> 0);
      }
      if (n < CAP) break;
      from = k.words[hits + 2 * (n - 1)] + 1; // the output area was full: on after its last hit
    }
  }
  return true;
}
