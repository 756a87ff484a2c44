import { sourceKey, type Pseudonym, type PseudonymEntry, type PseudonymTableData, type SourceType } from './pseudonym-table-data.js';

/** What a DICOM file offers to look its pseudonym up by. */
export interface PseudonymQuery {
  patientId?: string;
  studyInstanceUid?: string;
  accessionNumber?: string;
}

export interface PseudonymLookup {
  /** The pseudonym of an original Patient ID (`patient_id:` sources / `id_old` column). */
  get(originalPatientId: string): Pseudonym | undefined;
  /** First match by Patient ID, then StudyInstanceUID, then AccessionNumber. */
  lookup(q: PseudonymQuery): Pseudonym | undefined;
}

/**
 * The lookup over a read table, built where it is used (each worker thread builds its own from
 * the data the main thread read). Values match after removing DICOM padding, as the table's keys.
 */
export function pseudonymLookup(table: PseudonymTableData): PseudonymLookup {
  const byKey = new Map<string, PseudonymEntry>();
  for (const e of table.entries) {
    const key = `${e.source.type}:${e.source.value}`;
    if (!byKey.has(key)) byKey.set(key, e);
  }
  const answer = (e: PseudonymEntry | undefined): Pseudonym | undefined => (e === undefined ? undefined : e.name === undefined ? { id: e.id } : { id: e.id, name: e.name });
  const find = (type: SourceType, v: string | undefined): PseudonymEntry | undefined => (v === undefined || sourceKey(v) === '' ? undefined : byKey.get(`${type}:${sourceKey(v)}`));
  return {
    get: (originalPatientId) => answer(find('patient_id', originalPatientId)),
    lookup: (q) => answer(find('patient_id', q.patientId) ?? find('study_instance_uid', q.studyInstanceUid) ?? find('accession_number', q.accessionNumber)),
  };
}
