import { performance } from 'node:perf_hooks';
import { createDeidEnv } from '../deid/env.js';
import type { DeidEnv } from '../deid/state.js';
import { MappingRecorder } from '../pseudo/mapping.js';
import { pseudonymLookup } from '../pseudo/pseudonym-lookup.js';
import type { FileResult } from './outcome.js';
import { processFile } from './process-file.js';
import { ocrUsed } from '../ocr/available.js';
import type { FileTask, JobSpec } from './task.js';

/** A processor: the compiled profile and everything else a file needs, built once per thread. */
export type Processor = (task: FileTask) => Promise<FileResult>;

/** Ends what processors of this thread started (the OCR engine's worker, if it ran). */
export async function releaseProcessors(): Promise<void> {
  if (ocrUsed()) await (await import('../ocr/engine.js')).closeOcr();
}

/** Compiles a job's spec (already validated on the main thread: nothing is re-read or re-checked). */
export function createProcessor(spec: JobSpec): Processor {
  let env: DeidEnv | undefined;
  const recorder = spec.record ? new MappingRecorder() : undefined;
  if (spec.deid) {
    env = createDeidEnv(spec.deid.profile, {
      key: Buffer.from(spec.deid.key),
      pseudonymTable: spec.deid.pseudonyms && pseudonymLookup(spec.deid.pseudonyms),
      recorder,
    });
  }
  const opts = {
    out: spec.out,
    outFd: spec.outFd,
    noOverwrite: spec.noOverwrite,
    layout: spec.layout,
    env,
    noClobber: spec.noOverwrite === true || spec.layout === 'hierarchy',
    tmpDir: spec.tmpDir,
    masks: spec.masks,
    previews: spec.previews,
    fsync: spec.fsync,
  };
  return async (task) => {
    const t0 = performance.now();
    const measure = { bytesIn: 0 };
    const outcome = await processFile(task.path, task.rel, { ...opts, measure });
    const result: FileResult = { outcome, bytesIn: measure.bytesIn, ms: performance.now() - t0 };
    if (recorder && recorder.size.uids + recorder.size.patientIds > 0) result.mapping = recorder.drain();
    return result;
  };
}
