// modify_job and cancel_job: set job fields (anonapi's reset and opt-out sets, or any field) and
// stop a running job when it changes under it.

import { ApiErrors } from './errors.js';
import { jobExtended } from './job-json.js';
import { checkProject, findJob, parseBool, parseIntParam, wado, type IdisContext } from './job-rules.js';
import { isPacsSource } from './pacs-source.js';
import { PathRefused } from './errors.js';
import { checkSource, toLocalPath } from './paths.js';
import { JOB_STATUSES, type JobStatus, type Modifiable } from './store.js';

/** modify_job parameter → column (create_job's names are accepted too). */
const ALIASES: Record<string, Modifiable> = {
  anonymizedpatientid: 'source_anonymizedpatientid',
  anonymizedpatientname: 'source_anonymizedpatientname',
  pims_keyfile_id: 'source_pims_keyfile_id',
};
/** What an IDIS user changes of their own job: anonapi's reset, cancel-like status and opt-out override. */
const USER_SETTABLE: Modifiable[] = ['status', 'description', 'priority', 'source_ignore_opt_out', 'source_ignore_opt_out_reason'];
/** What an admin may change besides: where the job reads and writes, and its project and pseudonyms. */
const ADMIN_SETTABLE: Modifiable[] = [
  ...USER_SETTABLE,
  'project_name',
  'destination_type',
  'destination_path',
  'destination_name',
  'destination_network',
  'source_type',
  'source_path',
  'source_name',
  'source_instance_id',
  'source_anonymizedpatientid',
  'source_anonymizedpatientname',
  'source_pims_keyfile_id',
  'source_sop_class_filter_list',
];
/**
 * Written by the server only. anonapi's reset sends files_downloaded=0, files_processed=0 and a
 * blank error: those exact values are accepted (the reset itself clears them), anything else refused.
 */
const RESET_VALUES: Record<string, (v: string) => boolean> = {
  files_downloaded: (v) => /^\s*0?\s*$/.test(v),
  files_processed: (v) => /^\s*0?\s*$/.test(v),
  error: (v) => v.trim() === '',
};
const READ_ONLY = new Set(['job_id', 'date', 'user_name', 'server', 'files_quarantined', 'created_at', 'started_at', 'completed_at', 'resume']);

type Fields = Record<string, string | number | null>;

/** The stored value of one field as sent ("" clears a text field); ApiErrors/PathRefused if refused. */
function fieldValue(ctx: IdisContext, key: string, col: Modifiable, raw: string): string | number | null {
  switch (col) {
    case 'status': {
      const s = raw.toUpperCase();
      if (!(JOB_STATUSES as readonly string[]).includes(s)) throw new ApiErrors({ status: `Invalid status "${raw}" (${JOB_STATUSES.join(', ')})` });
      if (s !== 'ACTIVE' && s !== 'INACTIVE') throw new ApiErrors({ status: `status ${s} is set by the server only (ACTIVE or INACTIVE)` });
      return s as JobStatus;
    }
    case 'priority':
      return parseIntParam(raw, key);
    case 'source_ignore_opt_out':
      return parseBool(raw, key) ? 1 : 0;
    case 'project_name':
      checkProject(ctx, raw);
      return raw;
    case 'destination_path':
      toLocalPath(raw, ctx.cfg, 'destination_path');
      return raw;
    case 'source_path':
      checkSource(raw, ctx.cfg);
      return raw;
    case 'source_type': {
      const t = raw.toUpperCase();
      if (isPacsSource(t) && ctx.cfg.pacs.length > 0) return t;
      if (t !== 'PATH') throw isPacsSource(t) ? wado(t) : new ApiErrors({ source_type: `Unknown source_type ${raw}` });
      return t;
    }
    case 'destination_type':
      if (raw.toUpperCase() !== 'PATH') throw new ApiErrors({ destination_type: `Unknown destination_type ${raw} (PATH)` });
      return 'PATH';
    default:
      return raw === '' ? null : raw;
  }
}

/** `params`: job_id and the fields to set, as sent (user_name is ignored). */
export function modifyJob(ctx: IdisContext, id: number, params: Record<string, string>): Record<string, unknown> {
  const job = findJob(ctx, id);
  const errors: Record<string, string> = {};
  const fields: Fields = {};
  for (const [key, raw] of Object.entries(params)) {
    if (key === 'job_id' || key === 'user_name') continue;
    const col = (ALIASES[key] ?? key) as Modifiable;
    if (key in RESET_VALUES) {
      if (!RESET_VALUES[key](raw)) errors[key] = `${key} is set by the server only (a reset sends ${key === 'error' ? 'a blank error' : '0'})`;
      continue;
    }
    if (READ_ONLY.has(key)) {
      errors[key] = `${key} cannot be modified`;
      continue;
    }
    if (!(ctx.user.role === 'admin' ? ADMIN_SETTABLE : USER_SETTABLE).includes(col)) {
      errors[key] = ADMIN_SETTABLE.includes(col) ? `${key} cannot be modified by a user (only by an admin)` : `Unknown job field ${key}`;
      continue;
    }
    try {
      fields[col] = fieldValue(ctx, key, col, raw);
    } catch (e) {
      if (e instanceof ApiErrors) Object.assign(errors, e.errors);
      else if (e instanceof PathRefused) errors[key] = e.message;
      else throw e;
    }
  }
  const ignore = fields.source_ignore_opt_out ?? job.source_ignore_opt_out;
  const reason = 'source_ignore_opt_out_reason' in fields ? fields.source_ignore_opt_out_reason : job.source_ignore_opt_out_reason;
  if (ignore && !reason) errors.source_ignore_opt_out_reason = 'source_ignore_opt_out needs a source_ignore_opt_out_reason';
  if (Object.keys(errors).length) throw new ApiErrors(errors);
  if (Object.keys(fields).length === 0) return jobExtended(job);
  // Any change to a running job stops its run; setting ACTIVE (a reset) starts it afresh.
  if (ctx.runner.isRunning(id)) {
    ctx.runner.abort(id);
    if (!('status' in fields)) fields.status = 'ACTIVE';
  }
  // anonapi's reset: the counters start again; a blank error as sent is kept, as IDIS does
  if (fields.status === 'ACTIVE')
    Object.assign(fields, { resume: 0, error: params.error?.trim() === '' ? params.error : null, files_downloaded: 0, files_processed: 0, files_quarantined: 0 });
  const updated = ctx.store.update(id, fields as never)!;
  ctx.runner.wake();
  return jobExtended(updated);
}

export function cancelJob(ctx: IdisContext, id: number): Record<string, unknown> {
  findJob(ctx, id);
  ctx.runner.abort(id);
  return jobExtended(ctx.store.update(id, { status: 'INACTIVE' })!);
}
