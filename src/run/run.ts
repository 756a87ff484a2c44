import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { deidentify } from '../deid/engine.js';
import { DeidError } from '../deid/errors.js';
import type { DeidEnv } from '../deid/state.js';
import { DicomError } from '../dicom/errors.js';
import { closeDicom, openDicom, writeDicom } from '../dicom/file.js';
import { isInside, walk } from '../io/walk.js';
import { outputPath, type Layout } from './layout.js';
import type { RunReport } from './report.js';

export interface RunOptions {
  inputs: string[];
  out: string;
  /** The profile's name, for the report. */
  profileName: string;
  /** The de-identification to apply; undefined writes files unchanged (the identity profile). */
  env?: DeidEnv;
  layout: Layout;
  /** Extra facts for the report's `options`. */
  reportOptions?: Record<string, unknown>;
  /** Called once per input as it ends. */
  onFile?: (outcome: FileOutcome) => void;
}

/** The typed error of a failed file, as data. */
export interface FileError {
  code: string;
  message: string;
  path?: string;
  offset?: number;
}

export type FileOutcome =
  | { status: 'written'; path: string; output: string; size: number; entities: Record<string, number>; warnings: string[] }
  | { status: 'skipped'; path: string; reason: string }
  | { status: 'failed'; path: string; error: FileError };

/** A usage error: reported with exit code 2 before any file is touched. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const asFileError = (e: unknown): FileError | undefined => {
  if (e instanceof DicomError) return { code: e.code, message: e.message, path: e.path, offset: e.offset };
  if (e instanceof DeidError) return { code: e.code, message: e.message, path: e.path };
  return undefined;
};

/**
 * Processes one file: read it, de-identify it, write it atomically. Only a fully processed file
 * is written; anything else is reported, never half-done.
 */
export async function processFile(
  path: string,
  rel: string,
  opts: { out: string; layout: Layout; env?: DeidEnv; claimed?: Set<string> },
): Promise<FileOutcome> {
  let f;
  try {
    f = await openDicom(path);
  } catch (e) {
    if (e instanceof DicomError && e.code === 'NOT_DICOM') return { status: 'skipped', path, reason: `not DICOM: ${e.message}` };
    const err = asFileError(e);
    if (err) return { status: 'failed', path, error: err };
    throw e;
  }
  try {
    const result = opts.env ? deidentify(f, opts.env) : { entities: {}, warnings: [] };
    const output = outputPath(opts.out, opts.layout, rel, f);
    if (opts.claimed?.has(output)) {
      return { status: 'skipped', path, reason: `duplicate: another input of this run was written to ${output}` };
    }
    opts.claimed?.add(output);
    mkdirSync(dirname(output), { recursive: true });
    const size = await writeDicom(f, output);
    return { status: 'written', path, output, size, entities: result.entities, warnings: [...f.warnings, ...result.warnings] };
  } catch (e) {
    const err = asFileError(e);
    if (err) return { status: 'failed', path, error: err };
    throw e;
  } finally {
    closeDicom(f);
  }
}

export async function run(opts: RunOptions): Promise<RunReport> {
  const out = resolve(opts.out);
  for (const input of opts.inputs) {
    if (isInside(out, input)) throw new UsageError(`output folder ${out} must not be inside input ${resolve(input)}`);
  }
  const started = Date.now();
  const report: RunReport = {
    id: randomUUID(),
    status: 'PROCESSING',
    profile: opts.profileName,
    options: { layout: opts.layout, inputs: opts.inputs.map((i) => resolve(i)), out, ...opts.reportOptions },
    created_at: new Date(started).toISOString(),
    results: { samples_processed: 0, entity_summary: {}, error: null },
    anonymized_files: [],
    skipped: [],
    failures: [],
    quarantined: [],
  };
  const claimed = new Set<string>();
  for await (const entry of walk(opts.inputs)) {
    const outcome = await processFile(entry.path, entry.rel, { out, layout: opts.layout, env: opts.env, claimed });
    report.results.samples_processed++;
    switch (outcome.status) {
      case 'written':
        report.anonymized_files.push({
          id: String(report.anonymized_files.length + 1),
          path: outcome.output,
          source: outcome.path,
          size_in_bytes: outcome.size,
          content_type: 'application/dicom',
        });
        for (const [k, n] of Object.entries(outcome.entities)) {
          report.results.entity_summary[k] = (report.results.entity_summary[k] ?? 0) + n;
        }
        break;
      case 'skipped':
        report.skipped.push({ path: outcome.path, reason: outcome.reason });
        break;
      case 'failed': {
        const e = outcome.error;
        report.failures.push({ path: outcome.path, code: e.code, message: e.message, element_path: e.path, offset: e.offset });
        break;
      }
    }
    opts.onFile?.(outcome);
  }
  const ended = Date.now();
  report.completed_at = new Date(ended).toISOString();
  report.duration_seconds = (ended - started) / 1000;
  report.status = report.failures.length || report.quarantined.length ? 'FAILED' : 'SUCCEEDED';
  if (report.status === 'FAILED') report.results.error = `${report.failures.length} file(s) failed, ${report.quarantined.length} quarantined`;
  return report;
}
