/**
 * DICOMDIR (Media Storage Directory, PS3.3 F / PS3.10): its directory records are de-identified
 * with the same rules and mappings as the files they index, and the byte offsets that link them
 * are recomputed for the output.
 *
 * The directory tree and its byte offsets are read and rewritten by src/dicom/directory.ts.
 *
 * Per-record patient keys: each record item is de-identified by the ordinary engine
 * (`deidentify`) as if it were a small file of its own, with `DeidEnv.inherited` (a hook in
 * state.ts) supplying the original values of the records above it. A STUDY record thus reads
 * the Patient ID of its PATIENT record: same per-patient key as the image files of that patient,
 * so the same date offset and pseudonyms; UIDs map as everywhere (keyed, file independent).
 */
import { DataSet, Element, Item } from '../dicom/dataset.js';
import { assertOffsetsReadable, directoryRecords, DirectoryError, recordPath, rewriteDirectoryOffsets, walkDirectory, type DirectoryNode } from '../dicom/directory.js';
import type { DicomFile } from '../dicom/part10.js';
import type { Tag } from '../dicom/tag.js';
import * as T from '../dicom/tags.generated.js';
import { datasetContext, decodeStrings, encodeStrings, fileContext, metaContext, type ValueContext } from '../dicom/values.js';
import { isStringVR } from '../dicom/vr.js';
import { deidentify, simpleCode, type DeidResult } from './engine.js';
import { applyFileIds, planFileIds, type FileIdPlan } from './dicomdir-file-ids.js';
import { DeidError } from './errors.js';
import { IMPLEMENTATION_CLASS_UID } from './marks.js';
import { FileState, PATIENT_ID, PATIENT_NAME, type DeidEnv } from './state.js';

/** Media Storage Directory Storage. */
export const MEDIA_STORAGE_DIRECTORY_SOP_CLASS = '1.2.840.10008.1.3.10';

/** The codec's directory errors as the engine reports them (nothing half-done is written). */
function asDeidError<R>(fn: () => R): R {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DirectoryError) throw new DeidError(e.code === 'DIRECTORY_UNSUPPORTED' ? 'DEID_UNSUPPORTED' : 'DEID_FAILED', e.message, e.path);
    throw e;
  }
}

/** True for a Media Storage Directory: by its meta's SOP class, or by a Directory Record Sequence. */
export function isDicomdir(f: DicomFile): boolean {
  const cls = f.meta?.get(T.MediaStorageSOPClassUID);
  if (cls?.value) {
    try {
      if (decodeStrings(cls, metaContext(f))[0] === MEDIA_STORAGE_DIRECTORY_SOP_CLASS) return true;
    } catch {
      /* not a readable UID: decide by the dataset */
    }
  }
  return f.dataset.has(T.DirectoryRecordSequence);
}

/** One directory record, where it sits in the directory tree, and whose it is (as read, before any change). */
export interface RecordInfo extends DirectoryNode {
  /** Directory Record Type (0004,1430), e.g. PATIENT, STUDY, SERIES, IMAGE ('' if absent). */
  type: string;
  parent?: RecordInfo;
  /** Original Patient ID of this record or, if it has none, of the nearest record above with one. */
  patientId?: string;
  /**
   * The per-patient key of the files the record indexes, as FileState.patientKey computes it for
   * them: Patient ID, else Patient Name, else Study Instance UID, each read from this record or
   * inherited from the records above it.
   */
  patientKey: string;
}

export interface DirectoryTree {
  /** Per record item, in sequence order. */
  records: RecordInfo[];
  byItem: Map<Item, RecordInfo>;
  /** Offsets that point at no record, records reached twice, records not reachable from the root. */
  warnings: string[];
}

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
 * The directory tree (walkDirectory) with, for every record item, the patient it belongs to: its
 * own values or those of the records above it.
 */
