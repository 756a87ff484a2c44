import { Cursor, headerName } from './cursor.js';
import { DataSet, Element, Item, UNDEFINED_LENGTH, type Fragment } from './dataset.js';
import { implicitVR } from './dictionary.js';
import { DicomError } from './errors.js';
import { formatTag, ITEM, ITEM_DELIMITER, PIXEL_DATA, SEQUENCE_DELIMITER, type Tag } from './tag.js';
import { IMPLICIT_BE, IMPLICIT_LE, type Encoding } from './transfer-syntax.js';
import { hasLongLength, isVR, VRS } from './vr.js';
import { DEFAULT_BULK_THRESHOLD, type Header, type ReadOptions } from './read-options.js';

export { DEFAULT_BULK_THRESHOLD, type ReadOptions } from './read-options.js';

/** The known VRs by their two bytes: one shared string each instead of a new one per element header. */
const VR_BY_CODE = new Map<number, string>(VRS.map((vr) => [(vr.charCodeAt(0) << 8) | vr.charCodeAt(1), vr]));

/**
 * Reads datasets from a cursor. Every node records its source span so that the writer can copy
 * untouched nodes byte for byte; values above the bulk threshold are skipped, not read.
 */
export class DataSetReader {
  private readonly bulkThreshold: number;
  private readonly maxDepth: number;
  /** Path of the element being read, for errors: tags and item indexes. */
  private readonly path: (Tag | number)[] = [];
  private depth = 0;
  warnings: string[] = [];

  constructor(
    readonly cur: Cursor,
    opts: ReadOptions = {},
  ) {
    this.bulkThreshold = opts.bulkThreshold ?? DEFAULT_BULK_THRESHOLD;
    this.maxDepth = opts.maxDepth ?? 64;
  }

  /** Element path such as "(0040,0275)[0].(0008,1150)". */
  pathString(): string {
    let s = '';
    for (let i = 0; i < this.path.length; i += 2) {
      s += (i ? '.' : '') + formatTag(this.path[i]);
      if (i + 1 < this.path.length) s += `[${this.path[i + 1]}]`;
    }
    return s;
  }

  private fail(code: DicomError['code'], message: string, offset = this.cur.pos): never {
    throw new DicomError({ code, message, offset, path: this.pathString() || undefined });
  }

