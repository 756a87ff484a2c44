// The IDIS write functions (POST): create_job, cancel_job, modify_job. Success is 200 with the
// job (anonapi takes 201/204 for failures).

import { createJob } from '../../create-job.js';
import { cancelJob, modifyJob } from '../../modify-job.js';
import type { IdisRoutes } from '../types.js';
import { createJobParams, modifyJobParams, oneJob } from './functions.js';

/** The last value of each parameter (a field is set once). */
const lastValues = (body: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(body).map(([k, v]) => [k, Array.isArray(v) ? String(v[v.length - 1] ?? '') : String(v)]));

export const writeRoutes: IdisRoutes = (app, ctxOf) => {
  app.post('/create_job', { schema: { body: createJobParams } }, async (req) => createJob(ctxOf(req), req.body));
  app.post('/cancel_job', { schema: { body: oneJob } }, async (req) => cancelJob(ctxOf(req), Number(req.body.job_id.trim())));
  app.post('/modify_job', { schema: { body: modifyJobParams } }, async (req) => modifyJob(ctxOf(req), Number(req.body.job_id.trim()), lastValues(req.body)));
};