export function readDirectory(f: DicomFile): DirectoryTree {
  const { nodes, warnings } = asDeidError(() => walkDirectory(f));
  const topCtx = fileContext(f);
  const ctxs = new Map<DirectoryNode, ValueContext>();
  const ownValue = (node: DirectoryNode, tag: Tag): string | undefined => {
    const el = node.item.dataset.get(tag);
    if (!el) return undefined;
    let ctx = ctxs.get(node);
    if (!ctx) ctxs.set(node, (ctx = datasetContext(node.item.dataset, topCtx)));
    return stringValue(el, ctx) ?? '';
  };
  const records: RecordInfo[] = new Array(nodes.length);
  const byNode = new Map<DirectoryNode, RecordInfo>();
  for (const node of nodes) {
    const parent = node.parent && byNode.get(node.parent); // parents are visited first
    const inherit = (tag: Tag): string | undefined => {
      for (let p: DirectoryNode | undefined = node; p; p = p.parent) {
        const v = ownValue(p, tag);
        if (v !== undefined) return v;
      }
      return undefined;
    };
    const pid = inherit(PATIENT_ID);
    const rec: RecordInfo = {
      ...node,
      type: ownValue(node, T.DirectoryRecordType) ?? '',
      parent,
      patientId: pid,
      patientKey: pid || inherit(PATIENT_NAME) || inherit(T.StudyInstanceUID) || '',
    };
    byNode.set(node, rec);
    records[node.index] = rec;
  }
  return { records, byItem: new Map(records.map((r) => [r.item, r])), warnings };
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
  const at = (w: string): string => (prefix ? (w.startsWith('(') ? `${prefix}.${w}` : `${prefix}: ${w}`) : w);
  for (const w of r.warnings) into.warnings.push(at(w));
  if (r.notices?.length) (into.notices ??= []).push(...r.notices.map(at));
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
 *  - Referenced File IDs whose components carry the identifiers of their record (or the records
 *    above it) are renamed as the mirror layout renames the files (dicomdir-file-ids.ts).
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
export function deidentifyDicomdir(f: DicomFile, env: DeidEnv): DeidResult & { paths: FileIdPlan } {
  const { seq, items } = asDeidError(() => {
    assertOffsetsReadable(f);
    return directoryRecords(f);
  });
  const tree = readDirectory(f);
  const paths = planFileIds(f, tree.records, env);
  const result: DeidResult = { entities: {}, warnings: [...tree.warnings], datesShifted: false };
  const topCtx = fileContext(f);
  // Originals of every record, taken before any is changed: children read their parents' values.
  const originals = items.map((it) => {
    const ds = new DataSet([...it.dataset.elements]);
    return { ds, ctx: datasetContext(ds, topCtx) };
  });
  const inheritedFor =
    (rec: RecordInfo) =>
    (tag: Tag): string | undefined => {
      for (let p = rec.parent; p; p = p.parent) {
        const el = originals[p.index].ds.get(tag);
        if (el) return stringValue(el, originals[p.index].ctx);
      }
      return undefined;
    };
  const unmarked = { ...env.profile, marks: false };
  // A character set declared at the top level (not standard, but seen) is lent to records without
  // their own for the time of their de-identification, so their text is read and written in it.
  const topCharset = f.dataset.get(T.SpecificCharacterSet);

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
    const lend = topCharset && !it.dataset.has(T.SpecificCharacterSet) ? topCharset : undefined;
    if (lend) reinsert(it.dataset, lend);
    try {
      addResult(result, deidentify({ ...f, dataset: it.dataset }, recEnv), prefix);
    } catch (e) {
      if (e instanceof DeidError) throw new DeidError(e.code, e.message, e.path ? `${prefix}.${e.path}` : prefix);
      throw e;
    } finally {
      if (lend) {
        const at = it.dataset.elements.findIndex((el) => el.tag === T.SpecificCharacterSet);
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
  applyFileIds(paths);
  if (env.profile.marks) fixMeta(f, env);
  fixDirectoryOffsets(f);
  return { ...result, paths };
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
  const instance = meta.get(T.MediaStorageSOPInstanceUID);
  const original = instance?.value ? decodeStrings(instance, metaContext(f))[0] : undefined;
  if (original) {
    // Mapped as the profile maps SOP Instance UIDs (U, or K under Retain UIDs).
    const code = simpleCode(env.rules.decide({ tag: T.SOPInstanceUID, vr: 'UI' }, st.read).action);
    const mapped = code === 'K' ? original : st.uid(original);
    if (mapped !== original) meta.set(str(T.MediaStorageSOPInstanceUID, 'UI', mapped));
  }
  meta.set(str(T.ImplementationClassUID, 'UI', IMPLEMENTATION_CLASS_UID));
  meta.set(str(T.ImplementationVersionName, 'SH', `ANONFLOW_${env.version}`.slice(0, 16)));
  for (const t of [T.SourceApplicationEntityTitle, T.SendingApplicationEntityTitle, T.ReceivingApplicationEntityTitle, T.PrivateInformationCreatorUID, T.PrivateInformation]) {
    meta.delete(t);
  }
  if (!meta.get(T.FileMetaInformationGroupLength)) {
    const gl = new Element(T.FileMetaInformationGroupLength, 'UL', 4);
    gl.value = Buffer.alloc(4);
    meta.set(gl); // its value is recomputed by the writer
  }
}

/**
 * Rewrites every directory offset for the output as it will be written (rewriteDirectoryOffsets).
 * Call it after every change to the file and before writing (deidentifyDicomdir calls it; calling
 * again is harmless). A damaged directory is reported (DeidError DEID_FAILED) rather than written
 * with links made up or silently cut.
 */
export function fixDirectoryOffsets(f: DicomFile): void {
  asDeidError(() => rewriteDirectoryOffsets(f));
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
  for (const it of f?.dataset.get(T.DirectoryRecordSequence)?.items ?? []) if (it.dataset.has(T.ReferencedFileID)) refs++;
  return (
    'DICOMDIR not written with --layout hierarchy: its directory records reference files by File ID ' +
    '(at most 8 components of at most 8 characters A-Z, 0-9, _ per PS3.10), which cannot name the ' +
    `hierarchy's patient/study/series/instance paths${f ? ` (${refs} referenced file(s))` : ''}; use --layout mirror to keep it`
  );
}
