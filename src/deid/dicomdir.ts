/**
 * DICOMDIR (Media Storage Directory, PS3.3 F / PS3.10): its directory records are de-identified
 * with the same rules and mappings as the files they index, and the byte offsets that link them
 * are recomputed for the output.
 *
 * A DICOMDIR holds one flat Directory Record Sequence (0004,1220). Records form a tree through
 * UL byte offsets counted from the first byte of the file (preamble included), each pointing at
 * a record's item tag: (0004,1200)/(0004,1202) at the top level name the first/last record of
 * the root entity, and every record has (0004,1400) (next record of its entity) and (0004,1420)
 * (first record of its lower-level entity); 0 means none.
 *
 * Per-record patient keys: each record item is de-identified by the ordinary engine
 * (`deidentify`) as if it were a small file of its own, with `DeidEnv.inherited` (a hook in
 * state.ts) supplying the original values of the records above it. A STUDY record thus reads
 * the Patient ID of its PATIENT record: same per-patient key as the image files of that patient,
 * so the same date offset and pseudonyms; UIDs map as everywhere (keyed, file independent).
 */
import { DataSet, Element, Item } from '../dicom/dataset.js';
import type { DicomFile } from '../dicom/part10.js';
import { formatTag, tagOf, type Tag } from '../dicom/tag.js';
import { IMPLICIT_LE, type Encoding } from '../dicom/transfer-syntax.js';
import { datasetContext, decodeStrings, encodeStrings, fileContext, metaContext, type ValueContext } from '../dicom/values.js';
import { isStringVR } from '../dicom/vr.js';
import { Encoder } from '../dicom/write.js';
import { deidentify, simpleCode, type DeidResult } from './engine.js';
import { DeidError } from './errors.js';
import { IMPLEMENTATION_CLASS_UID } from './marks.js';
import { FileState, PATIENT_ID, PATIENT_NAME, type DeidEnv } from './state.js';

/** Media Storage Directory Storage. */
export const MEDIA_STORAGE_DIRECTORY_SOP_CLASS = '1.2.840.10008.1.3.10';

export const DIRECTORY_RECORD_SEQUENCE = tagOf(0x0004, 0x1220);
export const OFFSET_OF_FIRST_ROOT_RECORD = tagOf(0x0004, 0x1200);
export const OFFSET_OF_LAST_ROOT_RECORD = tagOf(0x0004, 0x1202);
export const OFFSET_OF_NEXT_RECORD = tagOf(0x0004, 0x1400);
export const OFFSET_OF_LOWER_LEVEL_ENTITY = tagOf(0x0004, 0x1420);
export const DIRECTORY_RECORD_TYPE = tagOf(0x0004, 0x1430);
export const REFERENCED_FILE_ID = tagOf(0x0004, 0x1500);

const MEDIA_STORAGE_SOP_CLASS_UID = tagOf(0x0002, 0x0002);
const MEDIA_STORAGE_SOP_INSTANCE_UID = tagOf(0x0002, 0x0003);
const SOP_INSTANCE_UID = tagOf(0x0008, 0x0018);
const SPECIFIC_CHARACTER_SET = tagOf(0x0008, 0x0005);
const STUDY_INSTANCE_UID = tagOf(0x0020, 0x000d);

const TOP_OFFSETS = [OFFSET_OF_FIRST_ROOT_RECORD, OFFSET_OF_LAST_ROOT_RECORD];
const RECORD_OFFSETS = [OFFSET_OF_NEXT_RECORD, OFFSET_OF_LOWER_LEVEL_ENTITY];

/** True for a Media Storage Directory: by its meta's SOP class, or by a Directory Record Sequence. */
export function isDicomdir(f: DicomFile): boolean {
  const cls = f.meta?.get(MEDIA_STORAGE_SOP_CLASS_UID);
  if (cls?.value) {
    try {
      if (decodeStrings(cls, metaContext(f))[0] === MEDIA_STORAGE_DIRECTORY_SOP_CLASS) return true;
    } catch {
      /* not a readable UID: decide by the dataset */
    }
  }
  return f.dataset.has(DIRECTORY_RECORD_SEQUENCE);
}

