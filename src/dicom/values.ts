// Lazy value decoding and encoding. Elements keep their raw bytes (in the dataset's byte order
// and character set); these helpers turn them into strings or numbers when a rule, the dump or
// the JSON model needs them, and back into bytes for the writer.

import { decodeText, encodeText, parseSpecificCharacterSet, type CharsetSpec } from './charset.js';
import type { DataSet, Element } from './dataset.js';
import type { DicomFile } from './part10.js';
import { readRange, type ByteSource } from './source.js';
import { SPECIFIC_CHARACTER_SET } from './tag.js';
import { binaryWidth, isStringVR, padByte } from './vr.js';

/** What decoding a dataset's values depends on. */
export interface ValueContext {
  /** Byte order of the dataset's binary values. */
  little: boolean;
  /** Specific Character Set in effect (inherited by nested items without their own (0008,0005)). */
  charset: CharsetSpec;
  /** Where values left in the source (Element.bulkOffset) are read from: the file's body. */
  source?: ByteSource;
}

/** The default repertoire (ISO-IR 6), in effect when no (0008,0005) is present. */
export const DEFAULT_CHARSET: CharsetSpec = Object.freeze({ terms: Object.freeze([]) as unknown as string[] });

/** VRs holding one value only: the backslash is ordinary text in them (PS3.5 6.4). */
const SINGLE_VALUED = new Set(['LT', 'ST', 'UT', 'UR']);
/** String VRs whose leading spaces are padding as well as their trailing ones (PS3.5 Table 6.2-1). */
const TRIM_LEADING = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'SH', 'TM', 'UI']);

export const isSingleValuedVR = (vr: string): boolean => SINGLE_VALUED.has(vr);

const NUMERIC = new Set(['US', 'SS', 'UL', 'SL', 'FL', 'FD', 'SV', 'UV', 'AT', 'OB', 'OW', 'OF', 'OD', 'OL', 'OV']);
/** VRs decodeNumbers accepts. */
export const isNumericVR = (vr: string): boolean => NUMERIC.has(vr);
/** VRs whose values are 64-bit integers, decoded as bigint. */
export const isBigIntVR = (vr: string): boolean => vr === 'SV' || vr === 'UV' || vr === 'OV';

/**
 * The context for a dataset: its own (0008,0005) if it has one, else the inherited character set;
 * its own encoding's byte order if it was read differently from its container.
 */
export function datasetContext(ds: DataSet, inherited: ValueContext): ValueContext {
  const little = ds.encoding ? ds.encoding.little : inherited.little;
  let charset = inherited.charset;
  const cs = ds.get(SPECIFIC_CHARACTER_SET);
  if (cs) {
    const bytes = valueBytes(cs, inherited.source);
    // (0008,0005) is CS: always ISO-IR 6, so latin1 reads it exactly.
    charset = parseSpecificCharacterSet(bytes ? bytes.toString('latin1') : undefined);
  }
  if (little === inherited.little && charset === inherited.charset) return inherited;
  return { ...inherited, little, charset };
}

/** The context of a file's main dataset. */
export function fileContext(f: DicomFile): ValueContext {
  return datasetContext(f.dataset, { little: f.encoding.little, charset: DEFAULT_CHARSET, source: f.body });
}

/** The context of a file's meta group (read from the file itself, never deflated). */
export function metaContext(f: DicomFile): ValueContext {
  return { little: f.metaEncoding.little, charset: DEFAULT_CHARSET, source: f.source };
}

/**
 * The raw value bytes: held ones, or those left in `source`. Undefined for sequences, encapsulated
 * data, and bulk values when no source is given.
 */
export function valueBytes(el: Element, source?: ByteSource): Buffer | undefined {
  if (el.value !== undefined) return el.value;
  if (el.bulkOffset !== undefined && source) return readRange(source, el.bulkOffset, el.length);
  return undefined;
}

function bytesOf(el: Element, source: ByteSource | undefined, what: string): Buffer {
  if (el.items !== undefined || el.fragments !== undefined) {
    throw new TypeError(`${what}: element ${hex8(el.tag)} is a ${el.items ? 'sequence' : 'set of fragments'}, not a value`);
  }
  const b = valueBytes(el, source);
  if (b === undefined) throw new TypeError(`${what}: value of ${hex8(el.tag)} is left in the source and no source was given`);
  return b;
}

