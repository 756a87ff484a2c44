// One quarantined image as the review page shows it: size and frames, the header attributes the
// pixel decision used, the mask rule the profile would apply, and identifiers only when asked.

import { decidePixels } from '../deid/pixel-policy.js';
import type { EngineProfile } from '../deid/types.js';
import type { DicomFile } from '../dicom/part10.js';
import { readImageInfo } from '../pixel/index.js';
import { readStrings } from '../pixel/image.js';
import * as T from '../dicom/tags.generated.js';
import type { QuarantinedItem } from './types.js';

/** What the burned-in decision reads (pixel-policy.ts) and what a mask rule is keyed by. */
const DECISION: [string, number][] = [
  ['Modality', T.Modality],
  ['SOPClassUID', T.SOPClassUID],
  ['BurnedInAnnotation', T.BurnedInAnnotation],
  ['Manufacturer', T.Manufacturer],
  ['ManufacturerModelName', T.ManufacturerModelName],
  ['ImageType', T.ImageType],
  ['PhotometricInterpretation', T.PhotometricInterpretation],
];

/** Shown only when the reviewer opts in: they identify the patient. */
const IDENTIFIERS: [string, number][] = [
  ['PatientName', T.PatientName],
  ['PatientID', T.PatientID],
  ['PatientBirthDate', T.PatientBirthDate],
  ['AccessionNumber', T.AccessionNumber],
  ['StudyDate', T.StudyDate],
  ['InstitutionName', T.InstitutionName],
  ['ReferringPhysicianName', T.ReferringPhysicianName],
  ['OperatorsName', T.OperatorsName],
];

export interface ItemDetail {
  id: string;
  reason: string;
  source: 'watch' | 'run' | 'job';
  rows: number;
  columns: number;
  frames: number;
  attributes: Record<string, string>;
  identifiers?: Record<string, string>;
  /** the mask rule the release profile would apply, if any (else: what it decides) */
  decision: { kind: string; rule?: string; regions?: { x: number; y: number; width: number; height: number; frames?: number[] }[]; reason?: string };
  boxes: QuarantinedItem['boxes'];
  review?: { action: string; reviewer: string; at: string; note?: string; output?: string };
}

const attrs = (f: DicomFile, list: [string, number][]): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, tag] of list) {
    const v = readStrings(f, tag);
    if (v.length) out[k] = v.join('\\');
  }
  return out;
};

/** The summary of the list: what the filter and the table need. */
export function summary(f: DicomFile): { modality?: string; sopClass?: string } {
  return { modality: readStrings(f, T.Modality)[0], sopClass: readStrings(f, T.SOPClassUID)[0] };
}

export function describe(f: DicomFile, item: QuarantinedItem, profile: EngineProfile, identifiers: boolean): ItemDetail {
  const info = readImageInfo(f);
  const d = decidePixels(f, profile);
  const decision =
    d.kind === 'mask'
      ? { kind: 'mask', rule: d.rule.name ?? `pixels.masks[${d.index}]`, regions: d.rule.regions }
      : d.kind === 'quarantine'
        ? { kind: 'quarantine', reason: d.reason }
        : { kind: 'none' };
  return {
    id: item.id,
    reason: item.reason,
    source: item.source.kind,
    rows: info.rows,
    columns: info.columns,
    frames: info.frames,
    attributes: { ...attrs(f, DECISION), Rows: String(info.rows), Columns: String(info.columns), TransferSyntaxUID: f.transferSyntax.uid },
    ...(identifiers ? { identifiers: attrs(f, IDENTIFIERS) } : {}),
    decision,
    boxes: item.boxes,
  };
}