/** One directory record and where it sits in the directory tree (as read, before any change). */
export interface RecordInfo {
  item: Item;
  /** Position of the item in (0004,1220). */
  index: number;
  /** Directory Record Type (0004,1430), e.g. PATIENT, STUDY, SERIES, IMAGE ('' if absent). */
  type: string;
  /** The record whose lower-level entity holds this one (undefined at the root, or for an orphan). */
  parent?: RecordInfo;
  /** Depth in the tree: 0 for root (or orphan) records. */
  depth: number;
  /** Original Patient ID of this record or, if it has none, of the nearest record above with one. */
  patientId?: string;
  /**
   * The per-patient key of the files the record indexes, as FileState.patientKey computes it for
   * them: Patient ID, else Patient Name, else Study Instance UID, each read from this record or
   * inherited from the records above it.
   */
  patientKey: string;
  /** Reached from (0004,1200) by following the offsets. */
  reachable: boolean;
}

export interface DirectoryTree {
  /** Per record item, in sequence order. */
  records: RecordInfo[];
  byItem: Map<Item, RecordInfo>;
  /** Offsets that point at no record, records reached twice, records not reachable from the root. */
  warnings: string[];
}

const recordPath = (i: number): string => `${formatTag(DIRECTORY_RECORD_SEQUENCE)}[${i}]`;

/** The directory records, or undefined when there is no sequence; fails on an unreadable one. */
function recordItems(f: DicomFile): { seq?: Element; items: Item[] } {
  const seq = f.dataset.get(DIRECTORY_RECORD_SEQUENCE);
  if (!seq) return { items: [] };
  if (!seq.items) {
    throw new DeidError('DEID_UNSUPPORTED', 'Directory Record Sequence is not readable as a sequence (encoded as UN?)', formatTag(DIRECTORY_RECORD_SEQUENCE));
  }
  return { seq, items: seq.items };
}

/**
 * The original file offset of every record item. The reader's spans are positions in the body
 * it read; for a file that is not deflated the body is the file itself, so they are file offsets
 * already (item.span.start is what (0004,1200) and friends hold). A deflated DICOMDIR has no
 * meaningful offsets (PS3.10 requires Explicit VR Little Endian for it): refused.
 */
function assertOffsetsReadable(f: DicomFile): void {
  if (f.deflated || f.body !== f.source) {
    throw new DeidError('DEID_UNSUPPORTED', 'deflated DICOMDIR: its directory record offsets cannot be recomputed', formatTag(DIRECTORY_RECORD_SEQUENCE));
  }
}

/** Original values written by fixDirectoryOffsets, so a second call maps from the same offsets. */
const ORIGINAL_OFFSET = new WeakMap<Element, number>();

/** The value of a UL offset element, or undefined if absent; throws on a malformed one. */
function readOffset(el: Element | undefined, little: boolean, path: string): number | undefined {
  if (!el) return undefined;
  const original = ORIGINAL_OFFSET.get(el);
  if (original !== undefined) return original;
  if (!el.value || el.value.length !== 4 || el.items || el.fragments) {
    throw new DeidError('DEID_FAILED', `directory offset is not a single 4-byte UL value`, path);
  }
  return little ? el.value.readUInt32LE(0) : el.value.readUInt32BE(0);
}

const littleOf = (ds: DataSet, f: DicomFile): boolean => (ds.encoding ?? f.encoding).little;

/** The decoded (joined) original value of a string element, '' when unreadable. */
function stringValue(el: Element, ctx: ValueContext): string | undefined {
  if (el.items || el.fragments || !isStringVR(el.vr)) return undefined;
  try {
    return decodeStrings(el, ctx).join('\\');
  } catch {
    return undefined;
  }
}

/**
 * Follows the offsets from (0004,1200) and records, for every record item, the records above it
 * and so the patient it belongs to. Records that no offset reaches from the root (a damaged or
 * non-standard directory) are walked from their own chains and reported in `warnings`.
 */
