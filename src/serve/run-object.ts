// A job as an anonymization-run resource (Dataframer-style, ../shared/api/README.md §4): status
// mapped from the IDIS status, and with `full` the results and files of its run report.

import type { RunReport } from '../job/report.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServeConfig } from './config.js';
import { jobExtended } from './job-json.js';
import { jobReportDir } from './runner.js';
import type { JobRow } from './store.js';

function runStatus(j: JobRow): string {
  switch (j.status) {
    case 'UPLOADED': return 'PROCESSING';
    case 'DONE': return 'SUCCEEDED';
    case 'ERROR': return 'FAILED';
    case 'INACTIVE': return j.started_at ? 'CANCELED' : 'PENDING';
    default: return 'PENDING';
  }
}

/** The run report of a finished job, if it has one that parses. */
function readReport(cfg: ServeConfig, j: JobRow): RunReport | undefined {
  const reportFile = join(jobReportDir(cfg, j.job_id), 'report.json');
  if (!existsSync(reportFile) || (j.status !== 'DONE' && j.status !== 'ERROR')) return undefined;
  try {
    return JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
  } catch {
    return undefined;
  }
}

export function runObject(cfg: ServeConfig, j: JobRow, full: boolean): Record<string, unknown> {
  const summary = {
    id: String(j.job_id),
    status: runStatus(j),
    dataset_id: null,
    dataset_name: j.source_path,
    detection_method: 'heuristics',
    profile: cfg.projects[j.project_name] ?? null,
    project_name: j.project_name,
    pii_types: [] as string[],
    llm_model_name: null,
    created_by: j.user_name,
    created_by_email: null,
    created_at: j.created_at,
    completed_at: j.completed_at,
  };
  if (!full) return summary;
  const report = readReport(cfg, j);
  const started = j.started_at ? Date.parse(j.started_at) : undefined;
  const ended = j.completed_at ? Date.parse(j.completed_at) : undefined;
  return {
    ...summary,
    pii_types: report ? Object.keys(report.results?.entity_summary ?? {}) : [],
    duration_seconds: started !== undefined && ended !== undefined ? Math.round((ended - started) / 1000) : null,
    results: {
      entity_summary: report?.results?.entity_summary ?? {},
      samples_processed: report?.results?.samples_processed ?? j.files_processed ?? 0,
      entities_found: [],
      error: j.status === 'ERROR' ? j.error : null,
    },
    anonymized_files: (report?.anonymized_files ?? []).map((f) => ({ id: f.id, path: f.path, size_in_bytes: f.size_in_bytes, content_type: f.content_type })),
    files_downloaded: j.files_downloaded,
    files_processed: j.files_processed,
    files_quarantined: j.files_quarantined,
    job: jobExtended(j),
  };
}
