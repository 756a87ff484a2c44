/**
 * DICOMDIR byte offsets (PS3.3 F.3, PS3.10): the directory records of a Media Storage Directory
 * form a tree through UL offsets counted from the first byte of the file (preamble included),
 * each pointing at a record's item tag. (0004,1200)/(0004,1202) at the top level name the first/
 * last record of the root entity; every record has (0004,1400) (next record of its entity) and
 * (0004,1420) (first record of its lower-level entity); 0 means none.
 *
 * This module reads those links and rewrites them for the output as the writer will lay it out;
 * what the records mean (patients, de-identification) is src/deid/dicomdir.ts's business.
 */
import { AnonError } from '../errors.js';
import { Element, type DataSet, type Item } from './dataset.js';
import type { DicomFile } from './part10.js';
import { formatTag, type Tag } from './tag.js';
import {
  DirectoryRecordSequence,
  OffsetOfReferencedLowerLevelDirectoryEntity,
  OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity,
  OffsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity,
  OffsetOfTheNextDirectoryRecord,
} from './tags.generated.js';
import { IMPLICIT_LE, type Encoding } from './transfer-syntax.js';
import { Encoder } from './write.js';

export type DirectoryErrorCode =
  | 'DIRECTORY_UNSUPPORTED' // a directory whose offsets cannot be worked out (deflated, records not a sequence)
  | 'DIRECTORY_BROKEN'; // an offset that is malformed or points at no record

/** Thrown instead of writing a directory whose links would be made up or silently cut. */
export class DirectoryError extends AnonError<DirectoryErrorCode> {
  constructor(code: DirectoryErrorCode, message: string, path?: string) {
    super(code, message, { path });
  }
}

export const TOP_OFFSETS: readonly Tag[] = [OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity, OffsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity];
export const RECORD_OFFSETS: readonly Tag[] = [OffsetOfTheNextDirectoryRecord, OffsetOfReferencedLowerLevelDirectoryEntity];

export const recordPath = (i: number): string => `${formatTag(DirectoryRecordSequence)}[${i}]`;

/** The directory records, or no sequence; fails on a sequence that was not read as one. */
export function directoryRecords(f: DicomFile): { seq?: Element; items: Item[] } {
  const seq = f.dataset.get(DirectoryRecordSequence);
  if (!seq) return { items: [] };
  if (!seq.items) {
    throw new DirectoryError('DIRECTORY_UNSUPPORTED', 'Directory Record Sequence is not readable as a sequence (encoded as UN?)', formatTag(DirectoryRecordSequence));
  }
  return { seq, items: seq.items };
}

/**
 * The reader's spans are positions in the body it read; for a file that is not deflated the body
 * is the file itself, so item.span.start is what (0004,1200) and friends hold. A deflated
 * DICOMDIR has no meaningful offsets (PS3.10 requires Explicit VR Little Endian for it).
 */
export function assertOffsetsReadable(f: DicomFile): void {
  if (f.deflated || f.body !== f.source) {
    throw new DirectoryError('DIRECTORY_UNSUPPORTED', 'deflated DICOMDIR: its directory record offsets cannot be recomputed', formatTag(DirectoryRecordSequence));
  }
}

/** Original values replaced by rewriteDirectoryOffsets, so a second call maps from the same offsets. */
const ORIGINAL_OFFSET = new WeakMap<Element, number>();

/** The value of a UL offset element, or undefined if absent; throws on a malformed one. */
export function readOffset(el: Element | undefined, little: boolean, path: string): number | undefined {
  // Present but empty (a Philips DICOMDIR linking its records by Referenced File ID only): no offset.
  if (!el || (el.length === 0 && !el.items && !el.fragments)) return undefined;
  const original = ORIGINAL_OFFSET.get(el);
  if (original !== undefined) return original;
  if (!el.value || el.value.length !== 4 || el.items || el.fragments) {
    throw new DirectoryError('DIRECTORY_BROKEN', `directory offset is not a single 4-byte UL value`, path);
  }
  return little ? el.value.readUInt32LE(0) : el.value.readUInt32BE(0);
}

