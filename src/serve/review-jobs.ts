// The review page inside anon serve lists the quarantines of the server's own jobs: each user sees
// the jobs they created (an admin all of them), and an image released there is de-identified as
// its job wrote the rest of the study: the project's key, the job's profile and pseudonyms, into
// the job's destination (opened confined) by the server's layout, pseudonyms kept in the mapping.

import { closeSync, existsSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { isInside } from '../io/walk.js';
import { saveMapping } from '../job/mapping-log.js';
import type { JobReviews, ReviewSource, Viewer } from '../review/types.js';
import { ReviewError } from '../review/errors.js';
import type { ServeConfig } from './config.js';
import { jobDeid, openJobDestination } from './job-deid.js';
import { resolveSourceInputs } from './paths.js';
import { isPacsSource } from './pacs-source.js';
import { jobReportDir } from './runner.js';
import type { JobRow, JobStore } from './store.js';

/** A job still queued or running has no settled quarantine yet. */
const SETTLED = new Set(['DONE', 'ERROR', 'INACTIVE']);
const MAX_JOBS = 1000;

export function jobReviews(cfg: ServeConfig, store: JobStore): JobReviews {
  const jobOf = (source: ReviewSource): JobRow => {
    const job = source.job === undefined ? undefined : store.get(source.job);
    if (!job || !SETTLED.has(job.status)) throw new ReviewError('REVIEW_CONFLICT', 'the job is running again: review its images when it is done');
    return job;
  };
  const deidOf = (job: JobRow) => {
    const profile = cfg.projects[job.project_name];
    if (!profile) throw new ReviewError('REVIEW_INVALID', `project ${job.project_name} is no longer configured on this server`);
    return jobDeid(cfg, job, profile);
  };
  return {
    sources(viewer: Viewer): ReviewSource[] {
      return store
        .recent(MAX_JOBS, undefined, viewer.admin ? undefined : viewer.name)
        .filter((j) => SETTLED.has(j.status) && existsSync(join(jobReportDir(cfg, j.job_id), 'journal.ndjson')))
        .map((j) => ({ kind: 'job', root: jobReportDir(cfg, j.job_id), job: j.job_id }));
    },
    profile: (source) => deidOf(jobOf(source)).setup.profile,
    release(source, path) {
      const job = jobOf(source);
      const { setup, keyFile } = deidOf(job);
      const { out, outFd } = openJobDestination(cfg, job);
      return {
        out,
        outFd,
        layout: cfg.layout,
        env: setup.env,
        rel: relName(cfg, job, path),
        close(written: boolean) {
          closeSync(outFd);
          if (written && setup.recorder) saveMapping(cfg.data_dir, keyFile, setup.recorder);
        },
      };
    },
  };
}

/** The name the job's walk gave the file: below its source folder, or its own name (files, PACS downloads). */
function relName(cfg: ServeConfig, job: JobRow, path: string): string {
  if (isPacsSource(job.source_type) || !job.source_path) return basename(path);
  const root = resolveSourceInputs(job.source_path, cfg).find((i) => i !== path && isInside(path, i));
  return root ? relative(root, path) : basename(path);
}
