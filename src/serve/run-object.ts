// A job as an anonymization-run resource (Dataframer-style, ../shared/api/README.md §4): status
// mapped from the IDIS status, and with `full` the results and files of its run report.

import type { RunReport } from '../job/report.js';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { isInside } from '../io/walk.js';
import type { ServeConfig } from './config.js';
import { jobExtended } from './job-json.js';
import { jobReportDir } from './runner.js';
import type { JobRow } from './store.js';

/** The reference's four statuses; a cancelled job (INACTIVE) is FAILED with results.error "canceled". */
function runStatus(j: JobRow): 'PENDING' | 'PROCESSING' | 'SUCCEEDED' | 'FAILED' {
  switch (j.status) {
    case 'UPLOADED':
      return 'PROCESSING';
    case 'DONE':
      return 'SUCCEEDED';
    case 'ERROR':
    case 'INACTIVE':
      return 'FAILED';
    default:
      return 'PENDING';
  }
}

const runError = (j: JobRow): string | null => (j.status === 'INACTIVE' ? 'canceled' : j.status === 'ERROR' ? j.error : null);

/** The source a run read, as the reference's dataset: its identifier, and its last name for people. */
function dataset(j: JobRow): { dataset_id: string | null; dataset_name: string | null } {
  if (!j.source_path) return { dataset_id: null, dataset_name: null };
  const parts = j.source_path
    .replace(/^(folder|fileselection):/i, '')
    .split(/[\\/]+/)
    .filter(Boolean);
  return { dataset_id: j.source_path, dataset_name: parts[parts.length - 1] ?? j.source_path };
}

/** The report's files, their paths relative to the job's destination (the report keeps local ones). */
export function reportFiles(cfg: ServeConfig, j: JobRow): { id: string; path: string; local: string; size_in_bytes: number; content_type: string }[] {
  const report = readReport(cfg, j);
  const out = report?.options?.out as string | undefined;
  return (report?.anonymized_files ?? []).flatMap((f) =>
    out && typeof f.path === 'string' && isInside(f.path, out)
      ? [{ id: String(f.id), path: relative(out, f.path).split(sep).join('/'), local: f.path, size_in_bytes: f.size_in_bytes, content_type: f.content_type }]
      : [],
  );
}

/** The run report of a finished job, if it has one that parses. */
function readReport(cfg: ServeConfig, j: JobRow): RunReport | undefined {
  const reportFile = join(jobReportDir(cfg, j.job_id), 'report.json');
  if (!existsSync(reportFile) || (j.status !== 'DONE' && j.status !== 'ERROR' && j.status !== 'INACTIVE')) return undefined;
  try {
    return JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
  } catch {
    return undefined;
  }
}

export function runObject(cfg: ServeConfig, j: JobRow, full: boolean): Record<string, unknown> {
  const summary = {
    id: j.run_id,
    status: runStatus(j),
    ...dataset(j),
    detection_method: 'heuristics',
    profile: cfg.projects[j.project_name] ?? null,
    project_name: j.project_name,
    pii_types: [] as string[],
    llm_model_name: null,
    created_by: j.user_name,
    created_by_email: cfg.users.find((u) => u.name === j.user_name)?.email ?? null,
    server: j.server,
    created_at: j.created_at,
    completed_at: j.completed_at,
  };
  if (!full) return summary;
  const report = readReport(cfg, j);
  const started = j.started_at ? Date.parse(j.started_at) : undefined;
  const ended = j.completed_at ? Date.parse(j.completed_at) : undefined;
  return {
    ...summary,
    // how text was searched, as the run reported it (a run without text cleaning reports its defaults)
    ...(report ? { pii_types: report.pii_types ?? [], detection_method: report.detection_method ?? summary.detection_method, llm_model_name: report.llm_model_name ?? null } : {}),
    duration_seconds: started !== undefined && ended !== undefined ? Math.round((ended - started) / 1000) : null,
    results: {
      entity_summary: report?.results?.entity_summary ?? {},
      samples_processed: report?.results?.samples_processed ?? j.files_processed ?? 0,
      entities_found: entitiesFound(report),
      error: runError(j),
    },
    anonymized_files: reportFiles(cfg, j).map(({ local: _local, ...f }) => f),
    files_downloaded: j.files_downloaded,
    files_processed: j.files_processed,
    files_quarantined: j.files_quarantined,
    job: jobExtended(j),
  };
}

/** Identifiers found inside text: places and labels, never the text; files named relative to the destination. */
function entitiesFound(report: RunReport | undefined): Record<string, unknown>[] {
  const out = report?.options?.out as string | undefined;
  return (report?.results?.entities_found ?? []).map(({ file, ...e }) => ({ ...e, file: out && isInside(file, out) ? relative(out, file).split(sep).join('/') : null }));
}
