// QIDO-RS: searching studies (by patient ID, accession number, date range), resolving an accession
// number to its one study, listing a study's instances, and echo (a search that must answer).

import type { PacsConnection } from './connection.js';
import { PacsError } from './errors.js';
import { pacsRequest, readSmall } from './http.js';

export interface StudyMatch {
  studyUid: string;
  accession?: string;
  patientId?: string;
  patientName?: string;
  date?: string;
  description?: string;
  instances?: number;
}

export interface InstanceRef {
  sop: string;
  series: string;
}

type DicomJson = Record<string, { vr?: string; Value?: unknown[] }>;

const UID = /^[0-9]+(\.[0-9]+)*$/;
export const isUid = (s: string): boolean => s.length <= 64 && UID.test(s);

const str = (o: DicomJson, tag: string): string | undefined => {
  const v = o[tag]?.Value?.[0];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object' && 'Alphabetic' in (v as object)) return String((v as { Alphabetic: unknown }).Alphabetic);
  return String(v);
};

async function qido(conn: PacsConnection, path: string, query: Record<string, string>, what: string, signal?: AbortSignal): Promise<DicomJson[]> {
  const res = await pacsRequest(conn, { path, query, headers: { accept: 'application/dicom+json' }, what, signal, accept: [204] });
  const text = (await readSmall(conn, res, what)).toString('utf8');
  if (res.status === 204 || text.trim() === '') return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new PacsError('PACS_BAD_RESPONSE', `PACS ${conn.name}: the search for ${what} did not answer JSON`);
  }
  if (!Array.isArray(json)) throw new PacsError('PACS_BAD_RESPONSE', `PACS ${conn.name}: the search for ${what} did not answer a JSON array`);
  return json as DicomJson[];
}

export interface StudyQuery {
  patientId?: string;
  accession?: string;
  studyUid?: string;
  /** YYYYMMDD, YYYYMMDD-YYYYMMDD, -YYYYMMDD or YYYYMMDD- */
  date?: string;
  limit?: number;
}

export async function searchStudies(conn: PacsConnection, q: StudyQuery, signal?: AbortSignal): Promise<StudyMatch[]> {
  const query: Record<string, string> = { includefield: '00081030,00201208' };
  if (q.patientId !== undefined) query.PatientID = q.patientId;
  if (q.accession !== undefined) query.AccessionNumber = q.accession;
  if (q.studyUid !== undefined) query.StudyInstanceUID = q.studyUid;
  if (q.date !== undefined) query.StudyDate = q.date;
  if (q.limit !== undefined) query.limit = String(q.limit);
  const what = Object.entries(q)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');
  const rows = await qido(conn, 'studies', query, `studies (${what || 'all'})`, signal);
  return rows.flatMap((r) => {
    const studyUid = str(r, '0020000D');
    if (!studyUid || !isUid(studyUid)) return [];
    const n = str(r, '00201208');
    return [
      {
        studyUid,
        accession: str(r, '00080050'),
        patientId: str(r, '00100020'),
        patientName: str(r, '00100010'),
        date: str(r, '00080020'),
        description: str(r, '00081030'),
        ...(n !== undefined && /^\d+$/.test(n) ? { instances: Number(n) } : {}),
      },
    ];
  });
}

/** The one study with this accession number; none or several is an error that says so. */
export async function resolveAccession(conn: PacsConnection, accession: string, signal?: AbortSignal): Promise<string> {
  const found = await searchStudies(conn, { accession }, signal);
  // a PACS may match loosely (wildcards, case): only exact matches count
  const exact = [...new Set(found.filter((s) => s.accession === undefined || s.accession === accession).map((s) => s.studyUid))];
  if (exact.length === 0) throw new PacsError('PACS_NOT_FOUND', `PACS ${conn.name}: no study with accession number ${accession}`);
  if (exact.length > 1) throw new PacsError('PACS_AMBIGUOUS', `PACS ${conn.name}: accession number ${accession} matches ${exact.length} studies; give the StudyInstanceUID`);
  return exact[0];
}

/** Instances asked for per search; a PACS may answer fewer (its own cap), the next page asks from there. */
export const QIDO_PAGE = 1000;
/** A bound on pages (a million instances), so a PACS that repeats itself cannot keep us asking. */
const MAX_PAGES = 1000;

/**
 * Every instance of a study, as the PACS lists it. A PACS caps search results (often silently, at
 * most with a warning header): the list is read page by page with `offset` until a page brings no
 * new instance. The count the study reports (Number of Study Related Instances) is then checked,
 * because a PACS that ignores `offset` repeats its first page: a short list would lose files.
 */
export async function studyInstances(conn: PacsConnection, studyUid: string, signal?: AbortSignal): Promise<InstanceRef[]> {
  const seen = new Map<string, InstanceRef>();
  for (let page = 0; page < MAX_PAGES; page++) {
    const rows = await qido(conn, `studies/${studyUid}/instances`, { includefield: '0020000E', limit: String(QIDO_PAGE), offset: String(seen.size) }, `study ${studyUid}`, signal);
    const before = seen.size;
    for (const r of rows) {
      const sop = str(r, '00080018');
      const series = str(r, '0020000E');
      if (sop && series && isUid(sop) && isUid(series) && !seen.has(sop)) seen.set(sop, { sop, series });
    }
    if (seen.size === before) break;
  }
  const total = (await searchStudies(conn, { studyUid }, signal)).find((s) => s.studyUid === studyUid)?.instances;
  if (total !== undefined && seen.size < total) {
    throw new PacsError(
      'PACS_BAD_RESPONSE',
      `PACS ${conn.name}: study ${studyUid} holds ${total} instances, its search listed ${seen.size} (paging not honoured): nothing is fetched rather than part of the study`,
    );
  }
  return [...seen.values()];
}

/** A search that must answer: the round trip in ms. */
export async function echo(conn: PacsConnection, signal?: AbortSignal): Promise<number> {
  const t0 = performance.now();
  await qido(conn, 'studies', { limit: '1' }, 'echo (a one-study search)', signal);
  return Math.round(performance.now() - t0);
}
