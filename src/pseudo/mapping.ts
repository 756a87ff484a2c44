import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, realpathSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { writeCsv } from './csv.js';
import { PseudoError } from './errors.js';

/**
 * What one run replaced: UID and Patient ID mappings (original → pseudonym), for the MIDI-B
 * style export (`uid_mapping.csv`, `patid_mapping.csv`). This is the one *secret* product of a
 * run (it re-identifies), so it is written 0600 and never inside the de-identified output.
 *
 * Workers each keep a recorder (or `drain()` it per batch) and send `toJSON()` to the parent,
 * which `merge()`s: entries are deduplicated by original value, so merging is idempotent and
 * order-independent. Memory is bounded by `limit` entries per kind (default 2,000,000, about
 * 200 bytes each); further new originals are counted in `dropped` instead of stored, so the
 * caller can report an incomplete export. An original seen with two different replacements keeps
 * the first and is counted (with a few samples) in `conflicts`; with HMAC-derived pseudonyms
 * this cannot happen, with a pseudonym table it means the table and the data disagree.
 */

export type MappingKind = 'uids' | 'patientIds';

export interface MappingConflict {
  kind: MappingKind;
  original: string;
  kept: string;
  other: string;
}

export interface MappingData {
  uids: [string, string][];
  patientIds: [string, string][];
  dropped: { uids: number; patientIds: number };
  conflicts: { count: number; samples: MappingConflict[] };
}

export interface MappingRecorderOptions {
  /** Maximum entries kept per kind (default 2,000,000). */
  limit?: number;
}

const MAX_CONFLICT_SAMPLES = 20;

export class MappingRecorder {
  readonly limit: number;
  private readonly maps: Record<MappingKind, Map<string, string>> = { uids: new Map(), patientIds: new Map() };
  private readonly droppedCount: Record<MappingKind, number> = { uids: 0, patientIds: 0 };
  private conflictCount = 0;
  private readonly conflictSamples: MappingConflict[] = [];

  constructor(opts: MappingRecorderOptions = {}) {
    this.limit = opts.limit ?? 2_000_000;
  }

  /** Record a UID replacement (identical old and new, e.g. well-known UIDs, are not recorded). */
  addUID(oldUid: string, newUid: string): void {
    this.add('uids', oldUid, newUid);
  }

  /** Record a Patient ID replacement. */
  addPatient(oldId: string, newId: string): void {
    this.add('patientIds', oldId, newId);
  }

  get size(): { uids: number; patientIds: number } {
    return { uids: this.maps.uids.size, patientIds: this.maps.patientIds.size };
  }

  get dropped(): { uids: number; patientIds: number } {
    return { ...this.droppedCount };
  }

  get conflicts(): { count: number; samples: MappingConflict[] } {
    return { count: this.conflictCount, samples: [...this.conflictSamples] };
  }

