// Human-readable dumps of a parsed file: text in the style of DCMTK's dcmdump, and the DICOM JSON
// model of PS3.18 F.2.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DataSet, Element } from './dataset.js';
import { UNDEFINED_LENGTH } from './dataset.js';
import { lookup } from './dictionary.js';
import type { DicomFile } from './part10.js';
import { FileSource, readRange, type ByteSource } from './source.js';
import { ITEM, ITEM_DELIMITER, SEQUENCE_DELIMITER, tagHex } from './tag.js';
import { datasetContext, decodeNumbers, decodeStrings, fileContext, float32Text, isNumericVR, metaContext, swapInPlace, valueCount, type ValueContext } from './values.js';
import { binaryWidth, isStringVR } from './vr.js';

// ---------------------------------------------------------------------------------------------
// Text dump
// ---------------------------------------------------------------------------------------------

export interface DumpOptions {
  /** Include the file meta group (default true). */
  meta?: boolean;
  /** Characters of a value shown before it is cut with "..." (default 64; Infinity for all). */
  maxValueLength?: number;
  /** Append the reader's warnings as comment lines (default true). */
  warnings?: boolean;
}

/** Width the value column is padded to before the "#" comment, as dcmdump does. */
const VALUE_COLUMN = 40;
const NO_VALUE = '(no value available)';

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');
const tagText = (tag: number): string => `(${hex4(tag >>> 16)},${hex4(tag & 0xffff)})`;

function nameOf(tag: number): string {
  if (tag === ITEM) return 'Item';
  if (tag === ITEM_DELIMITER) return 'ItemDelimitationItem';
  if (tag === SEQUENCE_DELIMITER) return 'SequenceDelimitationItem';
  return lookup(tag)?.keyword || 'Unknown Tag & Data';
}

function line(depth: number, tag: number, vr: string, value: string, length: number, vm: number, name = nameOf(tag)): string {
  const len = length === UNDEFINED_LENGTH ? 'u/l' : String(length).padStart(3);
  return `${'  '.repeat(depth)}${tagText(tag)} ${vr} ${value.padEnd(VALUE_COLUMN)} # ${len},${String(vm).padStart(2)} ${name}`;
}

/** Control characters would break the one-line-per-element layout: shown escaped. */
const escapeControls = (s: string): string =>
  s.replace(/[\x00-\x1f\x7f]/g, (c) => {
    switch (c) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
    }
  });

