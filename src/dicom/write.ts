import { DataSet, Element, Item, UNDEFINED_LENGTH } from './dataset.js';
import { DicomError } from './errors.js';
import type { ByteSource } from './source.js';
import { formatTag, ITEM, ITEM_DELIMITER, SEQUENCE_DELIMITER } from './tag.js';
import type { Encoding } from './transfer-syntax.js';
import { hasLongLength, isVR, padByte } from './vr.js';

/** Output as a list of new bytes and ranges of a source to copy. */
export type Chunk = Buffer | { src: ByteSource; start: number; end: number };

export class ChunkList {
  readonly chunks: Chunk[] = [];
  size = 0;

  bytes(b: Buffer): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.size += b.length;
  }

  /** Adjacent ranges of one source merge, so an untouched file becomes a single copy. */
  range(src: ByteSource, start: number, end: number): void {
    if (end <= start) return;
    const last = this.chunks[this.chunks.length - 1];
    if (last && !Buffer.isBuffer(last) && last.src === src && last.end === start) last.end = end;
    else this.chunks.push({ src, start, end });
    this.size += end - start;
  }
}

const header = (tag: number, vr: string, length: number, enc: Encoding): Buffer => {
  const explicitVR = enc.explicit && tag >>> 16 !== 0xfffe;
  const long = explicitVR && hasLongLength(vr);
  // From Node's shared pool, every byte set below: Buffer.alloc gave each of a file's ~100
  // headers an ArrayBuffer of its own for the collector to track (issue 16, eighth pass).
  const b = Buffer.allocUnsafe(explicitVR ? (long ? 12 : 8) : 8);
  const g = tag >>> 16;
  const e = tag & 0xffff;
  if (enc.little) {
    b.writeUInt16LE(g, 0);
    b.writeUInt16LE(e, 2);
  } else {
    b.writeUInt16BE(g, 0);
    b.writeUInt16BE(e, 2);
  }
  if (!explicitVR) {
    if (enc.little) b.writeUInt32LE(length, 4);
    else b.writeUInt32BE(length, 4);
    return b;
  }
  // a VR is two ASCII letters (writableVR)
  b[4] = vr.charCodeAt(0);
  b[5] = vr.charCodeAt(1);
  if (long) {
    b[6] = 0; // reserved
    b[7] = 0;
    if (enc.little) b.writeUInt32LE(length, 8);
    else b.writeUInt32BE(length, 8);
  } else {
    if (length > 0xffff) {
      throw new DicomError({ code: 'BAD_LENGTH', message: `${formatTag(tag)}: ${length} bytes do not fit VR ${vr}'s 16-bit length` });
    }
    if (enc.little) b.writeUInt16LE(length, 6);
    else b.writeUInt16BE(length, 6);
  }
  return b;
};

/** Header size of an element written in `enc`. */
const headerSize = (tag: number, vr: string, enc: Encoding): number => (enc.explicit && tag >>> 16 !== 0xfffe && hasLongLength(vr) ? 12 : 8);

/** The VR to write for an element whose explicit VR bytes were invalid. */
const writableVR = (el: Element): string => (isVR(el.vr) ? el.vr : 'UN');

/**
 * Serialises datasets. Clean nodes (unchanged since reading) are emitted as ranges of the source,
 * so everything no rule touched is kept byte for byte; changed nodes are encoded again with their
 * lengths (and group lengths) recomputed.
 */
export class Encoder {
  private readonly cleanMemo = new WeakMap<object, boolean>();
  private readonly sizeMemo = new WeakMap<object, number>();

  constructor(readonly src: ByteSource) {}

  isClean(el: Element): boolean {
    // A leaf's answer is two fields: remembering it would cost a WeakMap entry per element.
    if (!el.items && !el.fragments) return !el.modified && el.span !== undefined;
    let c = this.cleanMemo.get(el);
    if (c === undefined) {
      c = !el.modified && el.span !== undefined;
      if (c && el.items) c = el.items.every((it) => this.isCleanItem(it));
      if (c && el.fragments) c = el.fragments.every((f) => !f.data && f.span !== undefined);
      this.cleanMemo.set(el, c);
    }
    return c;
  }

  isCleanItem(it: Item): boolean {
    let c = this.cleanMemo.get(it);
    if (c === undefined) {
      c = !it.modified && it.span !== undefined && this.isCleanDataSet(it.dataset);
      this.cleanMemo.set(it, c);
    }
    return c;
  }

  isCleanDataSet(ds: DataSet): boolean {
    let c = this.cleanMemo.get(ds);
    if (c === undefined) {
      c = !ds.modified && ds.span !== undefined && ds.elements.every((e) => this.isClean(e));
      this.cleanMemo.set(ds, c);
    }
    return c;
  }

  elementSize(el: Element, enc: Encoding): number {
    if (this.isClean(el)) return el.span!.end - el.span!.start;
    let n = this.sizeMemo.get(el);
    if (n === undefined) {
      n = headerSize(el.tag, writableVR(el), enc) + this.valueSize(el, enc);
      this.sizeMemo.set(el, n);
    }
    return n;
  }

