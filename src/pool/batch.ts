// A batch: the inputs walked lazily feed the pool; every outcome is journaled, then reported. `anon run`
// and each `anon serve` job are one batch.
import { closeSync, constants, mkdirSync, openSync, rmdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import pLimit from 'p-limit';
import { walkAll } from '../io/walk.js';
import { internalFailure, walkProblemResult, type FileResult } from '../job/outcome.js';
import type { RunReport } from '../job/report.js';
import type { JobSpec } from '../job/task.js';
import { prepareTempDir, prepareTempDirAt, type TempDir } from '../job/temp-dir.js';
import { confinementAvailable } from '../io/confined.js';
import { openPool } from './pool.js';
import { RunRecord, type RecordOptions } from './run-record.js';

export type { RunCounts, RunEvent } from './run-record.js';

export interface RunOptions extends RecordOptions {
  /**
   * The output folder, already opened by the caller without following symlinks (anon serve); it
   * stays the caller's to close. Else `out` is opened here (by name: the user named it).
   */
  outFd?: number;
  /**
   * Stops the run: no new file is started, files in flight finish (and are journaled), and the
   * report says CANCELLED-like FAILED with the reason. A resumed run picks up from there.
   */
  signal?: AbortSignal;
  /** This thread processes files too, as one of the threads (`anon run`; see OpenPoolOptions in pool.ts). */
  inline?: boolean;
}

export async function runBatch(opts: RunOptions): Promise<RunReport> {
  const rec = new RunRecord(opts);
  const out = rec.out;
  let own: number | undefined;
  let temp: TempDir;
  try {
    own = opts.outFd === undefined && confinementAvailable() ? openOut(out) : undefined;
    const fd = opts.outFd ?? own;
    temp = fd !== undefined ? prepareTempDirAt(fd, rec.id) : namedTempDir(out, rec.id);
  } catch (e) {
    if (own !== undefined) closeSync(own);
    // A read-only or full output folder ends the run at once, with a report saying why.
    rec.closeJournal();
    return rec.finish(`output folder ${out} cannot be written (${(e as Error).message}): no file was processed`);
  }
  const outFd = opts.outFd ?? own;
  const threads = opts.threads ?? availableParallelism();
  const cfg: JobSpec = { ...opts.worker, out, outFd, layout: opts.layout, tmpDir: temp.path };
  rec.start(threads);

  const pool = await openPool(cfg, threads, { inline: opts.inline }).catch((e: unknown) => {
    temp.remove();
    if (own !== undefined) closeSync(own);
    rec.closeJournal();
    throw e;
  });

  // p-limit bounds the files in the pool at once (its slots); the pending set bounds the queue, so
  // a walk of a million files never runs ahead of the workers.
  const inFlight = pool.slots;
  const limit = pLimit(inFlight);
  const pending = new Set<Promise<void>>();
  const finish = (r: FileResult): void => rec.record(r);
  try {
    for await (const entry of walkAll(opts.inputs, { labelRoots: opts.layout === 'mirror' })) {
      if (opts.signal?.aborted || rec.stopped) break;
      if (rec.done.has(entry.path)) continue;
      if (entry.kind === 'problem') {
        finish(walkProblemResult(entry));
        continue;
      }
      const task = { path: entry.path, rel: entry.rel };
      // A worker that dies (out of memory on a pathological file, a bug) fails that file, not the run.
      const p: Promise<void> = limit(() => pool.run(task).catch((e: unknown): FileResult => internalFailure(task.path, e))).then(finish);
      pending.add(p);
      void p.finally(() => pending.delete(p)).catch(() => {});
      if (pending.size >= inFlight * 2) await Promise.race(pending);
    }
    await Promise.all(pending);
  } finally {
    await pool.close();
    rec.closeJournal();
    temp.remove();
    if (own !== undefined) closeSync(own);
  }
  return rec.finish(undefined, opts.signal);
}

function openOut(out: string): number {
  mkdirSync(out, { recursive: true });
  return openSync(out, constants.O_RDONLY | constants.O_DIRECTORY);
}

/** Without /proc (not Linux): the temp folder by name, created as safely, removed when empty. */
function namedTempDir(out: string, id: string): TempDir {
  const path = prepareTempDir(out, id);
  return {
    path,
    remove: () => {
      for (const d of [path, dirname(path)]) {
        try {
          rmdirSync(d);
        } catch {
          /* not empty: another process's temp files */
        }
      }
    },
  };
}
