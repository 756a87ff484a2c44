// `anon run`'s DICOMweb ends: studies fetched from a PACS (by StudyInstanceUID or accession number)
// into a private temp folder that the batch then reads, and the outputs sent to a PACS by STOW-RS.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { Journal } from '../job/journal.js';
import { fetchStudy, parsePacsArg, resolveStudyRef, stowFiles, type PacsConnection, type StudyRef } from '../pacs/index.js';

/** A connection from --pacs/--stow: a URL (user:password@ for basic auth), bearer token from the environment. */
export function runConnection(name: string, url: string, bearer: string | undefined): PacsConnection {
  const c = parsePacsArg(`${name}=${url}`);
  return bearer && c.auth.type === 'none' ? { ...c, auth: { type: 'bearer', token: bearer } } : c;
}

export interface FetchedStudies {
  /** the private folder holding the fetched originals: remove it when done */
  dir: string;
  /** one folder per study */
  inputs: string[];
  remove(): void;
}

/** Fetches each study into a private temp folder; onInstance counts instances as they arrive. */
export async function fetchStudies(conn: PacsConnection, refs: StudyRef[], onInstance: (total: number) => void, signal?: AbortSignal): Promise<FetchedStudies> {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-pacs-'));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  const inputs: string[] = [];
  let before = 0;
  try {
    for (const ref of refs) {
      const study = await resolveStudyRef(conn, ref, signal);
      const into = join(dir, study);
      const r = await fetchStudy(conn, study, into, { signal, onInstance: (n) => onInstance(before + n) });
      before += r.expected;
      inputs.push(into);
    }
  } catch (e) {
    remove();
    throw e;
  }
  return { dir, inputs, remove };
}

/** STOW-RS of what the run wrote. */
export async function stowReport(conn: PacsConnection, out: string, reportDir: string, signal?: AbortSignal): Promise<number> {
  // the journal, not the returned report: its lists are cut at IN_MEMORY_LISTED entries
  const files: string[] = [];
  for (const e of Journal.read(join(reportDir, 'journal.ndjson'))) if (e.status === 'written') files.push(isAbsolute(e.output) ? e.output : join(out, e.output));
  return stowFiles(conn, files, { signal });
}
