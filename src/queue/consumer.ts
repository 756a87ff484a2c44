// `anon worker`: takes tasks from the queue and runs their files on this machine's own Piscina
// pool (src/pool), one pool per run, kept while the run's tasks keep coming. Each file's result is
// reported as soon as it is known (the task's progress), so a task taken over after its worker
// died starts where that worker stopped; outputs are idempotent, so a file done twice is written once.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { relative } from 'node:path';
import { closeSync } from 'node:fs';
import { Worker, type Job } from 'bullmq';
import pLimit from 'p-limit';
import { internalFailure, type FileResult } from '../job/outcome.js';
import type { JobSpec } from '../job/task.js';
import { prepareTempDirAt, type TempDir } from '../job/temp-dir.js';
import { openPool, type FilePool } from '../pool/pool.js';
import { VERSION } from '../version.js';
import { errorData } from '../errors.js';
import { openRedis, QUEUE_NAME, whenReady } from './connection.js';
import { QueueError } from './errors.js';
import { announce } from './registry.js';
import { keyCheck, seal } from './seal.js';
import type { KeyRef, QueueSpec, QueueTaskData, TaskProgress, WireResult } from './task.js';

/** What only this machine knows: its keys, its mounts, its roots. */
export interface WorkerMachine {
  /** The key a task names, from this machine's own configuration; throws when it has none. */
  key(ref: KeyRef): Uint8Array;
  /** A path as the producer named it, as a local path inside this machine's roots; throws otherwise. */
  localize(named: string, what: 'input' | 'output'): string;
  /** Opens a local output folder (created) without following symlinks; returns its descriptor. */
  openOut(local: string): number;
}

export interface QueueWorkerOptions {
  url: string;
  machine: WorkerMachine;
  /** Threads of each run's pool (0: on this thread). */
  threads: number;
  /** Tasks taken at once. */
  concurrency: number;
  /** The lease: a task whose worker stops renewing it for this long goes to another worker. */
  lockDurationMs?: number;
  /** How often live workers look for tasks whose lease ran out. */
  stalledIntervalMs?: number;
  heartbeatMs?: number;
  /** A run's pool is closed after this long without a task. */
  idleMs?: number;
  log?: (m: string) => void;
}

export interface QueueWorkerHandle {
  id: string;
  /** Stops taking tasks, lets the running ones finish, closes pools and connections. */
  close(): Promise<void>;
}

interface OpenRun {
  pool: FilePool;
  out: string;
  outFd: number;
  temp: TempDir;
  key?: Uint8Array;
  users: number;
  lastUsed: number;
}