export const littleOf = (ds: DataSet, f: DicomFile): boolean => (ds.encoding ?? f.encoding).little;

/** The offset held in a record's element, as read (see readOffset). */
export const recordOffset = (f: DicomFile, items: Item[], i: number, tag: Tag): number | undefined =>
  readOffset(items[i].dataset.get(tag), littleOf(items[i].dataset, f), `${recordPath(i)}.${formatTag(tag)}`);

/**
 * Where each record item will start in the output, counted from the file's first byte, following
 * planOutput (file.ts) and the Encoder's sizes: preamble, meta (its group length recomputed to the
 * same 12 bytes), the body's elements before (0004,1220), the sequence's header, the items before.
 */
export function outputPositions(f: DicomFile, seq: Element): Map<Item, number> {
  let pos = f.preamble ? 132 : 0;
  if (f.meta) pos += new Encoder(f.source).dataSetSize(f.meta, f.metaEncoding);
  else if (f.bodyStart > 0) pos += f.bodyStart; // stray bytes before a raw dataset are copied
  const enc = new Encoder(f.body);
  for (const el of f.dataset.elements) {
    if (el === seq) break;
    pos += enc.elementSize(el, f.encoding);
  }
  // As the writer does: an undefined-length UN read as a sequence keeps implicit little endian items.
  const itemEnc: Encoding = seq.vr === 'UN' && f.encoding.explicit ? IMPLICIT_LE : f.encoding;
  const items = seq.items ?? [];
  const sizes = items.map((it) => enc.itemSize(it, itemEnc));
  const itemsTotal = sizes.reduce((a, b) => a + b, 0);
  pos += enc.elementSize(seq, f.encoding) - itemsTotal - (seq.undefinedLength ? 8 : 0); // the header
  const out = new Map<Item, number>();
  items.forEach((it, i) => {
    out.set(it, pos);
    pos += sizes[i];
  });
  return out;
}

/**
 * Rewrites every directory offset for the output as it will be written: (0004,1200), (0004,1202)
 * and each record's (0004,1400) and (0004,1420), in the dataset's byte order. Call it after every
 * change to the file and before writing; calling again is harmless.
 *
 * An offset that points at no record item is an error (DIRECTORY_BROKEN). Offsets of 0 stay 0.
 * UL values keep their 4 bytes, so patching them changes no length: the positions are checked
 * again after patching all the same.
 */
export function rewriteDirectoryOffsets(f: DicomFile): void {
  assertOffsetsReadable(f);
  const { seq, items } = directoryRecords(f);
  const byOld = new Map<number, Item>();
  for (const it of items) if (it.span) byOld.set(it.span.start, it);
  const positions = seq ? outputPositions(f, seq) : new Map<Item, number>();

  const patch = (ds: DataSet, tag: Tag, little: boolean, path: string): void => {
    const el = ds.get(tag);
    const old = readOffset(el, little, path);
    if (old === undefined || old === 0) return;
    const it = byOld.get(old);
    const now = it && positions.get(it);
    if (now === undefined) throw new DirectoryError('DIRECTORY_BROKEN', `directory offset ${old} does not point at a directory record`, path);
    if (now > 0xffffffff) throw new DirectoryError('DIRECTORY_BROKEN', `directory offset ${now} does not fit a UL`, path);
    const current = little ? el!.value!.readUInt32LE(0) : el!.value!.readUInt32BE(0);
    if (current === now) return;
    const next = new Element(tag, 'UL', 4);
    next.value = Buffer.alloc(4);
    if (little) next.value.writeUInt32LE(now);
    else next.value.writeUInt32BE(now);
    ORIGINAL_OFFSET.set(next, old);
    ds.set(next);
  };

  for (const tag of TOP_OFFSETS) patch(f.dataset, tag, f.encoding.little, formatTag(tag));
  items.forEach((it, i) => {
    for (const tag of RECORD_OFFSETS) patch(it.dataset, tag, littleOf(it.dataset, f), `${recordPath(i)}.${formatTag(tag)}`);
  });

  if (seq) {
    // Same-size values cannot move anything; checked, since a wrong offset breaks the directory.
    const after = outputPositions(f, seq);
    for (const [it, p] of positions) {
      if (after.get(it) !== p)
        throw new DirectoryError('DIRECTORY_BROKEN', 'directory record positions moved while their offsets were rewritten', formatTag(DirectoryRecordSequence));
    }
  }
}

