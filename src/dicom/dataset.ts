import type { Encoding } from './transfer-syntax.js';
import type { Tag } from './tag.js';

export const UNDEFINED_LENGTH = 0xffffffff;

/** [start, end) in the source the node was read from. Absent on nodes created in memory. */
export interface Span {
  start: number;
  end: number;
}

/** An encapsulated fragment; its bytes stay in the source unless replaced. */
export interface Fragment {
  /** Offset of the fragment's value in the source. */
  offset: number;
  length: number;
  span?: Span;
  /** Replacement bytes; a fragment with data is written from it. */
  data?: Buffer;
}

/**
 * One data element as read. The value stays in the source's byte order and charset; decode
 * it only when a rule needs it. Exactly one of value / bulk / items / fragments describes it.
 */
export class Element {
  /** Held bytes of a small value. */
  value?: Buffer;
  /** A value above the bulk threshold, left in the source: offset of its first byte. */
  bulkOffset?: number;
  items?: Item[];
  fragments?: Fragment[];
  /** Set when any part of this element was changed after reading. */
  modified = false;
  span?: Span;
  /** Set when the explicit VR bytes were not a known VR (kept for reports; writes use `vr`). */
  badVR?: string;

  constructor(
    readonly tag: Tag,
    public vr: string,
    /** Value length as encoded; UNDEFINED_LENGTH for undefined-length sequences and encapsulated data. */
    public length: number,
  ) {}

  get isSequence(): boolean {
    return this.items !== undefined;
  }
  get isBulk(): boolean {
    return this.bulkOffset !== undefined;
  }
  get undefinedLength(): boolean {
    return this.length === UNDEFINED_LENGTH;
  }
}

export class Item {
  modified = false;
  span?: Span;
  constructor(
    public dataset: DataSet,
    /** Item length as encoded; UNDEFINED_LENGTH when closed by an item delimiter. */
    public length: number,
  ) {}
}

/** The elements of a dataset or item, in the order read (ascending tag in well-formed files). */
export class DataSet {
  /** Set when an element was added or removed, or an element changed. */
  modified = false;
  span?: Span;
  /** Set for items whose content is encoded differently from their container (e.g. UN read as implicit SQ). */
  encoding?: Encoding;

  constructor(public elements: Element[] = []) {}

  get(tag: Tag): Element | undefined {
    // Datasets are small and mostly ascending: a linear scan beats keeping an index in sync.
    for (const e of this.elements) if (e.tag === tag) return e;
    return undefined;
  }

  has(tag: Tag): boolean {
    return this.get(tag) !== undefined;
  }

  /** Inserts or replaces, keeping ascending tag order. */
  set(el: Element): void {
    el.modified = true;
    const els = this.elements;
    let i = 0;
    while (i < els.length && els[i].tag < el.tag) i++;
    if (i < els.length && els[i].tag === el.tag) els[i] = el;
    else els.splice(i, 0, el);
    this.modified = true;
  }

  /** Replaces one element by identity (a malformed dataset may hold a tag twice), else sets. */
  replace(old: Element, next: Element): void {
    const i = this.elements.indexOf(old);
    if (i < 0) return this.set(next);
    next.modified = true;
    this.elements[i] = next;
    this.modified = true;
  }

  /** Removes one element by identity. */
  remove(el: Element): boolean {
    return this.removeAt(this.elements.indexOf(el));
  }

  delete(tag: Tag): boolean {
    return this.removeAt(this.elements.findIndex((e) => e.tag === tag));
  }

  /** Shifts the rest down in place: splice would allocate an array of the removed for every call (the engine removes dozens per file). */
  private removeAt(i: number): boolean {
    const els = this.elements;
    if (i < 0) return false;
    for (let j = i + 1; j < els.length; j++) els[j - 1] = els[j];
    els.pop();
    this.modified = true;
    return true;
  }
}

/**
 * Marks a dataset and everything below it changed, so the writer encodes every node again
 * instead of copying its source bytes (tests of the encoder, the codec bench).
 */
export function markModified(ds: DataSet): void {
  ds.modified = true;
  for (const el of ds.elements) {
    el.modified = true;
    for (const it of el.items ?? []) {
      it.modified = true;
      markModified(it.dataset);
    }
  }
}
