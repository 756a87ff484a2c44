// A batch spread over workers: the same journal, report and events as runBatch (src/pool/batch.ts),
// but the files go to the queue in bounded tasks and their results come back from it. State lives
// in Redis (tasks, their progress, their return values), read by polling: nothing is lost when
// Redis restarts with its append-only file, and a task Redis lost is put on the queue again
// (outputs are idempotent, so a task done twice writes each file once).
import { randomUUID } from 'node:crypto';
import { closeSync, constants, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { Job, Queue } from 'bullmq';
import { UsageError } from '../errors.js';
import { confinementAvailable } from '../io/confined.js';
import { walkAll } from '../io/walk.js';
import { walkProblemResult, type FileOutcome, type FileResult } from '../job/outcome.js';
import type { RunReport } from '../job/report.js';
import { prepareTempDirAt } from '../job/temp-dir.js';
import type { RunOptions } from '../pool/batch.js';
import { RunRecord } from '../pool/run-record.js';
import type { MappingData } from '../pseudo/mapping.js';
import { openRedis, QUEUE_NAME, whenReady } from './connection.js';
import { QueueError } from './errors.js';
import { listWorkers } from './registry.js';
import { keyCheck, unseal } from './seal.js';
import { DEFAULT_TASK_FILES, type KeyRef, type QueueSpec, type QueueTaskData, type TaskProgress, type WireResult } from './task.js';

export interface QueuedRunOptions extends RunOptions {
  /** The Redis URL of the queue. */
  queue: string;
  /** The name of the run's key on the workers (the key itself never goes on the queue). */
  keyRef: KeyRef;
  /** A local path as the workers are to know it (anon serve: its UNC form); default: as is. */
  named?: (local: string) => string;
  /** Files per task (default 25). */
  taskFiles?: number;
  /** Tasks of this run on the queue at once (default 32): the walk never runs far ahead. */
  maxTasks?: number;
  pollMs?: number;
  /** The queue not reachable this long at the start: QueueError before any file (default 20 s). */
  connectMs?: number;
  /** Redis unreachable this long: the files in tasks fail (QUEUE_UNAVAILABLE) and the run ends. */
  unavailableMs?: number;
}

interface Outstanding {
  id: string;
  data: QueueTaskData;
  /** The producer's own paths of the task's files (the journal's names). */
  locals: string[];
  seen: Set<number>;
  readds: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runQueuedBatch(opts: QueuedRunOptions): Promise<RunReport> {
  if (opts.worker.deid?.pseudonyms) throw new UsageError('a pseudonym table is not sent over the queue (it maps real identifiers): run without --queue');
  const rec = new RunRecord(opts);
  const out = rec.out;
  const named = opts.named ?? ((p: string) => p);
  const key = opts.worker.deid?.key;
  const spec = (id: string): QueueSpec => ({
    run: id,
    deid: opts.worker.deid && key ? { profile: opts.worker.deid.profile, keyRef: opts.keyRef, keyCheck: keyCheck(key) } : undefined,
    record: opts.worker.record,
    noOverwrite: opts.worker.noOverwrite,
    layout: opts.layout,
    out: named(out),
    masks: opts.worker.masks,
    previews: opts.worker.previews,
  });

  const { done, builder } = rec;
  const redis = openRedis(opts.queue);
  const queue = new Queue<QueueTaskData, TaskProgress>(QUEUE_NAME, { connection: redis });
  queue.on('error', () => {}); // reconnections: the waits below are bounded
  const taskSpec = spec(builder.id);
  // A producer's tasks are its own even when a resumed run reuses the run id.
  const nonce = randomUUID().slice(0, 8);
  const unavailableMs = opts.unavailableMs ?? 10 * 60_000;
  const pollMs = opts.pollMs ?? 200;

  /** Runs a Redis call, waiting through a restart; gives up after unavailableMs. */
  const redisCall = async <T>(f: () => Promise<T>): Promise<T> => {
    const until = Date.now() + unavailableMs;
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const left = until - Date.now();
      try {
        return await Promise.race([
          f(),
          new Promise<never>(
            (_, reject) =>
              (timer = setTimeout(() => reject(new QueueError('QUEUE_UNAVAILABLE', `the queue did not answer for ${Math.round(unavailableMs / 1000)} s`)), Math.max(0, left))),
          ),
        ]);
      } catch (e) {
        if (e instanceof QueueError || Date.now() >= until) throw e instanceof QueueError ? e : new QueueError('QUEUE_UNAVAILABLE', `the queue failed: ${(e as Error).message}`);
        await sleep(250);
      } finally {
        clearTimeout(timer);
      }
    }
  };

  const liveThreads = await whenReady(redis, opts.queue, opts.connectMs)
    .then(() => redisCall(() => listWorkers(redis)))
    .then(
      (ws) => ws.reduce((n, w) => n + Math.max(1, w.threads), 0),
      (e: unknown) => {
        void queue.close().catch(() => {});
        redis.disconnect();
        rec.closeJournal();
        throw e;
      },
    );
  rec.start(liveThreads);

  const finish = (r: FileResult): void => rec.record(r);

  const outstanding = new Map<string, Outstanding>();
  const take = (t: Outstanding, results: WireResult[]): void => {
    for (const w of results) {
      if (t.seen.has(w.i) || w.i < 0 || w.i >= t.locals.length) continue;
      t.seen.add(w.i);
      const path = t.locals[w.i];
      const outcome: FileOutcome = w.outcome.status === 'written' ? { ...w.outcome, path, output: join(out, w.outputRel ?? w.outcome.output) } : { ...w.outcome, path };
      let mapping: MappingData | undefined;
      if (w.sealedMapping && key && opts.recorder) mapping = unseal<MappingData>(key, w.sealedMapping);
      finish({ outcome, bytesIn: w.bytesIn, ms: w.ms, mapping });
    }
  };
  /** Every file of the task not yet reported fails with this reason: nothing is left unaccounted for. */
  const failRest = (t: Outstanding, code: string, message: string): void => {
    for (let i = 0; i < t.locals.length; i++) {
      if (t.seen.has(i)) continue;
      t.seen.add(i);
      finish({ outcome: { status: 'failed', path: t.locals[i], error: { code, message } }, bytesIn: 0, ms: 0 });
    }
    outstanding.delete(t.id);
  };
  const add = (t: Outstanding): Promise<unknown> =>
    redisCall(() =>
      queue.add('files', t.data, {
        jobId: t.id,
        attempts: 3,
        backoff: { type: 'fixed', delay: 1000 },
        // what the producer did not collect (it died) goes after a day, failures after a week
        removeOnComplete: { age: 86_400 },
        removeOnFail: { age: 7 * 86_400 },
      }),
    );

  let stopping = false;
  const pollOnce = async (): Promise<void> => {
    for (const t of [...outstanding.values()]) {
      // the state first: a job read before it completed would lack its return value
      const state = await redisCall(() => queue.getJobState(t.id));
      const job = state === 'unknown' ? undefined : await redisCall(() => Job.fromId<QueueTaskData, TaskProgress>(queue, t.id));
      if (!job) {
        // Redis lost it (restarted without its append-only file): on the queue again, a few times
        if (t.readds++ < 5 && !stopping) await add(t);
        else failRest(t, 'QUEUE_TASK', stopping ? 'cancelled before a worker took it' : 'the task was lost from the queue five times');
        continue;
      }
      if (state === 'completed') {
        take(t, (job.returnvalue as TaskProgress | undefined)?.results ?? []);
        failRest(t, 'QUEUE_TASK', 'the worker returned no result for this file');
        await redisCall(() => job.remove()).catch(() => {});
      } else if (state === 'failed') {
        take(t, (job.progress as TaskProgress | undefined)?.results ?? []);
        failRest(t, 'QUEUE_TASK', `the task failed on the workers: ${job.failedReason}`);
        await redisCall(() => job.remove()).catch(() => {});
      } else {
        take(t, (job.progress as TaskProgress | undefined)?.results ?? []);
        // cancelled: tasks no worker holds leave the queue; their files stay for a resume
        if (stopping && (state === 'waiting' || state === 'delayed' || state === 'prioritized')) {
          const removed = await redisCall(() => job.remove()).then(
            () => true,
            () => false,
          );
          if (removed) outstanding.delete(t.id);
        }
      }
    }
  };

  let error: string | undefined;
  let seq = 0;
  let current: { path: string; rel: string }[] = [];
  const flush = async (): Promise<void> => {
    if (current.length === 0) return;
    const t: Outstanding = {
      id: `${builder.id}-${nonce}-${seq++}`,
      data: { spec: taskSpec, files: current.map((f) => ({ path: named(f.path), rel: f.rel })) },
      locals: current.map((f) => f.path),
      seen: new Set(),
      readds: 0,
    };
    current = [];
    outstanding.set(t.id, t);
    await add(t);
  };
  const taskFiles = Math.max(1, opts.taskFiles ?? DEFAULT_TASK_FILES);
  const maxTasks = Math.max(1, opts.maxTasks ?? 32);
  try {
    for await (const entry of walkAll(opts.inputs, { labelRoots: opts.layout === 'mirror' })) {
      if (opts.signal?.aborted || rec.stopped) break;
      if (done.has(entry.path)) continue;
      if (entry.kind === 'problem') {
        finish(walkProblemResult(entry));
        continue;
      }
      current.push({ path: entry.path, rel: entry.rel });
      if (current.length >= taskFiles) await flush();
      while (outstanding.size >= maxTasks && !opts.signal?.aborted) {
        await pollOnce();
        await sleep(pollMs);
      }
    }
    if (!opts.signal?.aborted) await flush();
    // Every task ends completed or failed: BullMQ bounds retries and stalls, a cancel removes waiting ones.
    while (outstanding.size > 0) {
      stopping ||= opts.signal?.aborted === true;
      await pollOnce();
      if (outstanding.size > 0) await sleep(pollMs);
    }
  } catch (e) {
    if (!(e instanceof QueueError)) throw e;
    error = e.message;
    for (const t of [...outstanding.values()]) failRest(t, e.code, e.message);
  } finally {
    rec.closeJournal();
    await queue.close().catch(() => {});
    redis.disconnect();
    sweepTemp(out, opts.outFd, builder.id);
  }
  return rec.finish(opts.signal?.aborted ? undefined : error, opts.signal);
}

/** Temporary folders that killed workers of this machine left in the output folder go. */
function sweepTemp(out: string, outFd: number | undefined, id: string): void {
  if (!confinementAvailable()) return;
  let own: number | undefined;
  try {
    if (outFd === undefined && !existsSync(out)) return;
    own = outFd === undefined ? openSync(out, constants.O_RDONLY | constants.O_DIRECTORY) : undefined;
    prepareTempDirAt(outFd ?? own!, `sweep-${id}`).remove();
  } catch {
    /* best effort: the next run of this machine sweeps again */
  } finally {
    if (own !== undefined) closeSync(own);
  }
}
