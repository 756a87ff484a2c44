// Walking a parsed file for the verifier: every element at every depth with its path, its value
// context and (for private elements) the creator of its block.

import { createHash } from 'node:crypto';
import type { DataSet, Element } from '../dicom/dataset.js';
import type { DicomFile } from '../dicom/part10.js';
import { readRange, type ByteSource } from '../dicom/source.js';
import { formatTag, isPrivateCreator, type Tag } from '../dicom/tag.js';
import { datasetContext, decodeStrings, fileContext, metaContext, valueBytes, type ValueContext } from '../dicom/values.js';
import { isStringVR } from '../dicom/vr.js';

export interface Visit {
  el: Element;
  path: string;
  ctx: ValueContext;
  depth: number;
  creator?: string;
}

const blockKey = (tag: Tag): number => ((tag >>> 16) << 8) | ((tag >>> 8) & 0xff);

/** Every element of a dataset, depth first, sequences before their items' elements. */
export function* walk(ds: DataSet, inherited: ValueContext, prefix = '', depth = 0): Generator<Visit> {
  const ctx = datasetContext(ds, inherited);
  const creators = new Map<number, string>();
  for (const el of ds.elements) {
    if (isPrivateCreator(el.tag)) {
      const v = strings(el, ctx);
      creators.set(((el.tag >>> 16) << 8) | (el.tag & 0xff), (v?.[0] ?? '').trim());
    }
  }
  for (const el of ds.elements) {
    const path = `${prefix}${prefix ? '.' : ''}${formatTag(el.tag)}`;
    const creator = (el.tag >>> 16) & 1 && !isPrivateCreator(el.tag) ? creators.get(blockKey(el.tag)) : undefined;
    yield { el, path, ctx, depth, creator };
    if (el.items) {
      for (let i = 0; i < el.items.length; i++) yield* walk(el.items[i].dataset, ctx, `${path}[${i}]`, depth + 1);
    }
  }
}

export function* walkFile(f: DicomFile): Generator<Visit> {
  yield* walk(f.dataset, fileContext(f));
}

export function* walkMeta(f: DicomFile): Generator<Visit> {
  if (f.meta) yield* walk(f.meta, metaContext(f));
}

/** Decoded string values, or undefined when the element holds none or cannot be decoded. */
export function strings(el: Element, ctx: ValueContext): string[] | undefined {
  if (el.items || el.fragments || !isStringVR(el.vr)) return undefined;
  if (el.value === undefined && (el.bulkOffset === undefined || el.length > 4 * 1024 * 1024)) return undefined;
  try {
    return decodeStrings(el, ctx).map((s) => s.trim());
  } catch {
    return undefined;
  }
}

/** The raw value bytes of a leaf, when small enough to search (sequences and fragments excluded). */
export function rawBytes(el: Element, ctx: ValueContext, max = 4 * 1024 * 1024): Buffer | undefined {
  if (el.items || el.fragments || el.length > max) return undefined;
  try {
    return valueBytes(el, ctx.source);
  } catch {
    return undefined;
  }
}

/** The top-level string value of a tag, values joined by a backslash. */
export function topString(f: DicomFile, tag: Tag): string | undefined {
  const el = f.dataset.get(tag);
  if (!el) return undefined;
  const v = strings(el, fileContext(f));
  return v === undefined ? undefined : v.join('\\');
}

/** SHA-256 of an element's value bytes (or its fragments), read in blocks from the source. */
export function hashValue(el: Element, source: ByteSource): string {
  const h = createHash('sha256');
  const BLOCK = 1 << 20;
  const range = (offset: number, length: number): void => {
    for (let at = 0; at < length; at += BLOCK) h.update(readRange(source, offset + at, Math.min(BLOCK, length - at)));
  };
  if (el.fragments) {
    for (const fr of el.fragments) {
      h.update(`F${fr.length}:`);
      if (fr.data) h.update(fr.data);
      else range(fr.offset, fr.length);
    }
  } else if (el.value !== undefined) {
    h.update(el.value);
  } else if (el.bulkOffset !== undefined) {
    range(el.bulkOffset, el.length);
  }
  return h.digest('hex');
}