  /** Wraps an error from below with the current path (innermost wins). */
  private withPath<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof DicomError && e.path === undefined) e.path = this.pathString() || undefined;
      throw e;
    }
  }

  /**
   * Reads a top-level dataset to `end`. With `stopAtGroup`, stops before the first element whose
   * group differs (used for the file meta group, group 0002).
   */
  readTopLevel(
    enc: Encoding,
    opts: { stopUnlessGroup?: number; allowTrailingZeros?: boolean } = {},
  ): {
    dataset: DataSet;
    trailingStart?: number;
  } {
    return this.withPath(() => {
      const ds = new DataSet();
      const start = this.cur.pos;
      let trailingStart: number | undefined;
      while (this.cur.pos < this.cur.end) {
        if (opts.stopUnlessGroup !== undefined) {
          if (this.cur.remaining < 8) break;
          const i = this.cur.need(2);
          const group = this.cur.bytes.readUInt16LE(i);
          if (group !== opts.stopUnlessGroup) break;
        }
        // Zero padding after the dataset is kept; fewer zeros than a header is a cut, not padding.
        if (opts.allowTrailingZeros && this.cur.remaining >= 8 && this.atZeroTag(enc) && this.cur.restIsZero()) {
          trailingStart = this.cur.pos;
          this.cur.pos = this.cur.end;
          break;
        }
        ds.elements.push(this.readElement(enc));
      }
      ds.span = { start, end: trailingStart ?? this.cur.pos };
      return { dataset: ds, trailingStart };
    });
  }

  private atZeroTag(enc: Encoding): boolean {
    if (this.cur.remaining < 4) return this.cur.restIsZero();
    const i = this.cur.need(4);
    return (enc.little ? this.cur.bytes.readUInt32LE(i) : this.cur.bytes.readUInt32BE(i)) === 0;
  }

  private readHeader(enc: Encoding): Header {
    const cur = this.cur;
    const i = cur.need(8, 'element header');
    const b = cur.bytes;
    const little = enc.little;
    const group = little ? b.readUInt16LE(i) : b.readUInt16BE(i);
    const elem = little ? b.readUInt16LE(i + 2) : b.readUInt16BE(i + 2);
    const tag = ((group << 16) | elem) >>> 0;
    if (group === 0xfffe || !enc.explicit) {
      // Items and delimiters carry no VR in any encoding.
      const length = little ? b.readUInt32LE(i + 4) : b.readUInt32BE(i + 4);
      cur.pos += 8;
      return { tag, vr: group === 0xfffe ? '' : implicitVR(tag), length };
    }
    const vr = VR_BY_CODE.get((b[i + 4] << 8) | b[i + 5]) ?? String.fromCharCode(b[i + 4], b[i + 5]);
    if (isVR(vr)) {
      if (hasLongLength(vr)) {
        const j = cur.need(12, 'element header');
        const bb = cur.bytes;
        const length = little ? bb.readUInt32LE(j + 8) : bb.readUInt32BE(j + 8);
        cur.pos += 12;
        return { tag, vr, length };
      }
      const length = little ? b.readUInt16LE(i + 6) : b.readUInt16BE(i + 6);
      cur.pos += 8;
      return { tag, vr, length };
    }
    return this.recoverBadVR(tag, vr, enc);
  }

  /**
   * Explicit VR bytes that name no VR. Writers have emitted unknown VRs, blanks, and even no
   * length at all; take the length form (long, short, none) after which the next header reads
   * plausibly, and the dictionary's VR for the value.
   */
  private recoverBadVR(tag: Tag, raw: string, enc: Encoding): Header {
    const cur = this.cur;
    const start = cur.pos;
    const i = cur.need(8);
    const b = cur.bytes;
    const shortLen = enc.little ? b.readUInt16LE(i + 6) : b.readUInt16BE(i + 6);
    const longLen = cur.remaining >= 12 ? this.peekU32(start + 8, enc) : undefined;
    const forms: [string, number, number][] = [];
    if (b[i + 6] === 0 && b[i + 7] === 0 && longLen !== undefined) forms.push(['long', 12, longLen]);
    forms.push(['short', 8, shortLen], ['no', 6, 0]);
    const vr = implicitVR(tag) || 'UN';
    for (const [form, headerLen, length] of forms) {
      const next = start + headerLen + (length === UNDEFINED_LENGTH ? 0 : length);
      if (next > cur.end) continue;
      if (length !== UNDEFINED_LENGTH && !this.plausibleNext(next, enc, tag >>> 16)) continue;
      cur.pos = start + headerLen;
      this.warnings.push(`${formatTag(tag)} at ${start}: invalid VR ${JSON.stringify(raw)} read as ${vr} (${form} length form)`);
      return { tag, vr, length, badVR: raw };
    }
    this.path.push(tag); // the error names the element itself
    this.fail('BAD_VR', `${formatTag(tag)}: invalid VR ${JSON.stringify(raw)} and no length form fits`, start);
  }

  private peekU32(at: number, enc: Encoding): number {
    const save = this.cur.pos;
    this.cur.pos = at;
    try {
      return this.cur.u32(enc.little);
    } finally {
      this.cur.pos = save;
    }
  }

  /** Whether an element header (or delimiter, or the end) can start at `at`: a VR, or the same group. */
  private plausibleNext(at: number, enc: Encoding, group: number): boolean {
    if (at >= this.cur.end) return true;
    if (this.cur.end - at < 8) return false;
    const save = this.cur.pos;
    this.cur.pos = at;
    try {
      const i = this.cur.need(8);
      const b = this.cur.bytes;
      const next = enc.little ? b.readUInt16LE(i) : b.readUInt16BE(i);
      return next === 0xfffe || next === group || isVR(String.fromCharCode(b[i + 4], b[i + 5]));
    } finally {
      this.cur.pos = save;
    }
  }

  readElement(enc: Encoding): Element {
    const cur = this.cur;
    const start = cur.pos;
    let h: Header;
    try {
      h = this.readHeader(enc);
    } catch (e) {
      // A header that cannot be read still names its element when its tag can be: the path says where.
      if (e instanceof DicomError && e.path === undefined) e.path = [this.pathString(), headerName(cur, start, enc.little)].filter(Boolean).join('.');
      throw e;
    }
    if (h.tag >>> 16 === 0xfffe) {
      // An item without its sequence header, or a doubled delimiter, left by a faulty writer:
      // kept as an opaque node that no rule knows (so de-identification drops it).
      if (h.length === UNDEFINED_LENGTH || (h.length !== 0 && h.tag !== ITEM) || cur.pos + h.length > cur.end) {
        this.fail('BAD_DELIMITER', `unexpected ${formatTag(h.tag)} outside a sequence`, start);
      }
      this.warnings.push(`${formatTag(h.tag)} at ${start}: stray item or delimiter (${h.length} bytes) kept as it is`);
      const stray = new Element(h.tag, '', h.length);
      stray.value = cur.take(h.length);
      stray.span = { start, end: cur.pos };
      return stray;
    }
    const el = new Element(h.tag, h.vr, h.length);
    if (h.badVR !== undefined) el.badVR = h.badVR;
    this.path.push(h.tag);
    try {
      if (h.length === UNDEFINED_LENGTH) {
        this.readUndefinedLength(el, enc);
      } else if (h.vr === 'SQ') {
        this.readItems(el, enc, cur.pos + h.length);
      } else {
        if (cur.pos + h.length > cur.end) {
          this.fail('TRUNCATED', `value of ${h.length} bytes runs past the end (${cur.end - cur.pos} remain)`, start);
        }
        if (h.length > this.bulkThreshold) {
          el.bulkOffset = cur.pos;
          cur.skip(h.length);
        } else {
          el.value = cur.take(h.length);
        }
      }
    } catch (e) {
      // An error from below (the cursor running out inside a value or its fragments) names this element.
      if (e instanceof DicomError && e.path === undefined) e.path = this.pathString();
      throw e;
    } finally {
      this.path.pop();
    }
    el.span = { start, end: cur.pos };
    return el;
  }

  /** The items of a defined-length sequence value, from the cursor to `end` (e.g. a UN value that is a sequence). */
  readItemsTo(enc: Encoding, end: number): Item[] {
    const el = new Element(0, 'SQ', end - this.cur.pos);
    this.readItems(el, enc, end);
    return el.items!;
  }

  private readUndefinedLength(el: Element, enc: Encoding): void {
    const vr = el.vr;
    if (vr === 'SQ') return this.readItems(el, enc, undefined);
    if (vr === 'UN' && enc.explicit) {
      // PS3.5 6.2.2: an undefined-length UN is a sequence encoded as implicit VR little endian.
      // Encapsulated data mislabelled UN fails that reading; fall back to fragments.
      const save = this.cur.pos;
      const savedWarnings = this.warnings.length;
      try {
        this.readItems(el, IMPLICIT_LE, undefined);
        return;
      } catch (e) {
        if (!(e instanceof DicomError) || e.code === 'NESTING_TOO_DEEP') throw e;
        this.cur.pos = save;
        this.warnings.length = savedWarnings;
        el.items = undefined;
      }
      return this.readFragments(el, enc);
    }
    if (!enc.explicit && el.tag !== PIXEL_DATA && el.tag >>> 16 !== 0x7fe0) return this.readItems(el, enc, undefined);
    if (vr === 'OB' || vr === 'OW' || vr === 'UN' || el.tag === PIXEL_DATA) return this.readFragments(el, enc);
    this.fail('BAD_LENGTH', `undefined length is not allowed for VR ${vr}`);
  }

  private enter(): void {
    if (++this.depth > this.maxDepth) {
      this.fail('NESTING_TOO_DEEP', `sequences nested deeper than ${this.maxDepth}`);
    }
  }

  /** Items of a sequence, to the sequence delimiter (end undefined) or to `end`. */
  private readItems(el: Element, enc: Encoding, end: number | undefined): void {
    const cur = this.cur;
    if (end !== undefined && end > cur.end) {
      this.fail('TRUNCATED', `sequence of ${end - cur.pos} bytes runs past the end (${cur.end - cur.pos} remain)`);
    }
    this.enter();
    const items: Item[] = [];
    el.items = items;
    const outer = end === undefined ? undefined : end;
    for (;;) {
      if (outer !== undefined && cur.pos >= outer) {
        if (cur.pos > outer) this.fail('BAD_LENGTH', `sequence items overrun the sequence length by ${cur.pos - outer} bytes`);
        break;
      }
      const itemStart = cur.pos;
      const tag = this.itemTag(enc);
      const length = cur.u32(enc.little);
      if (tag === SEQUENCE_DELIMITER) {
        if (outer !== undefined) this.fail('BAD_DELIMITER', 'sequence delimiter inside a defined-length sequence', itemStart);
        break;
      }
      if (tag !== ITEM) this.fail('BAD_ITEM', `expected an item in the sequence, found ${formatTag(tag)}`, itemStart);
      this.path.push(items.length);
      try {
        items.push(this.readItem(enc, length, itemStart, outer));
      } finally {
        this.path.pop();
      }
    }
    this.depth--;
  }

  private itemTag(enc: Encoding): Tag {
    const i = this.cur.need(8, 'item header');
    const b = this.cur.bytes;
    const g = enc.little ? b.readUInt16LE(i) : b.readUInt16BE(i);
    const e = enc.little ? b.readUInt16LE(i + 2) : b.readUInt16BE(i + 2);
    this.cur.pos += 4;
    return ((g << 16) | e) >>> 0;
  }

  private readItem(enc: Encoding, length: number, itemStart: number, outer: number | undefined): Item {
    const cur = this.cur;
    const ds = new DataSet();
    const dsStart = cur.pos;
    const itemEnc = this.itemEncoding(enc, length);
    if (itemEnc !== enc) ds.encoding = itemEnc;
    if (length === UNDEFINED_LENGTH) {
      for (;;) {
        const i = cur.need(4, 'item content');
        const b = cur.bytes;
        const g = enc.little ? b.readUInt16LE(i) : b.readUInt16BE(i);
        const e = enc.little ? b.readUInt16LE(i + 2) : b.readUInt16BE(i + 2);
        const tag = ((g << 16) | e) >>> 0;
        if (tag === ITEM_DELIMITER) {
          ds.span = { start: dsStart, end: cur.pos };
          cur.skip(8, 'item delimiter');
          break;
        }
        if (tag === SEQUENCE_DELIMITER) this.fail('BAD_DELIMITER', 'sequence delimiter inside an item');
        ds.elements.push(this.readElement(itemEnc));
      }
    } else {
      const end = cur.pos + length;
      if (end > cur.end || (outer !== undefined && end > outer)) {
        this.fail('BAD_LENGTH', `item of ${length} bytes runs past its ${outer !== undefined && end <= cur.end ? 'sequence' : 'input'}`, itemStart);
      }
      while (cur.pos < end) {
        const el = this.readElement(itemEnc);
        if (cur.pos > end) this.fail('BAD_LENGTH', `element ${formatTag(el.tag)} overruns its item by ${cur.pos - end} bytes`);
        ds.elements.push(el);
      }
      ds.span = { start: dsStart, end: cur.pos };
    }
    const item = new Item(ds, length);
    item.span = { start: itemStart, end: cur.pos };
    return item;
  }

  /**
   * Some writers encode items implicitly inside explicit files. An item whose first element has
   * no valid VR but reads well as implicit is taken as implicit.
   */
  private itemEncoding(enc: Encoding, length: number): Encoding {
    if (!enc.explicit || length === 0) return enc;
    const cur = this.cur;
    if (cur.remaining < 8) return enc;
    const i = cur.need(8);
    const b = cur.bytes;
    const g = enc.little ? b.readUInt16LE(i) : b.readUInt16BE(i);
    if (g === 0xfffe) return enc;
    if (isVR(String.fromCharCode(b[i + 4], b[i + 5]))) return enc;
    const implicitLen = enc.little ? b.readUInt32LE(i + 4) : b.readUInt32BE(i + 4);
    const fits = implicitLen === UNDEFINED_LENGTH || cur.pos + 8 + implicitLen <= (length === UNDEFINED_LENGTH ? cur.end : cur.pos + length);
    if (!fits) return enc;
    this.warnings.push(`${this.pathString()}: item encoded as implicit VR inside an explicit VR dataset`);
    return enc.little ? IMPLICIT_LE : IMPLICIT_BE;
  }

  /** Encapsulated data: a basic offset table item, then fragments, then the sequence delimiter. */
  private readFragments(el: Element, enc: Encoding): void {
    const cur = this.cur;
    const frags: Fragment[] = [];
    for (;;) {
      const start = cur.pos;
      if (start === cur.end && frags.length > 0) {
        this.warnings.push(`${this.pathString()}: encapsulated data ends at the end of input without a sequence delimiter`);
        break;
      }
      const tag = this.itemTag(enc);
      const length = cur.u32(enc.little);
      if (tag === SEQUENCE_DELIMITER) break;
      if (tag !== ITEM) this.fail('BAD_ITEM', `expected a fragment item, found ${formatTag(tag)}`, start);
      if (length === UNDEFINED_LENGTH) this.fail('BAD_LENGTH', 'fragment with undefined length', start);
      if (cur.pos + length > cur.end) {
        this.fail('TRUNCATED', `fragment ${frags.length} of ${length} bytes runs past the end (${cur.end - cur.pos} remain)`, start);
      }
      frags.push({ offset: cur.pos, length, span: { start, end: cur.pos + length } });
      cur.skip(length);
    }
    el.fragments = frags;
  }
}
