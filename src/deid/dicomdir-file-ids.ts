// The Referenced File IDs (0004,1500) of a DICOMDIR name its files by their paths below it. The
// mirror layout renames a path component that carries its file's identifiers (job/layout.ts), so
// the File IDs are renamed by the same function with the same identifiers, read from the record
// and the records above it (its PATIENT and STUDY records hold what the files' headers hold).
import type { Item } from '../dicom/dataset.js';
import { Element } from '../dicom/dataset.js';
import type { DicomFile } from '../dicom/part10.js';
import * as T from '../dicom/tags.generated.js';
import { datasetContext, decodeStrings, encodeStrings, fileContext } from '../dicom/values.js';
import { pseudonymizeComponent } from '../pseudo/path-component.js';
import { pathIdentifiers, type Source } from './path-identifiers.js';
import type { DeidEnv } from './state.js';

/** A directory record and the record above it (dicomdir.ts's RecordInfo; not imported: no cycle). */
export interface RecordLink {
  item: Item;
  parent?: RecordLink;
}

/** What a DICOMDIR's paths become: its File IDs, and the tokens of its own path. */
export interface FileIdPlan {
  /** The new File ID of each record item whose ID changes. */
  ids: Map<Item, string[]>;
  /** Every component renamed: (original, pseudonym). */
  renamed: [string, string][];
  /** The identifiers of every record: the DICOMDIR's own folder is renamed by all of them. */
  tokens: string[];
}

/**
 * Plans the renaming of the File IDs of `records` (read from `f` before any change). A record's
 * components are renamed by the identifiers of the record and the records above it, as the file
 * it references is renamed by its own header's.
 */
export function planFileIds(f: DicomFile, records: readonly RecordLink[], env: DeidEnv): FileIdPlan {
  const top = fileContext(f);
  const sources = new Map<Item, Source>();
  const source = (it: Item): Source => {
    let s = sources.get(it);
    if (!s) sources.set(it, (s = { ds: it.dataset, ctx: datasetContext(it.dataset, top) }));
    return s;
  };
  const plan: FileIdPlan = { ids: new Map(), renamed: [], tokens: [] };
  const all = new Set<string>();
  const own = records.map((rec) => {
    const chain: Source[] = [];
    for (let r: RecordLink | undefined = rec; r; r = r.parent) chain.push(source(r.item));
    const tokens = pathIdentifiers(chain, env);
    for (const t of tokens) all.add(t);
    return { tokens, patient: chain.some((c) => c.ds.has(T.PatientID) || c.ds.has(T.PatientName)) };
  });
  records.forEach((rec, i) => {
    const el = rec.item.dataset.get(T.ReferencedFileID);
    if (!el?.value) return;
    // A record no PATIENT record reaches (offsets broken or missing) is renamed by every patient's identifiers.
    const tokens = own[i].patient ? own[i].tokens : [...all];
    if (tokens.length === 0) return;
    let parts: string[];
    try {
      parts = decodeStrings(el, source(rec.item).ctx).map((p) => p.trim());
    } catch {
      return; // not text: left to the engine's rules
    }
    const renamed = parts.map((c) => pseudonymizeComponent(env.key, c, tokens));
    renamed.forEach((p, j) => {
      if (p !== parts[j]) plan.renamed.push([parts[j], p]);
    });
    if (renamed.some((p, j) => p !== parts[j])) plan.ids.set(rec.item, renamed);
  });
  plan.tokens = [...all];
  return plan;
}

/** Writes the planned File IDs into the records that still hold one (after their de-identification). */
export function applyFileIds(plan: FileIdPlan): void {
  for (const [it, parts] of plan.ids) {
    const old = it.dataset.get(T.ReferencedFileID);
    if (!old) continue; // the profile removed it
    const bytes = encodeStrings(parts, 'CS');
    const el = new Element(T.ReferencedFileID, 'CS', bytes.length);
    el.value = bytes;
    it.dataset.set(el);
  }
}