/** One directory record and where it sits in the tree, as the offsets link it. */
export interface DirectoryNode {
  item: Item;
  /** Position of the item in (0004,1220). */
  index: number;
  /** The record whose lower-level entity holds this one (undefined at the root, or for an orphan). */
  parent?: DirectoryNode;
  /** Depth in the tree: 0 for root (or orphan) records. */
  depth: number;
  /** Reached from (0004,1200) by following the offsets. */
  reachable: boolean;
}

export interface DirectoryWalk {
  /** Every record once, in visiting order: a record always comes after its parent. */
  nodes: DirectoryNode[];
  /** Offsets that point at no record, records reached twice, records not reachable from the root. */
  warnings: string[];
}

/**
 * Follows the offsets from (0004,1200). Records that no offset reaches from the root (a damaged or
 * non-standard directory) are walked from their own chains and reported in `warnings`.
 */
export function walkDirectory(f: DicomFile): DirectoryWalk {
  const { items } = directoryRecords(f);
  const warnings = new Set<string>(); // a dangling offset met again is reported once
  const byOffset = new Map<number, number>();
  items.forEach((it, i) => {
    if (it.span) byOffset.set(it.span.start, i);
  });
  const seen: (DirectoryNode | undefined)[] = items.map(() => undefined);
  const nodes: DirectoryNode[] = [];

  /** Record index at an offset; 0 (none) and dangling offsets give undefined. */
  const target = (off: number | undefined, from: string): number | undefined => {
    if (!off) return undefined;
    const i = byOffset.get(off);
    if (i === undefined) warnings.add(`${from}: offset ${off} does not point at a directory record`);
    return i;
  };
  const offsetIn = (i: number, tag: Tag): number | undefined => target(recordOffset(f, items, i, tag), `${recordPath(i)}.${formatTag(tag)}`);

  /** Walks an entity's chain and everything below it, without recursion (chains can be long). */
  const walk = (first: number | undefined, parent: DirectoryNode | undefined, reachable: boolean): void => {
    const stack: [number | undefined, DirectoryNode | undefined][] = [[first, parent]];
    while (stack.length) {
      const [start, up] = stack.pop()!;
      for (let i = start; i !== undefined;) {
        if (seen[i]) {
          warnings.add(`${recordPath(i)}: directory record reached twice: offsets form a loop or a shared entity`);
          break;
        }
        const node: DirectoryNode = { item: items[i], index: i, parent: up, depth: up ? up.depth + 1 : 0, reachable };
        seen[i] = node;
        nodes.push(node);
        stack.push([offsetIn(i, OffsetOfReferencedLowerLevelDirectoryEntity), node]);
        i = offsetIn(i, OffsetOfTheNextDirectoryRecord);
      }
    }
  };

  const root = OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity;
  walk(target(readOffset(f.dataset.get(root), f.encoding.little, formatTag(root)), formatTag(root)), undefined, true);
  if (nodes.length < items.length) {
    // Orphans: start from records no offset points at (the heads of their own trees), then any
    // left (loops among orphans), so every record still gets the records above it.
    const pointedAt = new Set<number>();
    items.forEach((_, i) => {
      for (const tag of RECORD_OFFSETS) {
        const off = recordOffset(f, items, i, tag);
        const j = off ? byOffset.get(off) : undefined;
        if (j !== undefined) pointedAt.add(j);
      }
    });
    for (let i = 0; i < items.length; i++) if (!seen[i] && !pointedAt.has(i)) walk(i, undefined, false);
    for (let i = 0; i < items.length; i++) if (!seen[i]) walk(i, undefined, false);
    const orphans = nodes.filter((n) => !n.reachable).length;
    warnings.add(`${orphans} directory record(s) not reachable from the root directory entity (0004,1200)`);
  }
  return { nodes, warnings: [...warnings] };
}