const hex8 = (tag: number): string => tag.toString(16).toUpperCase().padStart(8, '0');

const stripTrailing = (s: string): string => {
  let end = s.length;
  while (end > 0) {
    const c = s.charCodeAt(end - 1);
    if (c !== 0x20 && c !== 0x00) break;
    end--;
  }
  return end === s.length ? s : s.slice(0, end);
};
const stripLeading = (s: string): string => {
  let start = 0;
  while (start < s.length) {
    const c = s.charCodeAt(start);
    if (c !== 0x20 && c !== 0x00) break;
    start++;
  }
  return start === 0 ? s : s.slice(start);
};

/**
 * The values of a string element, decoded through the character set in effect. Multi-valued VRs
 * are split on the backslash (after decoding, so ISO 2022 and GB18030 bytes are never split);
 * LT, ST, UT and UR hold one value. Trailing padding (space, and NUL which writers also use) is
 * removed from every value, and leading spaces too where PS3.5 makes them insignificant (AE, AS,
 * CS, DA, DS, DT, IS, LO, SH, TM, UI). An empty element (or one of padding only) has no values.
 */
export function decodeStrings(el: Element, ctx: ValueContext): string[] {
  const vr = el.vr;
  if (!isStringVR(vr)) throw new TypeError(`decodeStrings: VR ${vr || '(none)'} of ${hex8(el.tag)} is not a string VR`);
  const bytes = bytesOf(el, ctx.source, 'decodeStrings');
  if (bytes.length === 0) return [];
  const text = stripTrailing(decodeText(bytes, ctx.charset, vr));
  if (text === '') return [];
  if (SINGLE_VALUED.has(vr)) return [text];
  const parts = text.split('\\');
  const leading = TRIM_LEADING.has(vr);
  for (let i = 0; i < parts.length; i++) {
    const p = stripTrailing(parts[i]);
    parts[i] = leading ? stripLeading(p) : p;
  }
  return parts;
}

/** How many values an element holds (its VM as encoded); 1 for sequences and OB/OW-like values. */
export function valueCount(el: Element, ctx: ValueContext): number {
  if (el.items !== undefined || el.fragments !== undefined) return 1;
  if (el.length === 0) return 0;
  if (isStringVR(el.vr)) return decodeStrings(el, ctx).length;
  switch (el.vr) {
    case 'US':
    case 'SS':
    case 'UL':
    case 'SL':
    case 'FL':
    case 'FD':
    case 'SV':
    case 'UV':
    case 'AT':
      return Math.floor(el.length / binaryWidth(el.vr));
    default:
      return 1;
  }
}

export interface NumberOptions {
  /** Source for values left in it (Element.bulkOffset). */
  source?: ByteSource;
  /** OB/OW/OF/OD/OL/OV values longer than this are refused (default 64 KiB). */
  maxBytes?: number;
  /** Decode only the first `limit` values (for previews). */
  limit?: number;
}

const DEFAULT_MAX_OTHER = 64 * 1024;
const isOther = (vr: string): boolean => vr.length === 2 && vr[0] === 'O';

/**
 * The values of a binary element: US, SS, UL, SL, FL, FD as numbers; SV, UV (and OV) as bigints;
 * AT as tag numbers ((group << 16 | element) >>> 0); OB, OW, OF, OD, OL as numbers when at most
 * `maxBytes` long. A trailing partial value (a malformed length) is ignored.
 */
