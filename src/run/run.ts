import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DicomError } from '../dicom/errors.js';
import { closeDicom, openDicom, writeDicom } from '../dicom/file.js';
import { isInside, walk } from '../io/walk.js';
import type { RunReport } from './report.js';

export type Layout = 'mirror';

export interface RunOptions {
  inputs: string[];
  out: string;
  profile: 'identity';
  layout: Layout;
  /** Called once per input as it ends. */
  onFile?: (outcome: FileOutcome) => void;
}

export type FileOutcome =
  | { status: 'written'; path: string; output: string; size: number }
  | { status: 'skipped'; path: string; reason: string }
  | { status: 'failed'; path: string; error: DicomError };

/** A usage error: reported with exit code 2 before any file is touched. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Processes one file: read it, apply the profile, write it atomically. */
export async function processFile(path: string, output: string): Promise<FileOutcome> {
  let f;
  try {
    f = await openDicom(path);
  } catch (e) {
    if (e instanceof DicomError && e.code === 'NOT_DICOM') return { status: 'skipped', path, reason: `not DICOM: ${e.message}` };
    if (e instanceof DicomError) return { status: 'failed', path, error: e };
    throw e;
  }
  try {
    // The identity profile changes nothing: the output is the input's bytes, re-framed.
    mkdirSync(dirname(output), { recursive: true });
    const size = await writeDicom(f, output);
    return { status: 'written', path, output, size };
  } catch (e) {
    if (e instanceof DicomError) return { status: 'failed', path, error: e };
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
    profile: opts.profile,
    options: { layout: opts.layout, inputs: opts.inputs.map((i) => resolve(i)), out },
    created_at: new Date(started).toISOString(),
    results: { samples_processed: 0, entity_summary: {}, error: null },
    anonymized_files: [],
    skipped: [],
    failures: [],
    quarantined: [],
  };
  for await (const entry of walk(opts.inputs)) {
    const outcome = await processFile(entry.path, join(out, entry.rel));
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
