import { DataSet, Element } from '../dicom/dataset.js';
import { lookup } from '../dicom/dictionary.js';
import type { DicomFile } from '../dicom/part10.js';
import { type Tag } from '../dicom/tag.js';
import { decodeStrings, encodeStrings, fileContext, type ValueContext } from '../dicom/values.js';
import { dateOffsetDays } from '../pseudo/dates.js';
import { pseudoPatientId, pseudoPatientName } from '../pseudo/ids.js';
import type { MappingRecorder } from '../pseudo/mapping.js';
import type { PseudonymLookup } from '../pseudo/pseudonym-lookup.js';
import { isWellKnownUID, pseudoUID } from '../pseudo/uid.js';
import type { CompiledRules, Decision } from './rules.js';
import type { DetectSettings, EntityFound } from '../detect/index.js';
import { createTextDetection, type TextDetection } from './text-detect.js';
import type { Iod } from './iod.js';
import type { Term } from './scrub-match.js';
import type { EngineProfile } from './types.js';
import * as T from '../dicom/tags.generated.js';

export const PATIENT_NAME = T.PatientName;
export const PATIENT_ID = T.PatientID;

/** What one explain line says about an element. */
export interface ExplainEntry {
  path: string;
  tag: Tag;
  keyword: string;
  vr: string;
  action: string;
  origin: string;
  before?: string;
  after?: string;
}

/** Everything a run shares across files (and workers): pure data plus the secret. */
export interface DeidEnv {
  key: Buffer;
  rules: CompiledRules;
  profile: EngineProfile;
  pseudonymTable?: PseudonymLookup;
  recorder?: MappingRecorder;
  /** Implementation version, for DeidentificationMethod and the meta. */
  version: string;
  explain?: (e: ExplainEntry) => void;
  /** Detection in cleaned text: the profile's detect section and the run's flags over the defaults. */
  detect: DetectSettings;
  /**
   * DICOMDIR hook (set only by src/deid/dicomdir.ts, per directory record): the original value a
   * record inherits from the records above it (its PATIENT, STUDY, SERIES records) for an
   * attribute the record itself lacks. `FileState.read` falls back to it, so a STUDY record gets
   * the per-patient key (date offset), pseudonyms, text detection and conditions of the files it indexes.
   * Unset for ordinary files.
   */
  inherited?: (tag: Tag) => string | undefined;
}

/** Per-file state of one de-identification. */
export class FileState {
  /** Tallies in a Map (a keyed store on a fresh object per file is megamorphic); `counts` gives them in the order first counted. */
  private readonly tallies = new Map<string, number>();
  readonly warnings: string[] = [];
  /**
   * What an option asked for and the engine could not do (a bitmap under Clean Graphics removed,
   * not cleaned): reported to the user in the console, the journal and the run report.
   */
  readonly notices: string[] = [];
  /** Some graphic (annotation, overlay, curve) was kept cleaned: Clean Graphics may be claimed. */
  graphicsCleaned = false;
  datesShifted = false;
  /** The patient's identifiers no kept text value may carry (scrub-terms.ts), taken before any rule runs. */
  scrubTerms: readonly Term[] = [];
  /** The instance's IOD, for the Type of an attribute whose value was nothing but identifiers. */
  iod: Iod | undefined;
  readonly top: ValueContext;
  /** The top-level elements as read: conditions and pseudonyms see original values. */
  private readonly original: DataSet;
  private readonly cache = new Map<Tag, string | undefined>();
  private offset: number | undefined;
  private detectionCache: TextDetection | undefined;

  constructor(
    readonly file: DicomFile,
    readonly env: DeidEnv,
  ) {
    this.top = fileContext(file);
    this.original = new DataSet([...file.dataset.elements]);
  }

  get rules(): CompiledRules {
    return this.env.rules;
  }

  /** An original top-level value, decoded (multiple values joined with a backslash). */
  readonly read = (tag: Tag): string | undefined => {
    if (this.cache.has(tag)) return this.cache.get(tag);
    const el = this.original.get(tag);
    let v: string | undefined;
    if (el && (el.items || el.fragments || el.value === undefined)) {
      v = ''; // present, but no text: `present` conditions see it, value tests do not match
    } else if (el) {
      try {
        v = decodeStrings(el, this.top).join('\\');
      } catch {
        v = undefined;
      }
    } else if (!el && this.env.inherited) {
      v = this.env.inherited(tag); // DICOMDIR hook: see DeidEnv.inherited
    }
    this.cache.set(tag, v);
    return v;
  };

