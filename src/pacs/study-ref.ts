// What a job names to fetch: a StudyInstanceUID, or an accession number (anonapi's
// "accession_number:" prefix, or the bare study_instance_uid the anonapi client sends).

import type { PacsConnection } from './connection.js';
import { PacsError } from './errors.js';
import { isUid, resolveAccession } from './qido.js';

export type StudyRef = { kind: 'study'; uid: string } | { kind: 'accession'; accession: string };

/** anonapi's source_instance_id: "accession_number:NR", "study_instance_uid:UID" or a bare UID. */
export function studyRef(sourceInstanceId: string): StudyRef {
  const s = sourceInstanceId.trim();
  const acc = /^accession_number:(.+)$/i.exec(s);
  if (acc) {
    const nr = acc[1].trim();
    if (!nr || nr.length > 64 || /[\\*?\x00-\x1f]/.test(nr)) throw new PacsError('PACS_CONFIG', `"${nr.slice(0, 80)}" is not an accession number`);
    return { kind: 'accession', accession: nr };
  }
  const uid = s.replace(/^study_instance_uid:/i, '').trim();
  if (!isUid(uid)) throw new PacsError('PACS_CONFIG', `"${uid.slice(0, 80)}" is not a StudyInstanceUID (or accession_number:NR)`);
  return { kind: 'study', uid };
}

export const describeRef = (r: StudyRef): string => (r.kind === 'study' ? `study ${r.uid}` : `accession number ${r.accession}`);

export async function resolveStudyRef(conn: PacsConnection, r: StudyRef, signal?: AbortSignal): Promise<string> {
  return r.kind === 'study' ? r.uid : resolveAccession(conn, r.accession, signal);
}
