// Checks shared by the job functions: job ids, projects a user may use, typed parameter values.

import { ApiErrors } from './errors.js';
import type { ServeConfig, ServeUser } from './config.js';
import type { JobRunner } from './runner.js';
import type { JobRow, JobStore } from './store.js';

/** What a job function works with: one "server" (path prefix) of one authenticated user. */
export interface IdisContext {
  cfg: ServeConfig;
  store: JobStore;
  runner: JobRunner;
  user: ServeUser;
  server: string;
}

export const JOB_ID_PATTERN = '^\\s*\\d{1,15}\\s*$';

/** Whose jobs the user sees: their own, or everyone's (undefined) for an admin. */
export const ownerScope = (u: ServeUser): string | undefined => (u.role === 'admin' ? undefined : u.name);

/** A job of this server the user may see; another user's job answers exactly as a missing one. */
export function findJob(ctx: IdisContext, id: number): JobRow {
  const j = ctx.store.getMany([id], ctx.server, ownerScope(ctx.user))[0];
  if (!j) throw new ApiErrors({ job_id: `Job with id ${id} does not exist` });
  return j;
}

export const parseBool = (v: string, name: string): boolean => {
  if (/^(true|1|yes)$/i.test(v)) return true;
  if (/^(false|0|no)$/i.test(v)) return false;
  throw new ApiErrors({ [name]: `Invalid value for ${name}: "${v}" (True or False)` });
};

export const parseIntParam = (v: string, name: string): number => {
  if (!/^-?\d{1,9}$/.test(v.trim())) throw new ApiErrors({ [name]: `Invalid value for ${name}: "${v}" is not a whole number` });
  return Number(v.trim());
};

export function checkProject(ctx: IdisContext, project: string): void {
  if (!ctx.cfg.projects[project]) {
    throw new ApiErrors({ project_name: `Unknown project_name ${project} (projects on this server: ${Object.keys(ctx.cfg.projects).join(', ')})` });
  }
  if (ctx.user.projects && !ctx.user.projects.includes(project)) {
    throw new ApiErrors({ AnonymizeInputException: `given user_name \`${ctx.user.name}\` is not connected to given project_name ${project}` });
  }
}

export const wado = (type: string): ApiErrors =>
  new ApiErrors({
    source_type: `source_type ${type} is not configured on this server: there is no PACS/WADO (DICOMweb) source yet. Use source_type PATH with a folder: or fileselection: source_path`,
  });

/** Runs `check`, adding its ApiErrors to `errors` instead of throwing. */
export function collect(errors: Record<string, string>, check: () => void): void {
  try {
    check();
  } catch (e) {
    if (!(e instanceof ApiErrors)) throw e;
    Object.assign(errors, e.errors);
  }
}