  /** The patient the file belongs to, for keyed per-patient values. */
  get patientKey(): string {
    return this.read(PATIENT_ID) || this.read(PATIENT_NAME) || this.read(T.StudyInstanceUID) || '';
  }

  get dateOffset(): number {
    this.offset ??= dateOffsetDays(this.env.key, this.patientKey, this.env.profile.pseudonyms.dateShiftDays);
    return this.offset;
  }

  /** Identifier detection in text, with this file's own identifiers; built on first use. */
  get detection(): TextDetection {
    this.detectionCache ??= createTextDetection(this.env.detect, this.read, this.env.key, (label) => this.count(label));
    return this.detectionCache;
  }

  /** The identifiers found in text so far (path, span, label, score, detector; never the text). */
  get found(): EntityFound[] {
    return this.detectionCache?.found ?? [];
  }

  count(kind: string): void {
    this.tallies.set(kind, (this.tallies.get(kind) ?? 0) + 1);
  }

  /** Count per kind of identifier removed or replaced (kinds are words, never array indices: the order is the Map's). */
  get counts(): Record<string, number> {
    return Object.fromEntries(this.tallies);
  }

  /** The pseudonym table's row for this file: by original Patient ID, then study, then accession. */
  private tableRow(originalId: string): { id: string; name?: string } | undefined {
    return this.env.pseudonymTable?.lookup({
      patientId: originalId,
      studyInstanceUid: this.read(T.StudyInstanceUID),
      accessionNumber: this.read(T.AccessionNumber),
    });
  }

  pseudonymId(originalId: string): string {
    const row = this.tableRow(originalId);
    const id = row ? row.id : pseudoPatientId(this.env.key, originalId, this.env.profile.pseudonyms.patientIdPrefix);
    this.env.recorder?.addPatient(originalId, id);
    return id;
  }

  pseudonymName(originalId: string): string {
    const row = this.tableRow(originalId);
    if (row?.name) return row.name;
    if (row) return row.id;
    return pseudoPatientName(this.env.key, originalId, this.env.profile.pseudonyms.patientIdPrefix);
  }

  uid(original: string): string {
    if (original === '' || isWellKnownUID(original)) return original;
    const u = pseudoUID(this.env.key, original);
    this.env.recorder?.addUID(original, u);
    return u;
  }
}

/** The VR to write a replacement value with: the element's own, or the dictionary's where it was UN. */
export function writeVR(el: Element): string {
  if (el.vr !== 'UN' && !el.badVR) return el.vr;
  const dict = lookup(el.tag)?.vr;
  return dict && /^[A-Z]{2}$/.test(dict) ? dict : el.vr;
}

/** Replaces an element's value with strings encoded for its VR and the dataset's character set. */
export function setStrings(ds: DataSet, el: Element, values: string[], ctx: ValueContext, vr = writeVR(el)): Element {
  const bytes = encodeStrings(values, vr, ctx.charset);
  const next = new Element(el.tag, vr, bytes.length);
  next.value = bytes;
  ds.replace(el, next);
  return next;
}

export function setBytes(ds: DataSet, el: Element, bytes: Buffer, vr = writeVR(el)): Element {
  const next = new Element(el.tag, vr, bytes.length);
  next.value = bytes;
  ds.replace(el, next);
  return next;
}

export interface ElementCall {
  st: FileState;
  ds: DataSet;
  el: Element;
  ctx: ValueContext;
  path: string;
  decision: Decision;
  /** The private creator of the element's block, for private data elements. */
  creator?: string;
  /** Set inside a sequence being cleaned (C): attributes no rule names are cleaned, not kept. */
  cleaning: boolean;
  /** Set inside a sequence being replaced (D): attributes no rule names get a dummy, not kept. */
  dummying?: boolean;
  /** Recurse into a dataset with the rules (cleaning / dummying: as inside a cleaned / replaced sequence). */
  walk: (ds: DataSet, ctx: ValueContext, path: string, cleaning?: boolean, dummying?: boolean) => void;
}