const cut = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max)}...` : s);

interface Walk {
  max: number;
  body: ByteSource;
}

/** Number of binary values previewed: enough to fill the value column. */
const PREVIEW_VALUES = 32;

function hexUnits(b: Buffer, width: number, little: boolean): string[] {
  const parts: string[] = [];
  for (let at = 0; at + width <= b.length; at += width) {
    let s = '';
    for (let k = 0; k < width; k++) s += b[at + (little ? width - 1 - k : k)].toString(16).padStart(2, '0');
    parts.push(s);
  }
  return parts;
}

/** Values joined with backslashes, cut at a value boundary with "..." past `max` or when `more` follow. */
function joinLimited(parts: string[], max: number, more: boolean): string {
  let s = '';
  for (let i = 0; i < parts.length; i++) {
    const next = i === 0 ? parts[i] : `${s}\\${parts[i]}`;
    if (next.length > max && i > 0) return `${s}\\...`;
    if (next.length > max) return `${next.slice(0, max)}...`;
    s = next;
  }
  return more ? `${s}\\...` : s;
}

function valueText(el: Element, ctx: ValueContext, w: Walk): string {
  if (el.length === 0) return NO_VALUE;
  const vr = el.vr;
  if (el.bulkOffset !== undefined) return '(not loaded)';
  try {
    if (isStringVR(vr)) {
      const vals = decodeStrings(el, ctx);
      return vals.length === 0 ? NO_VALUE : `[${cut(escapeControls(vals.join('\\')), w.max)}]`;
    }
    const b = el.value;
    if (!b) return NO_VALUE;
    const width = vr === 'OB' || vr === 'UN' || vr === '' ? 1 : binaryWidth(vr);
    const limit = { limit: PREVIEW_VALUES, maxBytes: Infinity };
    let parts: string[];
    switch (vr) {
      case 'AT':
        parts = (decodeNumbers(el, ctx.little, limit) as number[]).map(tagText);
        break;
      case 'FL':
      case 'OF':
        parts = (decodeNumbers(el, ctx.little, limit) as number[]).map(float32Text);
        break;
      case 'US':
      case 'SS':
      case 'UL':
      case 'SL':
      case 'SV':
      case 'UV':
      case 'FD':
      case 'OD':
        parts = (decodeNumbers(el, ctx.little, limit) as (number | bigint)[]).map(String);
        break;
      default: // OB, OW, OL, OV, UN and anything unknown: hex, in the value's own unit width
        parts = hexUnits(b.subarray(0, Math.min(b.length, PREVIEW_VALUES * width)), width, ctx.little);
    }
    if (parts.length === 0) return NO_VALUE;
    return joinLimited(parts, w.max, el.length > PREVIEW_VALUES * width);
  } catch (e) {
    return `(cannot decode: ${(e as Error).message})`;
  }
}

function* datasetLines(ds: DataSet, ctx: ValueContext, depth: number, w: Walk): Generator<string> {
  for (const el of ds.elements) yield* elementLines(el, ctx, depth, w);
}

function* elementLines(el: Element, ctx: ValueContext, depth: number, w: Walk): Generator<string> {
  if (el.tag >>> 16 === 0xfffe && el.items === undefined) {
    // A stray item or delimiter kept by the reader.
    yield line(depth, el.tag, 'na', `(stray ${nameOf(el.tag)} outside a sequence)`, el.length, 0);
    return;
  }
  if (el.items !== undefined) {
    const defined = el.length !== UNDEFINED_LENGTH;
    yield line(depth, el.tag, el.vr, `(Sequence with ${defined ? 'explicit' : 'undefined'} length #=${el.items.length})`, el.length, 1);
    for (const item of el.items) {
      const itemCtx = datasetContext(item.dataset, ctx);
      const itemDefined = item.length !== UNDEFINED_LENGTH;
      yield line(depth + 1, ITEM, 'na', `(Item with ${itemDefined ? 'explicit' : 'undefined'} length #=${item.dataset.elements.length})`, item.length, 1);
      yield* datasetLines(item.dataset, itemCtx, depth + 2, w);
      yield line(depth + 1, ITEM_DELIMITER, 'na', itemDefined ? '(ItemDelimitationItem for re-encoding)' : '(ItemDelimitationItem)', 0, 0);
    }
    yield line(depth, SEQUENCE_DELIMITER, 'na', defined ? '(SequenceDelimitationItem for re-encod.)' : '(SequenceDelimitationItem)', 0, 0);
    return;
  }
  if (el.fragments !== undefined) {
    yield line(depth, el.tag, el.vr, `(PixelSequence #=${el.fragments.length})`, el.length, 1);
    for (const fr of el.fragments) {
      let text = NO_VALUE;
      if (fr.length > 0) {
        const n = Math.min(fr.length, PREVIEW_VALUES);
        const head = fr.data ? fr.data.subarray(0, n) : readRange(w.body, fr.offset, n);
        text = joinLimited(hexUnits(head, 1, true), w.max, fr.length > n);
      }
      yield line(depth + 1, ITEM, 'pi', text, fr.length, 1);
    }
    yield line(depth, SEQUENCE_DELIMITER, 'na', '(SequenceDelimitationItem)', 0, 0);
    return;
  }
  let vm: number;
  try {
    vm = el.bulkOffset !== undefined && isStringVR(el.vr) ? 1 : valueCount(el, ctx);
  } catch {
    vm = 1;
  }
  yield line(depth, el.tag, el.vr || 'na', valueText(el, ctx, w), el.length, vm);
}

const encodingName = (e: { explicit: boolean; little: boolean }): string => `${e.explicit ? 'Explicit' : 'Implicit'} VR ${e.little ? 'Little' : 'Big'} Endian`;

