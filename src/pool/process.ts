import { performance } from 'node:perf_hooks';
import { createDeidEnv } from '../deid/env.js';
import type { DeidEnv } from '../deid/state.js';
import { loadProfile, type OptionName } from '../profile/load.js';
import { MappingRecorder } from '../pseudo/mapping.js';
import { readPseudonymTable } from '../pseudo/pseudonym-table.js';
import { processFile } from '../run/run.js';
import { isIdentity } from '../run/setup.js';
import type { FileResult, FileTask, WorkerConfig } from './task.js';

/** A processor: the compiled profile and everything else a file needs, built once. */
export interface Processor {
  (task: FileTask): Promise<FileResult>;
}

export function createProcessor(cfg: WorkerConfig): Processor {
  const profile = loadProfile(cfg.profile, { extraOptions: cfg.options as OptionName[] });
  let env: DeidEnv | undefined;
  const recorder = cfg.record ? new MappingRecorder() : undefined;
  if (!isIdentity(profile)) {
    if (!cfg.key) throw new Error('a de-identifying profile needs the project secret');
    env = createDeidEnv(profile, {
      key: Buffer.from(cfg.key),
      pseudonymTable: cfg.pseudonyms ? readPseudonymTable(cfg.pseudonyms) : undefined,
      recorder,
    });
  }
  return async (task) => {
    const t0 = performance.now();
    const measure = { bytesIn: 0 };
    const outcome = await processFile(task.path, task.rel, { out: cfg.out, layout: cfg.layout, env, noClobber: cfg.layout === 'hierarchy', tmpDir: cfg.tmpDir, masks: cfg.masks, previews: cfg.previews, fsync: cfg.fsync, measure });
    const result: FileResult = { outcome, bytesIn: measure.bytesIn, ms: performance.now() - t0 };
    if (recorder && recorder.size.uids + recorder.size.patientIds > 0) result.mapping = recorder.drain();
    return result;
  };
}