export function decodeNumbers(el: Element, little: boolean, opts: NumberOptions | ByteSource = {}): number[] | bigint[] {
  const o: NumberOptions = 'readInto' in opts ? { source: opts } : opts;
  const vr = el.vr;
  if (!NUMERIC.has(vr)) throw new TypeError(`decodeNumbers: VR ${vr || '(none)'} of ${hex8(el.tag)} is not a binary number VR`);
  if (isOther(vr) && el.length > (o.maxBytes ?? DEFAULT_MAX_OTHER)) {
    throw new RangeError(`decodeNumbers: ${vr} value of ${hex8(el.tag)} is ${el.length} bytes, above the ${o.maxBytes ?? DEFAULT_MAX_OTHER}-byte limit`);
  }
  const width = vr === 'OB' ? 1 : binaryWidth(vr);
  let count = Math.floor(el.length / width);
  if (o.limit !== undefined) count = Math.min(count, o.limit);
  if (count === 0) return [];
  let b: Buffer;
  if (el.value === undefined && el.bulkOffset !== undefined && o.source && o.limit !== undefined) {
    b = readRange(o.source, el.bulkOffset, count * width); // a preview need not read the whole value
  } else {
    b = bytesOf(el, o.source, 'decodeNumbers');
  }
  count = Math.min(count, Math.floor(b.length / width));
  if (isBigIntVR(vr)) {
    const out: bigint[] = new Array(count);
    const signed = vr === 'SV';
    for (let i = 0, at = 0; i < count; i++, at += 8) {
      out[i] = signed ? (little ? b.readBigInt64LE(at) : b.readBigInt64BE(at)) : little ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at);
    }
    return out;
  }
  const out: number[] = new Array(count);
  const read = numberReader(vr, b, little);
  for (let i = 0; i < count; i++) out[i] = read(i * width);
  return out;
}

function numberReader(vr: string, b: Buffer, little: boolean): (at: number) => number {
  switch (vr) {
    case 'OB':
      return (at) => b[at];
    case 'US':
    case 'OW':
      return little ? (at) => b.readUInt16LE(at) : (at) => b.readUInt16BE(at);
    case 'SS':
      return little ? (at) => b.readInt16LE(at) : (at) => b.readInt16BE(at);
    case 'UL':
    case 'OL':
      return little ? (at) => b.readUInt32LE(at) : (at) => b.readUInt32BE(at);
    case 'SL':
      return little ? (at) => b.readInt32LE(at) : (at) => b.readInt32BE(at);
    case 'FL':
    case 'OF':
      return little ? (at) => b.readFloatLE(at) : (at) => b.readFloatBE(at);
    case 'FD':
    case 'OD':
      return little ? (at) => b.readDoubleLE(at) : (at) => b.readDoubleBE(at);
    case 'AT':
      return little ? (at) => ((b.readUInt16LE(at) << 16) | b.readUInt16LE(at + 2)) >>> 0 : (at) => ((b.readUInt16BE(at) << 16) | b.readUInt16BE(at + 2)) >>> 0;
    default:
      throw new TypeError(`no number reader for VR ${vr}`);
  }
}

export type OtherArray = Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array | BigUint64Array;

/**
 * An OB/OW/OL/OF/OD/OV value as a typed array in native order (a copy), when at most `maxBytes`
 * long (default 64 KiB); undefined above it.
 */
export function decodeTypedArray(el: Element, little: boolean, opts: Omit<NumberOptions, 'limit'> = {}): OtherArray | undefined {
  const vr = el.vr;
  if (!isOther(vr) && vr !== 'UN') throw new TypeError(`decodeTypedArray: VR ${vr} of ${hex8(el.tag)} is not OB/OW/OL/OF/OD/OV/UN`);
  if (el.length > (opts.maxBytes ?? DEFAULT_MAX_OTHER)) return undefined;
  const src = bytesOf(el, opts.source, 'decodeTypedArray');
  const width = vr === 'OB' || vr === 'UN' ? 1 : binaryWidth(vr);
  const n = Math.floor(src.length / width);
  const copy = Buffer.from(src.subarray(0, n * width));
  if (width > 1 && little !== NATIVE_LITTLE) swapInPlace(copy, width);
  const ab = copy.buffer.slice(copy.byteOffset, copy.byteOffset + copy.length) as ArrayBuffer;
  switch (vr) {
    case 'OW':
      return new Uint16Array(ab);
    case 'OL':
      return new Uint32Array(ab);
    case 'OF':
      return new Float32Array(ab);
    case 'OD':
      return new Float64Array(ab);
    case 'OV':
      return new BigUint64Array(ab);
    default:
      return new Uint8Array(ab);
  }
}

