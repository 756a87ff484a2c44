// The IDIS read functions (GET): get_jobs, get_job, get_jobs_list, get_jobs_list_extended.

import { ApiErrors } from '../../errors.js';
import { listValues } from '../../form.js';
import { jobCore, jobExtended, keyed } from '../../job-json.js';
import { findJob, ownerScope } from '../../job-rules.js';
import type { IdisRoutes } from '../types.js';
import { jobList, noParams, oneJob } from './functions.js';

/** More ids than any client lists at once: a 400, not a query that large. */
export const MAX_JOB_IDS = 1000;

function listIds(v: string[] | undefined): number[] {
  const ids = listValues(v);
  if (ids.length === 0) throw new ApiErrors({ job_ids: 'Required parameter job_ids not supplied' });
  if (ids.length > MAX_JOB_IDS) throw new ApiErrors({ job_ids: `at most ${MAX_JOB_IDS} job_ids per request (got ${ids.length})` });
  return ids.filter((s) => /^\d{1,15}$/.test(s)).map(Number);
}

export const readRoutes: IdisRoutes = (app, ctxOf) => {
  app.get('/get_jobs', { schema: { body: noParams } }, async (req) => {
    const ctx = ctxOf(req);
    return keyed(ctx.store.recent(50, ctx.server, ownerScope(ctx.user)), jobCore);
  });
  app.get('/get_job', { schema: { body: oneJob } }, async (req) => jobExtended(findJob(ctxOf(req), Number(req.body.job_id.trim()))));
  app.get('/get_jobs_list', { schema: { body: jobList } }, async (req) => {
    const ctx = ctxOf(req);
    return keyed(ctx.store.getMany(listIds(req.body.job_ids), ctx.server, ownerScope(ctx.user)), jobCore);
  });
  app.get('/get_jobs_list_extended', { schema: { body: jobList } }, async (req) => {
    const ctx = ctxOf(req);
    return keyed(ctx.store.getMany(listIds(req.body.job_ids), ctx.server, ownerScope(ctx.user)), jobExtended);
  });
};