/** The dump, line by line: the file meta group, then the dataset, like dcmdump. */
export function* dumpLines(f: DicomFile, opts: DumpOptions = {}): Generator<string> {
  const max = opts.maxValueLength ?? 64;
  if (f.meta && opts.meta !== false) {
    yield '';
    yield '# Dicom-File-Format';
    yield '';
    yield '# Dicom-Meta-Information-Header';
    yield `# Used TransferSyntax: ${encodingName(f.metaEncoding)}`;
    yield* datasetLines(f.meta, metaContext(f), 0, { max, body: f.source });
  }
  yield '';
  yield '# Dicom-Data-Set';
  const declared = f.transferSyntax.encoding;
  const asRead = declared.explicit !== f.encoding.explicit || declared.little !== f.encoding.little ? ` (read as ${encodingName(f.encoding)})` : '';
  yield `# Used TransferSyntax: ${f.transferSyntax.name}${asRead}`;
  yield* datasetLines(f.dataset, fileContext(f), 0, { max, body: f.body });
  if (opts.warnings !== false && f.warnings.length > 0) {
    yield '';
    for (const w of f.warnings) yield `# Warning: ${escapeControls(w)}`;
  }
}

/** The dump as one string (lines ending in "\n"). */
export function dumpText(f: DicomFile, opts: DumpOptions = {}): string {
  let s = '';
  for (const l of dumpLines(f, opts)) s += `${l}\n`;
  return s;
}

// ---------------------------------------------------------------------------------------------
// DICOM JSON model (PS3.18 F.2)
// ---------------------------------------------------------------------------------------------

export interface JsonPersonName {
  Alphabetic?: string;
  Ideographic?: string;
  Phonetic?: string;
}

export type JsonValue = string | number | JsonPersonName | JsonDataSet | null;

export interface JsonElement {
  vr: string;
  Value?: JsonValue[];
  InlineBinary?: string;
  BulkDataURI?: string;
}

export type JsonDataSet = { [tag: string]: JsonElement };

export interface JsonOptions {
  /** Include the file meta group (group 0002), which is not part of the model (default false). */
  meta?: boolean;
  /** Binary values held in memory and shorter than this are inlined as base64 (default 64 KiB). */
  inlineBelow?: number;
  /** Path for BulkDataURI (default: the path the file was opened from). */
  path?: string;
}

interface JsonWalk {
  inlineBelow: number;
  /** Base of BulkDataURIs, up to and including the "?" and any fixed parameters. */
  uriBase: string;
}

const BINARY = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);

const IS_RE = /^[+-]?\d+$/;
const DS_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** IS and DS values as numbers (F.2.3); values that are not valid numbers stay strings. */
function numberString(v: string, vr: string): number | string | null {
  if (v === '') return null;
  if (vr === 'IS' ? IS_RE.test(v) : DS_RE.test(v)) {
    const n = Number(v);
    if (Number.isFinite(n) && (vr !== 'IS' || Number.isSafeInteger(n))) return n;
  }
  return v;
}

/** JSON numbers cannot be NaN or infinite, nor exact beyond 2^53: those go as strings. */
function jsonNumber(v: number | bigint, vr: string): number | string {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (!Number.isFinite(v)) return String(v);
  return vr === 'FL' ? Number(float32Text(v)) : v;
}

function personName(v: string): JsonPersonName | null {
  if (v === '') return null;
  const [a, i, p] = v.split('=');
  const o: JsonPersonName = {};
  if (a) o.Alphabetic = a;
  if (i) o.Ideographic = i;
  if (p) o.Phonetic = p;
  return o;
}

/** Offset of the value bytes of an element in its source, when known. */
function valueOffset(el: Element): number | undefined {
  if (el.bulkOffset !== undefined) return el.bulkOffset;
  if (el.span && el.length !== UNDEFINED_LENGTH) return el.span.end - el.length;
  return undefined;
}

