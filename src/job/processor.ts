import { performance } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';
import { clearDirCaches, DirCache } from '../io/dir-cache.js';
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

/**
 * Ends what processors of this thread started: the output folders they hold open, and the OCR
 * engine's worker if it ran. A processor still in use afterwards reopens its folders.
 */
export async function releaseProcessors(): Promise<void> {
  clearDirCaches();
  if (ocrUsed()) await (await import('../ocr/engine.js')).closeOcr();
}

/** Output folders a processor holds open: most consecutive files share a patient, study or series folder. */
export const DIR_CACHE_SIZE = 64;

/**
 * Compiles a job's spec (already validated on the main thread: nothing is re-read or re-checked).
 * Output folders stay open between files on the main thread only, where the pool's close calls
 * releaseProcessors; a Piscina worker is terminated without a last call, and descriptors are the
 * process's: they would outlive the job in a long-lived server.
 */
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
    dirs: spec.outFd !== undefined && isMainThread ? new DirCache(spec.outFd, DIR_CACHE_SIZE) : undefined,
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
