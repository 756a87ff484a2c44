// The IDIS web API functions as the anonapi client calls them (../shared/api/README.md §1):
// form parameters, 200 + JSON on success, 400 {"errors": {...}} for bad parameters and unknown
// jobs, objects keyed by job id for lists.

import type { ServeConfig, ServeUser } from './config.js';
import { checkSource, PathRefused, toLocalPath } from './paths.js';
import type { JobRunner } from './runner.js';
import { JOB_STATUSES, type JobRow, type JobStatus, type JobStore, type Modifiable } from './store.js';

/** Request parameters: repeated keys keep every value; "" means not given. */
export class Params {
  constructor(private readonly map: Map<string, string[]>) {}

  static from(...sources: (Map<string, string[]> | undefined)[]): Params {
    const m = new Map<string, string[]>();
    for (const s of sources) if (s) for (const [k, v] of s) m.set(k, v); // later sources win
    return new Params(m);
  }

  one(k: string): string | undefined {
    const v = this.map.get(k);
    const last = v?.[v.length - 1];
    return last === undefined || last === '' ? undefined : last;
  }

  /** Like one(), but "" is kept (a field set to empty). */
  raw(k: string): string | undefined {
    const v = this.map.get(k);
    return v?.[v.length - 1];
  }

  many(k: string): string[] {
    return (this.map.get(k) ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  }

  keys(): string[] {
    return [...this.map.keys()];
  }
}

export class ApiErrors extends Error {
  constructor(readonly errors: Record<string, string>) {
    super(Object.values(errors).join('; '));
  }
}

export interface IdisContext {
  cfg: ServeConfig;
  store: JobStore;
  runner: JobRunner;
  user: ServeUser;
  server: string;
}

const CORE = ['job_id', 'date', 'user_name', 'status', 'error', 'description', 'project_name', 'priority', 'files_downloaded', 'files_processed'] as const;

export function jobCore(j: JobRow): Record<string, unknown> {
  return Object.fromEntries(CORE.map((k) => [k, j[k] ?? null]));
}

export function jobExtended(j: JobRow): Record<string, unknown> {
  return {
    ...jobCore(j),
    files_quarantined: j.files_quarantined,
    destination_id: j.job_id,
    destination_name: j.destination_name,
    destination_path: j.destination_path,
    destination_network: j.destination_network,
    destination_status: 'BASE',
    destination_type: j.destination_type,
    source_id: j.job_id,
    source_instance_id: j.source_instance_id,
    source_status: 'NEW',
    source_type: j.source_type,
    source_anonymizedpatientid: j.source_anonymizedpatientid,
    source_anonymizedpatientname: j.source_anonymizedpatientname,
    source_pims_keyfile_id: j.source_pims_keyfile_id,
    source_name: j.source_name,
    source_path: j.source_path,
    source_protocol: null,
    source_subject: null,
    source_sop_class_filter_list: j.source_sop_class_filter_list,
  };
}

const keyed = (rows: JobRow[], f: (j: JobRow) => Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(rows.map((j) => [String(j.job_id), f(j)]));

function jobIdParam(p: Params, name = 'job_id'): number {
  const v = p.one(name);
  if (v === undefined) throw new ApiErrors({ [name]: `Required parameter ${name} not supplied` });
  if (!/^\d{1,15}$/.test(v.trim())) throw new ApiErrors({ [name]: `Invalid value for ${name}: "${v}" is not a job id (a whole number)` });
  return Number(v.trim());
}

function findJob(ctx: IdisContext, id: number): JobRow {
  const j = ctx.store.getMany([id], ctx.server)[0];
  if (!j) throw new ApiErrors({ job_id: `Job with id ${id} does not exist` });
  return j;
}

const parseBool = (v: string, name: string): boolean => {
  if (/^(true|1|yes)$/i.test(v)) return true;
  if (/^(false|0|no)$/i.test(v)) return false;
  throw new ApiErrors({ [name]: `Invalid value for ${name}: "${v}" (True or False)` });
};

const parseIntParam = (v: string, name: string): number => {
  if (!/^-?\d{1,9}$/.test(v.trim())) throw new ApiErrors({ [name]: `Invalid value for ${name}: "${v}" is not a whole number` });
  return Number(v.trim());
};

function checkProject(ctx: IdisContext, project: string): void {
  if (!ctx.cfg.projects[project]) {
    throw new ApiErrors({ project_name: `Unknown project_name ${project} (projects on this server: ${Object.keys(ctx.cfg.projects).join(', ')})` });
  }
  if (ctx.user.projects && !ctx.user.projects.includes(project)) {
    throw new ApiErrors({ AnonymizeInputException: `given user_name \`${ctx.user.name}\` is not connected to given project_name ${project}` });
  }
}

const wado = (type: string): ApiErrors =>
  new ApiErrors({
    source_type: `source_type ${type} is not configured on this server: there is no PACS/WADO (DICOMweb) source yet. Use source_type PATH with a folder: or fileselection: source_path`,
  });

function createJob(ctx: IdisContext, p: Params): Record<string, unknown> {
  const errors: Record<string, string> = {};
  const sourceType = (p.one('source_type') ?? '').toUpperCase();
  const destType = (p.one('destination_type') ?? 'PATH').toUpperCase();
  const project = p.one('project_name');
  const dest = p.one('destination_path');
  const source = p.one('source_path');
  if (!sourceType) errors.source_type = 'Required parameter source_type not supplied';
  else if (sourceType === 'WADO' || sourceType === 'PACS') Object.assign(errors, wado(sourceType).errors);
  else if (sourceType !== 'PATH') errors.source_type = `Unknown source_type ${sourceType} (PATH or WADO)`;
  if (destType !== 'PATH') errors.destination_type = `Unknown destination_type ${destType} (PATH)`;
  if (!project) errors.project_name = 'Required parameter project_name not supplied';
  else {
    try {
      checkProject(ctx, project);
    } catch (e) {
      Object.assign(errors, (e as ApiErrors).errors);
    }
  }
  if (!dest) errors.destination_path = 'Required parameter destination_path not supplied';
  else {
    try {
      toLocalPath(dest, ctx.cfg, 'destination_path');
    } catch (e) {
      if (!(e instanceof PathRefused)) throw e;
      errors.destination_path = e.message;
    }
  }
  if (sourceType === 'PATH') {
    if (!source) errors.source_path = 'Required parameter source_path not supplied';
    else {
      try {
        checkSource(source, ctx.cfg);
      } catch (e) {
        if (!(e instanceof PathRefused)) throw e;
        errors.source_path = e.message;
      }
    }
  }
  let priority: number | undefined;
  let ignoreOptOut = false;
  try {
    const pr = p.one('priority');
    if (pr !== undefined) priority = parseIntParam(pr, 'priority');
    const io = p.one('source_ignore_opt_out');
    if (io !== undefined) ignoreOptOut = parseBool(io, 'source_ignore_opt_out');
  } catch (e) {
    Object.assign(errors, (e as ApiErrors).errors);
  }
  const reason = p.one('source_ignore_opt_out_reason');
  if (ignoreOptOut && !reason) errors.source_ignore_opt_out_reason = 'source_ignore_opt_out needs a source_ignore_opt_out_reason';
  if (Object.keys(errors).length) throw new ApiErrors(errors);
  const job = ctx.store.create({
    server: ctx.server,
    user_name: ctx.user.name,
    project_name: project!,
    priority,
    description: p.one('description') ?? null,
    source_type: sourceType,
    source_path: source ?? null,
    source_name: p.one('source_name') ?? null,
    source_instance_id: p.one('source_instance_id') ?? null,
    destination_type: destType,
    destination_path: dest ?? null,
    source_anonymizedpatientid: p.one('anonymizedpatientid') ?? null,
    source_anonymizedpatientname: p.one('anonymizedpatientname') ?? null,
    source_pims_keyfile_id: p.one('pims_keyfile_id') ?? null,
    source_ignore_opt_out: ignoreOptOut ? 1 : 0,
    source_ignore_opt_out_reason: reason ?? null,
    source_sop_class_filter_list: p.one('source_sop_class_filter_list') ?? null,
  });
  ctx.runner.wake();
  return jobExtended(job);
}

/** modify_job parameter → column (create_job's names are accepted too). */
const ALIASES: Record<string, Modifiable> = {
  anonymizedpatientid: 'source_anonymizedpatientid',
  anonymizedpatientname: 'source_anonymizedpatientname',
  pims_keyfile_id: 'source_pims_keyfile_id',
};
const SETTABLE: Modifiable[] = [
  'status', 'error', 'description', 'project_name', 'priority', 'files_downloaded', 'files_processed',
  'destination_type', 'destination_path', 'destination_name', 'destination_network', 'source_type', 'source_path',
  'source_name', 'source_instance_id', 'source_anonymizedpatientid', 'source_anonymizedpatientname', 'source_pims_keyfile_id',
  'source_ignore_opt_out', 'source_ignore_opt_out_reason', 'source_sop_class_filter_list',
];
const READ_ONLY = new Set(['job_id', 'date', 'user_name', 'server', 'files_quarantined', 'created_at', 'started_at', 'completed_at', 'resume']);

function modifyJob(ctx: IdisContext, p: Params): Record<string, unknown> {
  const id = jobIdParam(p);
  const job = findJob(ctx, id);
  const errors: Record<string, string> = {};
  const fields: Record<string, string | number | null> = {};
  for (const key of p.keys()) {
    if (key === 'job_id' || key === 'user_name') continue;
    const col = (ALIASES[key] ?? key) as Modifiable;
    if (READ_ONLY.has(key)) {
      errors[key] = `${key} cannot be modified`;
      continue;
    }
    if (!SETTABLE.includes(col)) {
      errors[key] = `Unknown job field ${key}`;
      continue;
    }
    const raw = p.raw(key) ?? '';
    try {
      switch (col) {
        case 'status': {
          const s = raw.toUpperCase();
          if (!(JOB_STATUSES as readonly string[]).includes(s)) throw new ApiErrors({ status: `Invalid status "${raw}" (${JOB_STATUSES.join(', ')})` });
          if (s === 'UPLOADED') throw new ApiErrors({ status: 'status UPLOADED is set by the server while it processes a job' });
          fields.status = s as JobStatus;
          break;
        }
        case 'priority':
          fields.priority = parseIntParam(raw, key);
          break;
        case 'files_downloaded':
        case 'files_processed':
          fields[col] = raw === '' ? null : parseIntParam(raw, key);
          break;
        case 'source_ignore_opt_out':
          fields[col] = parseBool(raw, key) ? 1 : 0;
          break;
        case 'project_name':
          checkProject(ctx, raw);
          fields[col] = raw;
          break;
        case 'destination_path':
          toLocalPath(raw, ctx.cfg, 'destination_path');
          fields[col] = raw;
          break;
        case 'source_path':
          checkSource(raw, ctx.cfg);
          fields[col] = raw;
          break;
        case 'source_type': {
          const t = raw.toUpperCase();
          if (t !== 'PATH') throw t === 'WADO' || t === 'PACS' ? wado(t) : new ApiErrors({ source_type: `Unknown source_type ${raw}` });
          fields[col] = t;
          break;
        }
        case 'destination_type':
          if (raw.toUpperCase() !== 'PATH') throw new ApiErrors({ destination_type: `Unknown destination_type ${raw} (PATH)` });
          fields[col] = 'PATH';
          break;
        default:
          fields[col] = raw === '' ? null : raw;
      }
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
  if (fields.status === 'ACTIVE') {
    fields.resume = 0;
    if (!('error' in fields)) fields.error = null;
  }
  const updated = ctx.store.update(id, fields as never)!;
  ctx.runner.wake();
  return jobExtended(updated);
}

function cancelJob(ctx: IdisContext, p: Params): Record<string, unknown> {
  const id = jobIdParam(p);
  findJob(ctx, id);
  ctx.runner.abort(id);
  return jobExtended(ctx.store.update(id, { status: 'INACTIVE' })!);
}

export type IdisFunction = (ctx: IdisContext, p: Params) => unknown;

export const IDIS_FUNCTIONS: Record<string, { method: 'GET' | 'POST'; usage: string; inputs: string[]; fn: IdisFunction }> = {
  get_jobs: {
    method: 'GET',
    usage: 'The 50 most recent jobs, keyed by job id',
    inputs: ['user_name'],
    fn: (ctx) => keyed(ctx.store.recent(50, ctx.server), jobCore),
  },
  get_job: {
    method: 'GET',
    usage: 'One job with its source and destination',
    inputs: ['job_id', 'user_name'],
    fn: (ctx, p) => jobExtended(findJob(ctx, jobIdParam(p))),
  },
  get_jobs_list: {
    method: 'GET',
    usage: 'The given jobs, keyed by job id; unknown ids are left out',
    inputs: ['job_ids', 'user_name'],
    fn: (ctx, p) => keyed(ctx.store.getMany(listIds(p), ctx.server), jobCore),
  },
  get_jobs_list_extended: {
    method: 'GET',
    usage: 'The given jobs with source and destination, keyed by job id; unknown ids are left out',
    inputs: ['job_ids', 'user_name'],
    fn: (ctx, p) => keyed(ctx.store.getMany(listIds(p), ctx.server), jobExtended),
  },
  create_job: {
    method: 'POST',
    usage: 'Create a job; source_type PATH with source_path folder:<UNC path> or fileselection:<UNC path to fileselection.txt>',
    inputs: ['source_type', 'source_path', 'destination_type', 'destination_path', 'project_name', 'anonymizedpatientid', 'anonymizedpatientname', 'description', 'pims_keyfile_id', 'priority', 'source_sop_class_filter_list', 'user_name'],
    fn: createJob,
  },
  cancel_job: {
    method: 'POST',
    usage: 'Set a job INACTIVE (stops it if it is running)',
    inputs: ['job_id', 'user_name'],
    fn: cancelJob,
  },
  modify_job: {
    method: 'POST',
    usage: 'Set job fields, e.g. status=ACTIVE&files_downloaded=0&files_processed=0&error=+ (reset) or source_ignore_opt_out=True&source_ignore_opt_out_reason=...',
    inputs: ['job_id', '<any job field>', 'user_name'],
    fn: modifyJob,
  },
};

function listIds(p: Params): number[] {
  const ids = p.many('job_ids');
  if (ids.length === 0) throw new ApiErrors({ job_ids: 'Required parameter job_ids not supplied' });
  return ids.filter((s) => /^\d{1,15}$/.test(s)).map(Number);
}

export function documentation(prefix: string): Record<string, unknown> {
  const handlers: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(IDIS_FUNCTIONS)) {
    handlers[`${prefix === '/' ? '' : prefix}/${name}`] = { [f.method]: { usage: f.usage, inputs: Object.fromEntries(f.inputs.map((i) => [i, { type: 'form parameter' }])) } };
  }
  return {
    overview: 'anonflow anon serve: the IDIS web API (anonapi-compatible). Authorization: Token <token>; parameters form-encoded in the body (GET and POST).',
    handlers,
  };
}