export function readDirectory(f: DicomFile): DirectoryTree {
  const { items } = recordItems(f);
  const warnings = new Set<string>(); // a dangling offset met again is reported once
  const topCtx = fileContext(f);
  const byOffset = new Map<number, number>();
  items.forEach((it, i) => {
    if (it.span) byOffset.set(it.span.start, i);
  });
  const info: (RecordInfo | undefined)[] = items.map(() => undefined);
  const snapshots = items.map((it) => ({ ds: it.dataset, ctx: datasetContext(it.dataset, topCtx) }));
  const ownValue = (i: number, tag: Tag): string | undefined => {
    const el = snapshots[i].ds.get(tag);
    return el ? (stringValue(el, snapshots[i].ctx) ?? '') : undefined;
  };

  /** Record index at an offset; 0 (none) and dangling offsets give undefined. */
  const target = (off: number | undefined, from: string): number | undefined => {
    if (!off) return undefined;
    const i = byOffset.get(off);
    if (i === undefined) warnings.add(`${from}: offset ${off} does not point at a directory record`);
    return i;
  };
  const offsetIn = (i: number, tag: Tag): number | undefined => {
    const path = `${recordPath(i)}.${formatTag(tag)}`;
    return target(readOffset(items[i].dataset.get(tag), littleOf(items[i].dataset, f), path), path);
  };

  const make = (i: number, parent: RecordInfo | undefined, reachable: boolean): RecordInfo => {
    const inherit = (tag: Tag): string | undefined => {
      const own = ownValue(i, tag);
      if (own !== undefined) return own;
      for (let p = parent; p; p = p.parent) {
        const v = ownValue(p.index, tag);
        if (v !== undefined) return v;
      }
      return undefined;
    };
    const pid = inherit(PATIENT_ID);
    return {
      item: items[i],
      index: i,
      type: ownValue(i, DIRECTORY_RECORD_TYPE) ?? '',
      parent,
      depth: parent ? parent.depth + 1 : 0,
      patientId: pid,
      patientKey: pid || inherit(PATIENT_NAME) || inherit(STUDY_INSTANCE_UID) || '',
      reachable,
    };
  };

  /** Walks an entity's chain and everything below it, without recursion (chains can be long). */
  const walk = (first: number | undefined, parent: RecordInfo | undefined, reachable: boolean): void => {
    const stack: [number | undefined, RecordInfo | undefined][] = [[first, parent]];
    while (stack.length) {
      const [start, up] = stack.pop()!;
      for (let i = start; i !== undefined; ) {
        if (info[i]) {
          warnings.add(`${recordPath(i)}: directory record reached twice: offsets form a loop or a shared entity`);
          break;
        }
        const rec = make(i, up, reachable);
        info[i] = rec;
        stack.push([offsetIn(i, OFFSET_OF_LOWER_LEVEL_ENTITY), rec]);
        i = offsetIn(i, OFFSET_OF_NEXT_RECORD);
      }
    }
  };

  const rootPath = formatTag(OFFSET_OF_FIRST_ROOT_RECORD);
  walk(target(readOffset(f.dataset.get(OFFSET_OF_FIRST_ROOT_RECORD), f.encoding.little, rootPath), rootPath), undefined, true);
  if (info.some((r) => !r)) {
    // Orphans: start from records no offset points at (the heads of their own trees), then any
    // left (loops among orphans), so every record still gets the keys of the records above it.
    const pointedAt = new Set<number>();
    items.forEach((it, i) => {
      for (const tag of RECORD_OFFSETS) {
        const off = readOffset(it.dataset.get(tag), littleOf(it.dataset, f), `${recordPath(i)}.${formatTag(tag)}`);
        const j = off ? byOffset.get(off) : undefined;
        if (j !== undefined) pointedAt.add(j);
      }
    });
    for (let i = 0; i < items.length; i++) if (!info[i] && !pointedAt.has(i)) walk(i, undefined, false);
    for (let i = 0; i < items.length; i++) if (!info[i]) walk(i, undefined, false);
    const orphans = info.filter((r) => r && !r.reachable).length;
    warnings.add(`${orphans} directory record(s) not reachable from the root directory entity (0004,1200)`);
  }
  const records = info as RecordInfo[];
  return { records, byItem: new Map(records.map((r) => [r.item, r])), warnings: [...warnings] };
}

/**
 * For each record item, the PatientID of the PATIENT record above it (its own for a PATIENT
 * record) and the per-patient key the engine uses for it: see RecordInfo.
 */
export function recordPatients(f: DicomFile): Map<Item, RecordInfo> {
  return readDirectory(f).byItem;
}

const addResult = (into: DeidResult, r: DeidResult, prefix?: string): void => {
  for (const [k, n] of Object.entries(r.entities)) into.entities[k] = (into.entities[k] ?? 0) + n;
  for (const w of r.warnings) into.warnings.push(prefix ? (w.startsWith('(') ? `${prefix}.${w}` : `${prefix}: ${w}`) : w);
  into.datesShifted ||= r.datesShifted;
};