const NATIVE_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses the byte order of every `width`-byte unit of `b` in place. */
export function swapInPlace(b: Buffer, width: number): Buffer {
  const n = b.length - (b.length % width);
  if (width === 2) b.subarray(0, n).swap16();
  else if (width === 4) b.subarray(0, n).swap32();
  else if (width === 8) b.subarray(0, n).swap64();
  return b;
}

/**
 * Encodes string values for a VR: joined with backslashes, through the character set for text
 * VRs, padded to even length with the VR's pad byte (NUL for UI, space otherwise). Throws on a
 * backslash inside a value of a multi-valued VR, on several values for LT/ST/UT/UR, and (as a
 * CharsetError) on characters the character set cannot encode.
 */
export function encodeStrings(values: readonly string[], vr: string, spec: CharsetSpec = DEFAULT_CHARSET): Buffer {
  if (!isStringVR(vr)) throw new TypeError(`encodeStrings: VR ${vr} is not a string VR`);
  if (SINGLE_VALUED.has(vr)) {
    if (values.length > 1) throw new RangeError(`encodeStrings: VR ${vr} holds one value, ${values.length} given`);
  } else {
    for (const v of values) {
      if (v.includes('\\')) throw new RangeError(`encodeStrings: value ${JSON.stringify(v)} of VR ${vr} contains a backslash (the value delimiter)`);
    }
  }
  const bytes = encodeText(values.join('\\'), spec, vr);
  if (bytes.length % 2 === 0) return bytes;
  const out = Buffer.allocUnsafe(bytes.length + 1);
  bytes.copy(out, 0);
  out[bytes.length] = padByte(vr);
  return out;
}

/**
 * Encodes numbers for a binary VR in the given byte order (AT values are tag numbers; SV, UV, OV
 * take bigints or safe integers). Throws a RangeError for values the VR cannot hold.
 */
export function encodeNumbers(values: readonly (number | bigint)[], vr: string, little: boolean): Buffer {
  if (!NUMERIC.has(vr)) throw new TypeError(`encodeNumbers: VR ${vr} is not a binary number VR`);
  const width = vr === 'OB' ? 1 : binaryWidth(vr);
  const b = Buffer.alloc(values.length * width);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const at = i * width;
    if (isBigIntVR(vr)) {
      if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new RangeError(`encodeNumbers: ${v} is not an integer for VR ${vr}`);
      const big = BigInt(v);
      if (vr === 'SV') little ? b.writeBigInt64LE(big, at) : b.writeBigInt64BE(big, at);
      else little ? b.writeBigUInt64LE(big, at) : b.writeBigUInt64BE(big, at);
      continue;
    }
    if (typeof v === 'bigint') throw new TypeError(`encodeNumbers: bigint given for VR ${vr}`);
    switch (vr) {
      case 'OB':
        b.writeUInt8(v, at);
        break;
      case 'US':
      case 'OW':
        little ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at);
        break;
      case 'SS':
        little ? b.writeInt16LE(v, at) : b.writeInt16BE(v, at);
        break;
      case 'UL':
      case 'OL':
        little ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at);
        break;
      case 'SL':
        little ? b.writeInt32LE(v, at) : b.writeInt32BE(v, at);
        break;
      case 'FL':
      case 'OF':
        little ? b.writeFloatLE(v, at) : b.writeFloatBE(v, at);
        break;
      case 'FD':
      case 'OD':
        little ? b.writeDoubleLE(v, at) : b.writeDoubleBE(v, at);
        break;
      case 'AT': {
        if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`encodeNumbers: ${v} is not a tag`);
        const g = v >>> 16;
        const e = v & 0xffff;
        if (little) {
          b.writeUInt16LE(g, at);
          b.writeUInt16LE(e, at + 2);
        } else {
          b.writeUInt16BE(g, at);
          b.writeUInt16BE(e, at + 2);
        }
        break;
      }
    }
  }
  return b;
}

/** Shortest decimal text that reads back as the same float32 (FL/OF values). */
export function float32Text(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  for (let p = 1; p <= 9; p++) {
    const s = Number(v.toPrecision(p));
    if (Math.fround(s) === v) return String(s);
  }
  return String(v);
}