  /** Entries of one kind, sorted by original (so exports do not depend on worker timing). */
  entries(kind: MappingKind): [string, string][] {
    return [...this.maps[kind]].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  toJSON(): MappingData {
    return {
      uids: [...this.maps.uids],
      patientIds: [...this.maps.patientIds],
      dropped: this.dropped,
      conflicts: this.conflicts,
    };
  }

  /** `toJSON()` and then forget everything (per-batch deltas from a worker). */
  drain(): MappingData {
    const d = this.toJSON();
    this.maps.uids.clear();
    this.maps.patientIds.clear();
    this.droppedCount.uids = this.droppedCount.patientIds = 0;
    this.conflictCount = 0;
    this.conflictSamples.length = 0;
    return d;
  }

  /** Add another recorder's content (a worker result, or `toJSON()` of one). */
  merge(data: MappingData | MappingRecorder): this {
    const d = data instanceof MappingRecorder ? data.toJSON() : data;
    for (const [o, n] of d.uids) this.add('uids', o, n);
    for (const [o, n] of d.patientIds) this.add('patientIds', o, n);
    this.droppedCount.uids += d.dropped?.uids ?? 0;
    this.droppedCount.patientIds += d.dropped?.patientIds ?? 0;
    for (const c of d.conflicts?.samples ?? []) this.noteConflict(c, 0);
    this.conflictCount += d.conflicts?.count ?? 0;
    return this;
  }

  static fromJSON(data: MappingData, opts?: MappingRecorderOptions): MappingRecorder {
    return new MappingRecorder(opts).merge(data);
  }

  private add(kind: MappingKind, original: string, replacement: string): void {
    if (original === replacement) return;
    const m = this.maps[kind];
    const prev = m.get(original);
    if (prev !== undefined) {
      if (prev !== replacement) this.noteConflict({ kind, original, kept: prev, other: replacement }, 1);
      return;
    }
    if (m.size >= this.limit) {
      this.droppedCount[kind]++;
      return;
    }
    m.set(original, replacement);
  }

  private noteConflict(c: MappingConflict, count: number): void {
    this.conflictCount += count;
    if (this.conflictSamples.length < MAX_CONFLICT_SAMPLES) this.conflictSamples.push(c);
  }
}

export interface ExportMidiBOptions {
  /** Folders the export may not be written into (the de-identified output tree, at least). */
  forbiddenRoots: string[];
}

export interface ExportMidiBResult {
  uidFile: string;
  patidFile: string;
  uidRows: number;
  patidRows: number;
  /** Entries the recorder could not keep (limit reached): the export is incomplete when non-zero. */
  dropped: { uids: number; patientIds: number };
}

/**
 * Write the MIDI-B mapping files into `dir`: `uid_mapping.csv` and `patid_mapping.csv`, each with
 * the header `id_old,id_new`, one row per original sorted by original, `\n` line ends, fields
 * quoted (RFC 4180) when they hold `,`, `"`, CR, LF or surrounding spaces. Files are created
 * 0600 through a temporary name and renamed into place; `dir` is created 0700 if missing.
 *
 * Refuses (PseudoError MAPPING_PATH) a `dir` equal to or inside any forbidden root, comparing
 * real paths (symlinks resolved as far as the paths exist), so the re-identifying mapping never
 * lands in the de-identified tree that gets shared.
 */
export function exportMidiB(recorder: MappingRecorder, dir: string, opts: ExportMidiBOptions): ExportMidiBResult {
  const target = realish(dir);
  for (const root of opts.forbiddenRoots) {
    const r = realish(root);
    if (target === r || target.startsWith(r.endsWith(sep) ? r : r + sep)) {
      throw new PseudoError({
        code: 'MAPPING_PATH',
        message: `refusing to write the mapping (which re-identifies) to ${dir}: it is inside ${root}`,
        file: dir,
      });
    }
  }
  const made = mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (made !== undefined) chmodSync(dir, 0o700);
  const uids = recorder.entries('uids');
  const pats = recorder.entries('patientIds');
  const uidFile = join(dir, 'uid_mapping.csv');
  const patidFile = join(dir, 'patid_mapping.csv');
  writePrivate(uidFile, writeCsv([['id_old', 'id_new'], ...uids]));
  writePrivate(patidFile, writeCsv([['id_old', 'id_new'], ...pats]));
  return { uidFile, patidFile, uidRows: uids.length, patidRows: pats.length, dropped: recorder.dropped };
}

function writePrivate(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* not created */
    }
    throw e;
  }
}

/** The real path of `p`, resolving symlinks of the longest existing ancestor and appending the rest. */
function realish(p: string): string {
  const abs = resolve(p);
  const rest: string[] = [];
  let cur = abs;
  for (;;) {
    try {
      return join(realpathSync(cur), ...rest.reverse());
    } catch {
      const parent = dirname(cur);
      if (parent === cur) return abs;
      rest.push(basename(cur));
      cur = parent;
    }
  }
}