/** Puts an element back at its place in ascending tag order (the engine may have changed the list). */
function reinsert(ds: DataSet, el: Element): void {
  const els = ds.elements;
  let i = 0;
  while (i < els.length && els[i].tag < el.tag) i++;
  els.splice(i, 0, el);
}

/**
 * De-identifies a DICOMDIR in place and recomputes its offsets (fixDirectoryOffsets).
 *
 *  - Each directory record item runs through `deidentify` as a file of its own, with the rules
 *    of `env` and, through `DeidEnv.inherited`, the original values of the records above it: names,
 *    IDs, dates and UIDs come out exactly as in the files the record indexes. Records get no
 *    de-identification marks (they are not composite instances; their attributes are keys).
 *  - The top-level dataset (File-set Identification, Directory Information) runs through the same
 *    rules without the records, and without marks either: a Media Storage Directory has no place
 *    for them. When the profile marks files, the meta is made consistent as for any file: the
 *    DICOMDIR's own instance UID (0002,0003) remapped as the profile maps SOP Instance UIDs,
 *    anonflow's implementation identity, no source AE titles or private meta information, and a
 *    zeroed preamble.
 *
 * Throws DeidError (nothing half-done is meant to be written) for a deflated DICOMDIR, an
 * unreadable record sequence, or offsets that do not point at records.
 */
export function deidentifyDicomdir(f: DicomFile, env: DeidEnv): DeidResult {
  assertOffsetsReadable(f);
  const { seq, items } = recordItems(f);
  const tree = readDirectory(f);
  const result: DeidResult = { entities: {}, warnings: [...tree.warnings], datesShifted: false };
  const topCtx = fileContext(f);
  // Originals of every record, taken before any is changed: children read their parents' values.
  const originals = items.map((it) => {
    const ds = new DataSet([...it.dataset.elements]);
    return { ds, ctx: datasetContext(ds, topCtx) };
  });
  const inheritedFor = (rec: RecordInfo) => (tag: Tag): string | undefined => {
    for (let p = rec.parent; p; p = p.parent) {
      const el = originals[p.index].ds.get(tag);
      if (el) return stringValue(el, originals[p.index].ctx);
    }
    return undefined;
  };
  const unmarked = { ...env.profile, marks: false };
  // A character set declared at the top level (not standard, but seen) is lent to records without
  // their own for the time of their de-identification, so their text is read and written in it.
  const topCharset = f.dataset.get(SPECIFIC_CHARACTER_SET);

  items.forEach((it, i) => {
    const rec = tree.byItem.get(it)!;
    const prefix = recordPath(i);
    const explain = env.explain;
    const recEnv: DeidEnv = {
      ...env,
      profile: unmarked,
      inherited: inheritedFor(rec),
      explain: explain && ((e) => explain({ ...e, path: `${prefix}.${e.path}` })),
    };
    const lend = topCharset && !it.dataset.has(SPECIFIC_CHARACTER_SET) ? topCharset : undefined;
    if (lend) reinsert(it.dataset, lend);
    try {
      addResult(result, deidentify({ ...f, dataset: it.dataset }, recEnv), prefix);
    } catch (e) {
      if (e instanceof DeidError) throw new DeidError(e.code, e.message, e.path ? `${prefix}.${e.path}` : prefix);
      throw e;
    } finally {
      if (lend) {
        const at = it.dataset.elements.findIndex((el) => el.tag === SPECIFIC_CHARACTER_SET);
        if (at >= 0) it.dataset.elements.splice(at, 1);
      }
    }
  });

  // The top level, without the records (they were done above, each with its own patient).
  if (seq) f.dataset.elements.splice(f.dataset.elements.indexOf(seq), 1);
  try {
    addResult(result, deidentify(f, { ...env, profile: unmarked }));
  } finally {
    if (seq) reinsert(f.dataset, seq);
  }
  if (env.profile.marks) fixMeta(f, env);
  fixDirectoryOffsets(f);
  return result;
}

const str = (tag: number, vr: string, value: string): Element => {
  const bytes = encodeStrings([value], vr);
  const el = new Element(tag, vr, bytes.length);
  el.value = bytes;
  return el;
};