/** Starts a worker on the queue at `url`; resolves once it is connected and announced. */
export async function startQueueWorker(o: QueueWorkerOptions): Promise<QueueWorkerHandle> {
  const id = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const redis = openRedis(o.url);
  const runs = new Map<string, Promise<OpenRun>>();
  const idleMs = o.idleMs ?? 30_000;
  const log = o.log ?? (() => {});
  let active = 0;
  let files = 0;

  const openRun = async (spec: QueueSpec): Promise<OpenRun> => {
    let key: Uint8Array | undefined;
    if (spec.deid) {
      key = o.machine.key(spec.deid.keyRef);
      if (keyCheck(key) !== spec.deid.keyCheck) throw new QueueError('QUEUE_KEY', `this worker's key ${keyName(spec.deid.keyRef)} is not the one the run was started with`);
    }
    const out = o.machine.localize(spec.out, 'output');
    const outFd = o.machine.openOut(out);
    let temp: TempDir | undefined;
    try {
      temp = prepareTempDirAt(outFd, spec.run);
      const job: JobSpec = {
        deid: spec.deid && key ? { profile: spec.deid.profile, key } : undefined,
        record: spec.record,
        noOverwrite: spec.noOverwrite,
        layout: spec.layout,
        out,
        outFd,
        tmpDir: temp.path,
        masks: spec.masks,
        previews: spec.previews,
      };
      const pool = await openPool(job, o.threads);
      return { pool, out, outFd, temp, key, users: 0, lastUsed: Date.now() };
    } catch (e) {
      temp?.remove();
      closeSync(outFd);
      throw e;
    }
  };
  const closeRun = async (r: OpenRun): Promise<void> => {
    await r.pool.close();
    r.temp.remove();
    closeSync(r.outFd);
  };
  const sweep = setInterval(
    () => {
      for (const [run, p] of runs) {
        void p
          .then((r) => {
            if (r.users === 0 && Date.now() - r.lastUsed > idleMs && runs.get(run) === p) {
              runs.delete(run);
              return closeRun(r);
            }
          })
          .catch(() => runs.delete(run));
      }
    },
    Math.min(idleMs, 5000),
  );
  sweep.unref();

  const processTask = async (job: Job<QueueTaskData, TaskProgress>): Promise<TaskProgress> => {
    const { spec, files: list } = job.data;
    let opening = runs.get(spec.run);
    if (!opening) {
      opening = openRun(spec);
      runs.set(spec.run, opening);
      opening.catch(() => runs.delete(spec.run));
    }
    const run = await opening;
    run.users++;
    active++;
    try {
      // What an earlier attempt (a worker killed mid-task) already reported is kept, not redone.
      const previous = (job.progress as TaskProgress | undefined)?.results ?? [];
      const results = new Map<number, WireResult>(previous.map((r) => [r.i, r]));
      let saving: Promise<void> = Promise.resolve();
      let dirty = false;
      const save = (): void => {
        if (dirty) return;
        dirty = true;
        saving = saving.then(async () => {
          dirty = false;
          await job.updateProgress({ results: [...results.values()] }).catch(() => {});
        });
      };
      const limit = pLimit(Math.max(1, o.threads) * 2);
      await Promise.all(
        list.map((f, i) =>
          results.has(i)
            ? undefined
            : limit(async () => {
                let r: FileResult;
                try {
                  const local = o.machine.localize(f.path, 'input');
                  r = await run.pool.run({ path: local, rel: f.rel }).catch((e: unknown) => internalFailure(local, e));
                } catch (e) {
                  const d = errorData(e);
                  // an input this worker may not read fails that file only
                  r = { outcome: { status: 'failed', path: f.path, error: { code: d?.code ?? 'INTERNAL', message: d?.message ?? String(e) } }, bytesIn: 0, ms: 0 };
                }
                results.set(i, toWire(i, f.path, r, run));
                files++;
                run.lastUsed = Date.now();
                save();
              }),
        ),
      );
      await saving;
      return { results: [...results.values()].sort((a, b) => a.i - b.i) };
    } finally {
      run.users--;
      active--;
      run.lastUsed = Date.now();
    }
  };

  try {
    await whenReady(redis, o.url);
  } catch (e) {
    redis.disconnect();
    throw e;
  }
  const worker = new Worker<QueueTaskData, TaskProgress>(QUEUE_NAME, processTask, {
    connection: redis,
    concurrency: o.concurrency,
    lockDuration: o.lockDurationMs ?? 30_000,
    stalledInterval: o.stalledIntervalMs ?? 15_000,
    // a task may lose several workers (each after its lease) before it counts as failed
    maxStalledCount: 5,
    autorun: true,
  });
  worker.on('error', (e) => log(`queue: ${e.message}`));
  worker.on('failed', (job, e) => log(`task ${job?.id ?? '?'} failed: ${e.message}`));
  await worker.waitUntilReady();
  const started = new Date().toISOString();
  const stopAnnouncing = announce(
    redis,
    () => ({ id, version: VERSION, threads: o.threads, concurrency: o.concurrency, started, load: { tasks: active, files } }),
    o.heartbeatMs ?? 5000,
  );
  return {
    id,
    close: async () => {
      clearInterval(sweep);
      await worker.close();
      await stopAnnouncing();
      await Promise.allSettled([...runs.values()].map((p) => p.then(closeRun)));
      runs.clear();
      redis.disconnect();
    },
  };
}

const keyName = (r: KeyRef): string => (r.kind === 'run' ? '(the run secret)' : r.id);

function toWire(i: number, named: string, r: FileResult, run: OpenRun): WireResult {
  const outcome = { ...r.outcome, path: named };
  const w: WireResult = { i, outcome, bytesIn: r.bytesIn, ms: r.ms };
  if (outcome.status === 'written') {
    w.outputRel = relative(run.out, outcome.output);
    outcome.output = w.outputRel;
  }
  if (r.mapping && run.key) w.sealedMapping = seal(run.key, r.mapping);
  return w;
}
