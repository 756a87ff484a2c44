// create_job: a PATH job from a folder: or fileselection: source, or a WADO/PACS job from a
// StudyInstanceUID or accession_number: on a configured PACS, to a destination inside the server's roots. Every problem with the request is reported at once, as IDIS does.

import { ApiErrors } from './errors.js';
import { given } from './form.js';
import { jobExtended } from './job-json.js';
import { checkProject, collect, parseBool, parseIntParam, type IdisContext } from './job-rules.js';
import { checkPacsSource, isPacsSource } from './pacs-source.js';
import { PathRefused } from './errors.js';
import { checkSource, toLocalPath } from './paths.js';
import { jobKeyFile } from './project-keys.js';

/** The create_job parameters ("" counts as not given). */
export interface CreateJobParams {
  source_type?: string;
  source_path?: string;
  source_name?: string;
  source_instance_id?: string;
  destination_type?: string;
  destination_path?: string;
  project_name?: string;
  anonymizedpatientid?: string;
  anonymizedpatientname?: string;
  description?: string;
  pims_keyfile_id?: string;
  priority?: string;
  source_ignore_opt_out?: string;
  source_ignore_opt_out_reason?: string;
  source_sop_class_filter_list?: string;
}

const refusedPath = (errors: Record<string, string>, what: string, check: () => void): void => {
  try {
    check();
  } catch (e) {
    if (!(e instanceof PathRefused)) throw e;
    errors[what] = e.message;
  }
};

export function createJob(ctx: IdisContext, body: CreateJobParams): Record<string, unknown> {
  const p = (k: keyof CreateJobParams): string | undefined => given(body[k]);
  const errors: Record<string, string> = {};
  const sourceType = (p('source_type') ?? '').toUpperCase();
  const destType = (p('destination_type') ?? 'PATH').toUpperCase();
  const project = p('project_name');
  const dest = p('destination_path');
  const source = p('source_path');
  if (!sourceType) errors.source_type = 'Required parameter source_type not supplied';
  else if (isPacsSource(sourceType)) Object.assign(errors, checkPacsSource(ctx.cfg.pacs, sourceType, p('source_instance_id')));
  else if (sourceType !== 'PATH') errors.source_type = `Unknown source_type ${sourceType} (PATH or WADO)`;
  if (destType !== 'PATH') errors.destination_type = `Unknown destination_type ${destType} (PATH)`;
  if (!project) errors.project_name = 'Required parameter project_name not supplied';
  else collect(errors, () => checkProject(ctx, project));
  if (!dest) errors.destination_path = 'Required parameter destination_path not supplied';
  else refusedPath(errors, 'destination_path', () => toLocalPath(dest, ctx.cfg, 'destination_path'));
  if (sourceType === 'PATH') {
    if (!source) errors.source_path = 'Required parameter source_path not supplied';
    else refusedPath(errors, 'source_path', () => checkSource(source, ctx.cfg));
  }
  const keyId = p('pims_keyfile_id');
  if (keyId !== undefined) refusedPath(errors, 'pims_keyfile_id', () => jobKeyFile(ctx.cfg.data_dir, project ?? '', keyId));
  let priority: number | undefined;
  let ignoreOptOut = false;
  collect(errors, () => {
    const pr = p('priority');
    if (pr !== undefined) priority = parseIntParam(pr, 'priority');
    const io = p('source_ignore_opt_out');
    if (io !== undefined) ignoreOptOut = parseBool(io, 'source_ignore_opt_out');
  });
  const reason = p('source_ignore_opt_out_reason');
  if (ignoreOptOut && !reason) errors.source_ignore_opt_out_reason = 'source_ignore_opt_out needs a source_ignore_opt_out_reason';
  if (Object.keys(errors).length) throw new ApiErrors(errors);
  const job = ctx.store.create({
    server: ctx.server,
    user_name: ctx.user.name,
    project_name: project!,
    priority,
    description: p('description') ?? null,
    source_type: sourceType,
    source_path: source ?? null,
    source_name: p('source_name') ?? null,
    source_instance_id: p('source_instance_id') ?? null,
    destination_type: destType,
    destination_path: dest ?? null,
    source_anonymizedpatientid: p('anonymizedpatientid') ?? null,
    source_anonymizedpatientname: p('anonymizedpatientname') ?? null,
    source_pims_keyfile_id: p('pims_keyfile_id') ?? null,
    source_ignore_opt_out: ignoreOptOut ? 1 : 0,
    source_ignore_opt_out_reason: reason ?? null,
    source_sop_class_filter_list: p('source_sop_class_filter_list') ?? null,
  });
  ctx.runner.wake();
  return jobExtended(job);
}