function binaryJson(el: Element, ctx: ValueContext, w: JsonWalk): JsonElement {
  const out: JsonElement = { vr: el.vr };
  if (el.length === 0) return out;
  if (el.value !== undefined && (el.value.length < w.inlineBelow || valueOffset(el) === undefined)) {
    let b = el.value;
    const width = binaryWidth(el.vr);
    if (!ctx.little && width > 1) b = swapInPlace(Buffer.from(b), width); // the model's binary is little endian
    out.InlineBinary = b.toString('base64');
    return out;
  }
  out.BulkDataURI = `${w.uriBase}offset=${valueOffset(el)}&length=${el.length}`;
  return out;
}

function elementJson(el: Element, ctx: ValueContext, w: JsonWalk): JsonElement | undefined {
  const vr = el.vr;
  if (el.items !== undefined) {
    // An undefined-length UN read as a sequence (PS3.5 6.2.2) is given as the sequence it is.
    const out: JsonElement = { vr: 'SQ' };
    if (el.items.length > 0) out.Value = el.items.map((item) => datasetJson(item.dataset, datasetContext(item.dataset, ctx), w));
    return out;
  }
  if (el.fragments !== undefined) {
    // Encapsulated data: the URI covers the items (offset table and fragments) and the delimiter.
    const out: JsonElement = { vr };
    const first = el.fragments[0];
    if (first && el.span) {
      const start = first.span ? first.span.start : first.offset - 8;
      out.BulkDataURI = `${w.uriBase}offset=${start}&length=${el.span.end - start}`;
    }
    return out;
  }
  if (vr === '' || el.tag >>> 16 === 0xfffe) return undefined; // stray item or delimiter
  if (BINARY.has(vr)) return binaryJson(el, ctx, w);
  const out: JsonElement = { vr };
  if (el.length === 0) return out;
  if (isStringVR(vr)) {
    const vals = decodeStrings(el, ctx);
    if (vals.length === 0) return out;
    if (vr === 'PN') out.Value = vals.map(personName);
    else if (vr === 'IS' || vr === 'DS') out.Value = vals.map((v) => numberString(v, vr));
    else out.Value = vals.map((v) => (v === '' ? null : v));
    return out;
  }
  if (isNumericVR(vr)) {
    const nums = decodeNumbers(el, ctx.little, { source: ctx.source, maxBytes: Infinity }) as (number | bigint)[];
    if (nums.length === 0) return out;
    out.Value = vr === 'AT' ? nums.map((t) => tagHex(Number(t))) : nums.map((n) => jsonNumber(n, vr));
    return out;
  }
  return binaryJson(el, ctx, w); // an unknown VR: its bytes
}

function datasetJson(ds: DataSet, ctx: ValueContext, w: JsonWalk): JsonDataSet {
  const out: JsonDataSet = {};
  for (const el of ds.elements) {
    const j = elementJson(el, ctx, w);
    if (j) out[tagHex(el.tag)] = j;
  }
  return out;
}

function uriBase(f: DicomFile, path: string | undefined, deflated: boolean): string {
  const p = path ?? (f.source instanceof FileSource ? f.source.path : undefined);
  // Offsets of a deflated file's dataset count in its inflated stream, not in the file.
  const prefix = p === undefined ? '' : pathToFileURL(resolve(p)).href;
  return `${prefix}?${deflated ? 'inflated=true&' : ''}`;
}

/**
 * The DICOM JSON model (PS3.18 F.2) of the file's dataset: keys are tags as 8 uppercase hex
 * digits, values {vr, Value | InlineBinary | BulkDataURI}. Empty values have no Value; empty
 * values among several are null. BulkDataURIs are `file://<path>?offset=N&length=M`, N counted in
 * the file (in the inflated stream for deflated files, marked `inflated=true`).
 */
export function dumpJson(f: DicomFile, opts: JsonOptions = {}): JsonDataSet {
  const inlineBelow = opts.inlineBelow ?? 64 * 1024;
  const w: JsonWalk = { inlineBelow, uriBase: uriBase(f, opts.path, f.body !== f.source) };
  const data = datasetJson(f.dataset, fileContext(f), w);
  if (!opts.meta || !f.meta) return data;
  const meta = datasetJson(f.meta, metaContext(f), { inlineBelow, uriBase: uriBase(f, opts.path, false) });
  return { ...meta, ...data };
}
