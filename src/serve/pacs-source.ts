// PACS sources of jobs: the connections anon serve knows (--pacs NAME=URL, or `pacs:` in the
// config file), which one a job uses, and the job's study fetched into a job-owned folder under
// the data folder (never the share), which stays until the job is DONE so a reset only fetches
// what is missing.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ApiErrors } from './errors.js';
import { fetchStudy, pacsConnection, PacsError, parsePacsArg, resolveStudyRef, studyRef, type PacsConnection, type PacsConnectionInput } from '../pacs/index.js';

/** anonapi's source types for a PACS job. */
export const isPacsSource = (type: string | null | undefined): boolean => /^(WADO|PACS)$/i.test(type ?? '');

/** The JSON schema of the config file's `pacs:` list. */
export const PACS_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'url'],
    properties: {
      name: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' },
      url: { type: 'string', minLength: 1 },
      auth: {
        oneOf: [
          { type: 'object', additionalProperties: false, required: ['type'], properties: { type: { const: 'none' } } },
          {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'user', 'password'],
            properties: { type: { const: 'basic' }, user: { type: 'string' }, password: { type: 'string' } },
          },
          { type: 'object', additionalProperties: false, required: ['type', 'token'], properties: { type: { const: 'bearer' }, token: { type: 'string', minLength: 1 } } },
        ],
      },
      wado_uri: { type: 'string', minLength: 1 },
      timeout_ms: { type: 'integer', minimum: 1 },
      concurrency: { type: 'integer', minimum: 1, maximum: 64 },
      retries: { type: 'integer', minimum: 0, maximum: 20 },
      backoff_ms: { type: 'integer', minimum: 0 },
    },
  },
} as const;

/** Connections from the config file's entries and the --pacs flags, names unique. */
export function pacsConnections(fromFile: PacsConnectionInput[] | undefined, flags: string[] | undefined): PacsConnection[] {
  const all = [...(fromFile ?? []).map(pacsConnection), ...(flags ?? []).map(parsePacsArg)];
  const names = new Set<string>();
  for (const c of all) {
    if (names.has(c.name)) throw new PacsError('PACS_CONFIG', `PACS ${c.name} is configured twice`);
    names.add(c.name);
  }
  return all;
}

/** The PACS a job reads: the one its source_name names, else the first configured (anonapi sends IDC_WADO). */
export function pacsForJob(pacs: PacsConnection[], sourceName: string | null | undefined): PacsConnection | undefined {
  return pacs.find((p) => p.name === sourceName) ?? pacs[0];
}

/** create_job's and modify_job's checks of a PACS source, as ApiErrors fields. */
export function checkPacsSource(pacs: PacsConnection[], type: string, instanceId: string | undefined): Record<string, string> {
  if (pacs.length === 0) {
    return {
      source_type: `source_type ${type} is not configured on this server: no PACS (start anon serve with --pacs NAME=URL, or pacs: in its config). Use source_type PATH with a folder: or fileselection: source_path`,
    };
  }
  if (!instanceId) return { source_instance_id: 'Required parameter source_instance_id not supplied (a StudyInstanceUID or accession_number:NR)' };
  try {
    studyRef(instanceId);
  } catch (e) {
    if (e instanceof PacsError) return { source_instance_id: e.message };
    throw e;
  }
  return {};
}

export const throwIfAny = (errors: Record<string, string>): void => {
  if (Object.keys(errors).length) throw new ApiErrors(errors);
};

export const downloadDir = (jobDir: string): string => join(jobDir, 'download');

/** Fetches the job's study (what is not there yet) and gives its files; PacsError on failure. */
export async function fetchJobStudy(
  pacs: PacsConnection[],
  job: { source_name: string | null; source_instance_id: string | null },
  jobDir: string,
  signal: AbortSignal,
  onInstance: (present: number) => void,
): Promise<{ files: string[]; study: string }> {
  const conn = pacsForJob(pacs, job.source_name);
  if (!conn) throw new PacsError('PACS_CONFIG', 'no PACS is configured on this server (anon serve --pacs NAME=URL)');
  const ref = studyRef(job.source_instance_id ?? '');
  const study = await resolveStudyRef(conn, ref, signal);
  const r = await fetchStudy(conn, study, join(downloadDir(jobDir), study), { signal, onInstance: (n) => onInstance(n) });
  return { files: r.files, study };
}

/** The fetched originals go once the job is DONE: identified data does not linger on the server. */
export const removeDownload = (jobDir: string): void => rmSync(downloadDir(jobDir), { recursive: true, force: true });
