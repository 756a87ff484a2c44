// How a job de-identifies and where it writes, in one place: the runner uses it for the batch and
// the review page for an image released from the job's quarantine, so a released file gets the
// same project key, profile and pseudonyms as the rest of its study, in the same destination.

import { setupDeid, type DeidSetup } from '../job/setup.js';
import { ConfinementError, openConfined } from '../io/confined.js';
import type { Rule } from '../profile/load.js';
import type { ServeConfig } from './config.js';
import { PathRefused } from './errors.js';
import { destinationParts, toLocalPath } from './paths.js';
import { jobKeyFile } from './project-keys.js';
import type { JobRow } from './store.js';

export interface JobDeid {
  setup: DeidSetup;
  /** the project's key file (or the one pims_keyfile_id names): projects cannot be linked */
  keyFile: string;
}

/** The project's profile with the job's own pseudonyms as an in-memory layer, under the project's key. */
export function jobDeid(cfg: ServeConfig, job: JobRow, profileRef: string | string[]): JobDeid {
  const rules: Rule[] = [];
  if (job.source_anonymizedpatientid) rules.push({ match: { tag: '(0010,0020)' }, action: { set: job.source_anonymizedpatientid }, name: 'job pseudonym: Patient ID' });
  if (job.source_anonymizedpatientname) rules.push({ match: { tag: '(0010,0010)' }, action: { set: job.source_anonymizedpatientname }, name: 'job pseudonym: Patient Name' });
  const overlay = rules.length ? { name: `job-${job.job_id}`, description: `IDIS job ${job.job_id}: the project's profile with the job's pseudonyms`, rules } : undefined;
  const keyFile = jobKeyFile(cfg.data_dir, job.project_name, job.source_pims_keyfile_id);
  return { setup: setupDeid({ profile: profileRef, secretFile: keyFile, overlay, record: true }), keyFile };
}

/** The job's destination: its local path, and the folder opened one component at a time (a symlink anywhere is refused). */
export function openJobDestination(cfg: ServeConfig, job: JobRow): { out: string; outFd: number } {
  const out = toLocalPath(job.destination_path ?? '', cfg, 'destination_path');
  return { out, outFd: openDestination(destinationParts(out, cfg), job) };
}

export function openDestination(dest: { base: string; parts: string[] }, job: JobRow): number {
  try {
    return openConfined(dest.base, dest.parts, true);
  } catch (e) {
    if (e instanceof ConfinementError) throw new PathRefused(`destination ${job.destination_path ?? ''}: ${e.message}`);
    throw e;
  }
}
