// The IDIS read functions (GET): get_jobs, get_job, get_jobs_list, get_jobs_list_extended.

import { ApiErrors } from '../../errors.js';
import { listValues } from '../../form.js';
import { jobCore, jobExtended, keyed } from '../../job-json.js';
import { findJob } from '../../job-rules.js';
import type { IdisRoutes } from '../types.js';
import { jobList, noParams, oneJob } from './functions.js';

function listIds(v: string[] | undefined): number[] {
  const ids = listValues(v);
  if (ids.length === 0) throw new ApiErrors({ job_ids: 'Required parameter job_ids not supplied' });
  return ids.filter((s) => /^\d{1,15}$/.test(s)).map(Number);
}

export const readRoutes: IdisRoutes = (app, ctxOf) => {
  app.get('/get_jobs', { schema: { body: noParams } }, async (req) => {
    const ctx = ctxOf(req);
    return keyed(ctx.store.recent(50, ctx.server), jobCore);
  });
  app.get('/get_job', { schema: { body: oneJob } }, async (req) => jobExtended(findJob(ctxOf(req), Number(req.body.job_id.trim()))));
  app.get('/get_jobs_list', { schema: { body: jobList } }, async (req) => {
    const ctx = ctxOf(req);
    return keyed(ctx.store.getMany(listIds(req.body.job_ids), ctx.server), jobCore);
  });
  app.get('/get_jobs_list_extended', { schema: { body: jobList } }, async (req) => {
    const ctx = ctxOf(req);
    return keyed(ctx.store.getMany(listIds(req.body.job_ids), ctx.server), jobExtended);
  });
};