/** The meta of a de-identified DICOMDIR (as marks.ts does for other files, which have a SOP Instance UID to copy). */
function fixMeta(f: DicomFile, env: DeidEnv): void {
  f.zeroPreamble = true;
  const meta = f.meta;
  if (!meta) return; // a raw DICOMDIR stays raw: its offsets count from its first byte
  const st = new FileState(f, env);
  const instance = meta.get(MEDIA_STORAGE_SOP_INSTANCE_UID);
  const original = instance?.value ? decodeStrings(instance, metaContext(f))[0] : undefined;
  if (original) {
    // Mapped as the profile maps SOP Instance UIDs (U, or K under Retain UIDs).
    const code = simpleCode(env.rules.decide({ tag: SOP_INSTANCE_UID, vr: 'UI' }, st.read).action);
    const mapped = code === 'K' ? original : st.uid(original);
    if (mapped !== original) meta.set(str(MEDIA_STORAGE_SOP_INSTANCE_UID, 'UI', mapped));
  }
  meta.set(str(tagOf(0x0002, 0x0012), 'UI', IMPLEMENTATION_CLASS_UID));
  meta.set(str(tagOf(0x0002, 0x0013), 'SH', `ANONFLOW_${env.version}`.slice(0, 16)));
  for (const t of [0x00020016, 0x00020017, 0x00020018, 0x00020100, 0x00020102]) meta.delete(t);
  if (!meta.get(tagOf(0x0002, 0x0000))) {
    const gl = new Element(tagOf(0x0002, 0x0000), 'UL', 4);
    gl.value = Buffer.alloc(4);
    meta.set(gl); // its value is recomputed by the writer
  }
}

/**
 * Where each record item will start in the output, counted from the file's first byte, following
 * planOutput (file.ts) and the Encoder's sizes: preamble, meta (its group length recomputed to the
 * same 12 bytes), the body's elements before (0004,1220), the sequence's header, the items before.
 */
function outputPositions(f: DicomFile, seq: Element): Map<Item, number> {
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
 * change to the file and before writing (deidentifyDicomdir calls it; calling again is harmless).
 *
 * An offset that points at no record item is an error (DeidError DEID_FAILED): a damaged directory
 * is reported rather than written with links made up or silently cut. Offsets of 0 stay 0. UL
 * values keep their 4 bytes, so patching them changes no length: the positions are checked again
 * after patching all the same.
 */
export function fixDirectoryOffsets(f: DicomFile): void {
  assertOffsetsReadable(f);
  const { seq, items } = recordItems(f);
  const byOld = new Map<number, Item>();
  for (const it of items) if (it.span) byOld.set(it.span.start, it);
  const positions = seq ? outputPositions(f, seq) : new Map<Item, number>();

  const patch = (ds: DataSet, tag: Tag, little: boolean, path: string): void => {
    const el = ds.get(tag);
    const old = readOffset(el, little, path);
    if (old === undefined || old === 0) return;
    const it = byOld.get(old);
    const now = it && positions.get(it);
    if (now === undefined) throw new DeidError('DEID_FAILED', `directory offset ${old} does not point at a directory record`, path);
    if (now > 0xffffffff) throw new DeidError('DEID_FAILED', `directory offset ${now} does not fit a UL`, path);
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
      if (after.get(it) !== p) throw new DeidError('DEID_FAILED', 'directory record positions moved while their offsets were rewritten', formatTag(DIRECTORY_RECORD_SEQUENCE));
    }
  }
}

/**
 * --layout hierarchy: the reason the DICOMDIR is left out (reported as skipped). Its records name
 * the files they index by File IDs (0004,1500), and PS3.10 restricts a File ID to at most 8
 * components of at most 8 characters from A-Z, 0-9 and _. The hierarchy layout names folders and
 * files by pseudonymous Patient ID and UIDs (up to 64 characters), so no standard DICOMDIR can
 * reference the new paths; one pointing at the old paths would be wrong.
 */
export function dicomdirForHierarchy(f?: DicomFile): string {
  let refs = 0;
  for (const it of f?.dataset.get(DIRECTORY_RECORD_SEQUENCE)?.items ?? []) if (it.dataset.has(REFERENCED_FILE_ID)) refs++;
  return (
    'DICOMDIR not written with --layout hierarchy: its directory records reference files by File ID ' +
    '(at most 8 components of at most 8 characters A-Z, 0-9, _ per PS3.10), which cannot name the ' +
    `hierarchy's patient/study/series/instance paths${f ? ` (${refs} referenced file(s))` : ''}; use --layout mirror to keep it`
  );
}
