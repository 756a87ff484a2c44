/**
 * Deterministic mutations of DICOM files for robustness tests: a seeded PRNG, byte-level
 * mutations (flips, overwrites, truncation, insertion, deletion, duplication) and structural
 * ones (length fields overwritten with absurd values, found by parsing the original first).
 * Every mutation describes itself so a failing mutant can be reproduced from its seed.
 */
import type { DataSet, Element } from '../../src/dicom/dataset.js';
import type { DicomFile } from '../../src/dicom/part10.js';
import { hasLongLength, isVR } from '../../src/dicom/vr.js';

/** mulberry32: a small, fast, seeded 32-bit PRNG. Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes a base seed with an index into an independent seed (so mutant i is reproducible alone). */
export function mixSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export class Rng {
  private readonly next: () => number;
  constructor(readonly seed: number) {
    this.next = mulberry32(seed);
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

/** Where a length field sits in a file, and how wide it is. */
export interface LengthField {
  at: number;
  width: 2 | 4;
  /** Big endian when the dataset is. */
  little: boolean;
  what: string;
}

/**
 * Length fields of every element, item and fragment of a dataset read from `buf` (the bytes its
 * spans refer to), located from the nodes' spans. Elements whose VR bytes were invalid are left
 * out (their header form is a guess).
 */
export function datasetLengthFields(ds: DataSet, explicit: boolean, little: boolean, buf: Buffer): LengthField[] {
  const out: LengthField[] = [];
  const visitElement = (el: Element, explicit: boolean, little: boolean): void => {
    if (!el.span || el.badVR !== undefined) return;
    const s = el.span.start;
    if (s + 8 > buf.length) return;
    const group = little ? buf.readUInt16LE(s) : buf.readUInt16BE(s);
    if (group === 0xfffe || !explicit) {
      out.push({ at: s + 4, width: 4, little, what: `length of ${tagText(el.tag)} at ${s}` });
    } else {
      const vr = buf.toString('latin1', s + 4, s + 6);
      if (!isVR(vr)) return;
      if (hasLongLength(vr)) out.push({ at: s + 8, width: 4, little, what: `length of ${tagText(el.tag)} ${vr} at ${s}` });
      else out.push({ at: s + 6, width: 2, little, what: `length of ${tagText(el.tag)} ${vr} at ${s}` });
    }
    for (const item of el.items ?? []) {
      if (item.span) out.push({ at: item.span.start + 4, width: 4, little, what: `item length at ${item.span.start} in ${tagText(el.tag)}` });
      const enc = item.dataset.encoding;
      visitDataSet(item.dataset, enc ? enc.explicit : explicit, enc ? enc.little : little);
    }
    for (const fr of el.fragments ?? []) {
      if (fr.span) out.push({ at: fr.span.start + 4, width: 4, little, what: `fragment length at ${fr.span.start} in ${tagText(el.tag)}` });
    }
  };
  const visitDataSet = (d: DataSet, explicit: boolean, little: boolean): void => {
    for (const el of d.elements) visitElement(el, explicit, little);
  };
  visitDataSet(ds, explicit, little);
  return out.filter((l) => l.at + l.width <= buf.length);
}

/**
 * Length fields of a parsed file, as offsets in the file: the meta group's, and the dataset's
 * unless the body is deflated (then its spans are offsets in the inflated stream; see
 * datasetLengthFields with `f.body`).
 */
export function lengthFields(f: DicomFile, file: Buffer): LengthField[] {
  const out = f.meta ? datasetLengthFields(f.meta, f.metaEncoding.explicit, f.metaEncoding.little, file) : [];
  if (!f.deflated) out.push(...datasetLengthFields(f.dataset, f.encoding.explicit, f.encoding.little, file));
  return out;
}

const tagText = (tag: number): string => `(${(tag >>> 16).toString(16).padStart(4, '0')},${(tag & 0xffff).toString(16).padStart(4, '0')})`;

/** Values a hostile or broken writer might put in a length field. */
function absurdLength(rng: Rng, width: 2 | 4, fileSize: number, at: number): number {
  if (width === 2) return rng.pick([0xffff, 0xfffe, 0x8000, 0x7fff, 1, 3, Math.min(0xffff, fileSize - at), Math.min(0xffff, fileSize - at + 1)]);
  return rng.pick([
    0xffffffff, // undefined length where it may not stand
    0xfffffffe, // ~4 GiB
    0x80000000,
    0x7fffffff,
    0x40000000, // 1 GiB
    fileSize, // just past the end from anywhere but the start
    fileSize - at - 4 + 1, // one byte past the end
    fileSize - at - 4, // exactly to the end
    1,
    3,
    rng.range(0, 0xffff),
  ]) >>> 0;
}

export interface Mutant {
  bytes: Buffer;
  /** Human-readable, e.g. "flip bit 3 at 1234; truncate to 900". */
  description: string;
}

export type MutationKind = 'flip' | 'overwrite' | 'zeros' | 'truncate' | 'insert' | 'delete' | 'duplicate' | 'length';
export const MUTATION_KINDS: readonly MutationKind[] = ['flip', 'overwrite', 'zeros', 'truncate', 'insert', 'delete', 'duplicate', 'length'];

/**
 * Applies one mutation of `kind` to `buf` (a copy is returned). `fields` are the original's
 * length fields; the 'length' kind falls back to an overwrite when there are none.
 */
export function mutateOnce(buf: Buffer, kind: MutationKind, rng: Rng, fields: readonly LengthField[] = []): Mutant {
  const n = buf.length;
  if (n === 0) {
    const ins = rng.bytes(rng.range(1, 16));
    return { bytes: ins, description: `insert ${ins.length} bytes ${ins.toString('hex')} into empty input` };
  }
  switch (kind) {
    case 'flip': {
      const out = Buffer.from(buf);
      const at = rng.int(n);
      const bit = rng.int(8);
      out[at] ^= 1 << bit;
      return { bytes: out, description: `flip bit ${bit} at ${at}` };
    }
    case 'overwrite': {
      const out = Buffer.from(buf);
      const len = Math.min(rng.range(1, 8), n);
      const at = rng.int(n - len + 1);
      const b = rng.pick(['random', 'ff', '00']) === 'random' ? rng.bytes(len) : Buffer.alloc(len, rng.pick([0xff, 0x00]));
      b.copy(out, at);
      return { bytes: out, description: `overwrite ${len} bytes at ${at} with ${b.toString('hex')}` };
    }
    case 'zeros': {
      // A run of zeros: reads as (0000,0000) elements, or as trailing padding when it reaches the end.
      const out = Buffer.from(buf);
      const len = Math.min(rng.range(8, 1024), n);
      const at = rng.pick([rng.int(n - len + 1), n - len]);
      out.fill(0, at, at + len);
      return { bytes: out, description: `zero ${len} bytes at ${at}` };
    }
    case 'truncate': {
      const to = rng.int(n);
      return { bytes: Buffer.from(buf.subarray(0, to)), description: `truncate to ${to} bytes` };
    }
    case 'insert': {
      const at = rng.int(n + 1);
      const ins = rng.bytes(rng.range(1, 16));
      return { bytes: Buffer.concat([buf.subarray(0, at), ins, buf.subarray(at)]), description: `insert ${ins.toString('hex')} at ${at}` };
    }
    case 'delete': {
      const at = rng.int(n);
      const len = Math.min(rng.range(1, 16), n - at);
      return { bytes: Buffer.concat([buf.subarray(0, at), buf.subarray(at + len)]), description: `delete ${len} bytes at ${at}` };
    }
    case 'duplicate': {
      const from = rng.int(n);
      const len = Math.min(rng.range(1, 512), n - from);
      const to = rng.int(n + 1);
      return {
        bytes: Buffer.concat([buf.subarray(0, to), buf.subarray(from, from + len), buf.subarray(to)]),
        description: `duplicate ${len} bytes from ${from} at ${to}`,
      };
    }
    case 'length': {
      if (fields.length === 0) return mutateOnce(buf, 'overwrite', rng, fields);
      const lf = rng.pick(fields);
      const v = absurdLength(rng, lf.width, n, lf.at);
      const out = Buffer.from(buf);
      if (lf.width === 2) lf.little ? out.writeUInt16LE(v & 0xffff, lf.at) : out.writeUInt16BE(v & 0xffff, lf.at);
      else lf.little ? out.writeUInt32LE(v, lf.at) : out.writeUInt32BE(v, lf.at);
      return { bytes: out, description: `set ${lf.what} (offset ${lf.at}, ${lf.width} bytes) to 0x${v.toString(16)}` };
    }
  }
}

/** One to `max` stacked mutations of random kinds. */
export function mutate(buf: Buffer, rng: Rng, fields: readonly LengthField[] = [], max = 3): Mutant {
  const count = rng.range(1, max);
  let bytes = buf;
  const steps: string[] = [];
  for (let i = 0; i < count; i++) {
    // Length fields found in the original only stay in place until the size changes.
    const usable = bytes.length === buf.length ? fields : [];
    const m = mutateOnce(bytes, rng.pick(MUTATION_KINDS), rng, usable);
    bytes = m.bytes;
    steps.push(m.description);
  }
  return { bytes, description: steps.join('; ') };
}