  private valueSize(el: Element, enc: Encoding): number {
    if (el.items) {
      const itemEnc = this.sequenceItemEncoding(el, enc);
      let n = 0;
      for (const it of el.items) n += this.itemSize(it, itemEnc);
      return n + (el.undefinedLength ? 8 : 0);
    }
    if (el.fragments) {
      let n = 8;
      for (const f of el.fragments) n += 8 + (f.data ? f.data.length : f.length);
      return n;
    }
    if (el.value) return el.value.length + (el.value.length & 1);
    return el.length;
  }

  /** An undefined-length UN read as a sequence keeps its items implicit VR little endian. */
  private sequenceItemEncoding(el: Element, enc: Encoding): Encoding {
    return el.vr === 'UN' && enc.explicit ? { explicit: false, little: true } : enc;
  }

  itemSize(it: Item, enc: Encoding): number {
    if (this.isCleanItem(it)) return it.span!.end - it.span!.start;
    const dsEnc = it.dataset.encoding ?? enc;
    return 8 + this.dataSetSize(it.dataset, dsEnc) + (it.length === UNDEFINED_LENGTH ? 8 : 0);
  }

  dataSetSize(ds: DataSet, enc: Encoding): number {
    let n = 0;
    for (const e of ds.elements) n += this.elementSize(e, enc);
    return n;
  }

  writeDataSet(ds: DataSet, enc: Encoding, out: ChunkList): void {
    if (this.isCleanDataSet(ds)) {
      out.range(this.src, ds.span!.start, ds.span!.end);
      return;
    }
    const groupLengths = this.groupLengths(ds, enc);
    for (const el of ds.elements) {
      const recomputed = groupLengths.get(el);
      if (recomputed !== undefined) out.bytes(recomputed);
      else this.writeElement(el, enc, out);
    }
  }

  /** Group length elements whose value no longer matches their group, with new encodings. */
  private groupLengths(ds: DataSet, enc: Encoding): Map<Element, Buffer> {
    const out = new Map<Element, Buffer>();
    for (const gl of ds.elements) {
      if ((gl.tag & 0xffff) !== 0 || !gl.value || gl.value.length !== 4) continue;
      const group = gl.tag >>> 16;
      let sum = 0;
      for (const e of ds.elements) if (e.tag >>> 16 === group && e !== gl) sum += this.elementSize(e, enc);
      const little = group === 0x0002 || enc.little;
      const current = little ? gl.value.readUInt32LE(0) : gl.value.readUInt32BE(0);
      if (current === sum && this.isClean(gl)) continue;
      const v = Buffer.alloc(4);
      if (little) v.writeUInt32LE(sum);
      else v.writeUInt32BE(sum);
      out.set(gl, Buffer.concat([header(gl.tag, 'UL', 4, enc), v]));
    }
    return out;
  }

  writeElement(el: Element, enc: Encoding, out: ChunkList): void {
    if (this.isClean(el)) {
      out.range(this.src, el.span!.start, el.span!.end);
      return;
    }
    const vr = writableVR(el);
    if (el.items) {
      const itemEnc = this.sequenceItemEncoding(el, enc);
      const len = el.undefinedLength ? UNDEFINED_LENGTH : this.valueSize(el, enc);
      out.bytes(header(el.tag, vr, len, enc));
      for (const it of el.items) this.writeItem(it, itemEnc, out);
      if (el.undefinedLength) out.bytes(header(SEQUENCE_DELIMITER, '', 0, itemEnc));
      return;
    }
    if (el.fragments) {
      out.bytes(header(el.tag, vr, UNDEFINED_LENGTH, enc));
      for (const f of el.fragments) {
        if (!f.data && f.span) {
          out.range(this.src, f.span.start, f.span.end);
        } else {
          const data = f.data ?? Buffer.alloc(0);
          out.bytes(header(ITEM, '', data.length, enc));
          out.bytes(data);
        }
      }
      out.bytes(header(SEQUENCE_DELIMITER, '', 0, enc));
      return;
    }
    if (el.value) {
      const odd = el.value.length & 1;
      out.bytes(header(el.tag, vr, el.value.length + odd, enc));
      out.bytes(el.value);
      if (odd) out.bytes(Buffer.from([padByte(vr)]));
      return;
    }
    if (el.bulkOffset !== undefined) {
      out.bytes(header(el.tag, vr, el.length, enc));
      out.range(this.src, el.bulkOffset, el.bulkOffset + el.length);
      return;
    }
    out.bytes(header(el.tag, vr, 0, enc));
  }

  writeItem(it: Item, enc: Encoding, out: ChunkList): void {
    if (this.isCleanItem(it)) {
      out.range(this.src, it.span!.start, it.span!.end);
      return;
    }
    const dsEnc = it.dataset.encoding ?? enc;
    const undefinedLength = it.length === UNDEFINED_LENGTH;
    out.bytes(header(ITEM, '', undefinedLength ? UNDEFINED_LENGTH : this.dataSetSize(it.dataset, dsEnc), enc));
    this.writeDataSet(it.dataset, dsEnc, out);
    if (undefinedLength) out.bytes(header(ITEM_DELIMITER, '', 0, enc));
  }
}
