import { randomUUID } from 'node:crypto';
import { BroadcastChannel } from 'node:worker_threads';
import type { FileResult } from '../job/outcome.js';
import type { FileTask, JobSpec } from '../job/task.js';

/** Old-generation heap of a pool worker (MiB). */
export const WORKER_HEAP_MB = 96;
/** Old-generation heap of the one worker that takes a file the others ran out of heap on (MiB). */
export const LARGE_WORKER_HEAP_MB = 768;

/** Processes files with a compiled profile: on worker threads, or on this thread (threads 0). */
export interface FilePool {
  run(task: FileTask): Promise<FileResult>;
  /** Files the pool can hold at once (its workers' tasks, and this thread's): the feeder keeps it full. */
  readonly slots: number;
  readonly threads: number;
  /** Worker threads started (threads, or one fewer when this thread processes files too). */
  readonly workers: number;
  /** Files run again alone because the worker holding them ended (out of heap, or crashed). */
  readonly reruns: number;
  close(): Promise<void>;
}

/** Tasks a worker holds at once: the next is there when one ends, instead of a round trip to this thread later. */
export const TASKS_PER_WORKER = 2;
/**
 * Tasks a worker holds when this thread processes files too: this thread hands out new ones only
 * between its own files, so a worker holds enough to outlast one (a 10k-file run of small files with
 * 2 left the worker idle 90 % of the time). Tasks are paths: a worker still reads one file at a time.
 */
export const INLINE_TASKS_PER_WORKER = 8;

/**
 * Whether the thread that feeds the pool also processes files (`anon run`): it then takes one of the
 * `threads`, and the pool starts one worker fewer. On 2 cores this saves a worker's engine load and
 * JIT warm-up and half the messages (bench/README.md, issue 16, sixth pass). Not for `anon serve`
 * or the watch daemon, whose thread must stay free for requests and events.
 */
export interface OpenPoolOptions {
  inline?: boolean;
}

/** The worker threads a pool of `threads` starts. */
export const workerCount = (threads: number, inline: boolean): number => (inline && threads >= 2 ? threads - 1 : threads);

/**
 * The worker's CommonJS entry beside this module: in dist/src/pool/, or in dist/bundle/ when this
 * code runs from the bundle (which then starts the bundled worker); dist/src's when tests run the sources.
 */
function workerURL(): URL {
  const here = new URL(import.meta.url);
  return here.pathname.endsWith('.ts') ? new URL('../../dist/src/pool/worker-entry.cjs', here) : new URL('./worker-entry.cjs', here);
}

/** What a prestarted pool's workers get instead of the spec: the channel the spec will come by. */
export interface DeferredSpec {
  specChannel: string;
}

interface Prestarted {
  pool: InstanceType<typeof import('piscina').Piscina>;
  /** The run's threads (this thread included: prestarted pools are for `anon run`, inline). */
  threads: number;
  /** Whether its run's own thread processes files (threads ≥ 2): the workers and their tasks follow. */
  inline: boolean;
  /** Sends the spec to every worker, now and to any that asks later; once. */
  provide(spec: JobSpec): void;
  close(): void;
}

let prestarted: Promise<Prestarted | undefined> | undefined;

/**
 * Starts the workers of the next `openPool(spec, threads)` before its spec exists, so that each
 * worker loads the engine (hundreds of ms) while this thread still parses arguments and checks the
 * profile. The spec reaches them in process, by a BroadcastChannel, when openPool is called; a pool
 * nobody claims is ended by `releasePrestartedPool`.
 */
export async function prestartPool(threads: number): Promise<void> {
  if (prestarted || !(threads > 0)) return;
  const inline = threads >= 2;
  const workers = workerCount(threads, inline);
  prestarted = import('piscina').then(({ Piscina }): Prestarted => {
    const specChannel = `anonflow-spec-${process.pid}-${randomUUID()}`;
    const channel = new BroadcastChannel(specChannel);
    let spec: JobSpec | undefined;
    // a worker that subscribed after the spec was sent asks for it
    channel.onmessage = (e) => {
      if (e.data === SPEC_REQUEST && spec) channel.postMessage(spec);
    };
    channel.unref();
    const data: DeferredSpec = { specChannel };
    return {
      pool: new Piscina(poolOptions(data, workers, inline ? INLINE_TASKS_PER_WORKER : TASKS_PER_WORKER)),
      threads,
      inline,
      provide: (s) => {
        if (spec) return;
        spec = s;
        channel.postMessage(s);
      },
      close: () => channel.close(),
    };
  });
  // only a head start: should it fail, openPool opens its pool as it always did (and says why)
  prestarted = prestarted.catch(() => undefined);
  await prestarted;
}

/** Ends a prestarted pool that no openPool claimed (a run that stopped before its files). */
export async function releasePrestartedPool(): Promise<void> {
  const p = prestarted;
  prestarted = undefined;
  if (!p) return;
  const e = await p;
  e?.close();
  await e?.pool.destroy();
}

/** The message a deferred worker sends to ask for the spec. */
export const SPEC_REQUEST = 'spec?';

function poolOptions(workerData: JobSpec | DeferredSpec, threads: number, tasksPerWorker: number) {
  return {
    filename: workerURL().href,
    workerData,
    minThreads: threads,
    maxThreads: threads,
    concurrentTasksPerWorker: tasksPerWorker,
    // A worker holds one file's header at a time: a small heap makes V8 collect early, keeping
    // memory flat over millions of files (bulk values never enter the heap).
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB, maxYoungGenerationSizeMb: 8 },
  };
}

/**
 * The pool `anon run` (and the watch daemon, and the server) process files through. The spec is
 * plain data (the validated profile, the key): each worker compiles it once; tasks carry paths only.
 */
export async function openPool(spec: JobSpec, threads: number, o: OpenPoolOptions = {}): Promise<FilePool> {
  if (threads === 0) {
    const { createProcessor, releaseProcessors } = await import('../job/processor.js');
    const processor = createProcessor(spec);
    // On the main thread, the OCR engine's own worker would keep the process alive.
    return { run: processor, slots: TASKS_PER_WORKER, threads: 0, workers: 0, reruns: 0, close: releaseProcessors };
  }
  const inline = o.inline === true && threads >= 2;
  const workers = workerCount(threads, inline);
  const { Piscina } = await import('piscina');
  const early = await prestarted;
  prestarted = undefined;
  const fits = early?.threads === threads && early.inline === inline;
  if (early && !fits) {
    early.close();
    await early.pool.destroy();
  }
  const claimed = fits ? early : undefined;
  claimed?.provide(spec);
  const perWorker = inline ? INLINE_TASKS_PER_WORKER : TASKS_PER_WORKER;
  const pool = claimed?.pool ?? new Piscina(poolOptions(spec, workers, perWorker));
  // a worker's failure outside any task has no file to blame (Piscina starts another): not a crash of the run
  pool.on('error', () => {});
  // this thread's own processor, compiled while the workers take their first files
  const local = inline ? await import('../job/processor.js') : undefined;
  const here = local?.createProcessor(spec);
  // A header of hundreds of thousands of elements (an RTSTRUCT's contours) outgrows the small heap,
  // and a worker that dies takes the files it holds with it: each runs again, alone, on one worker
  // with a larger fixed heap, started when first needed. The file that killed it fails there alone;
  // the ones queued behind it are written.
  let large: InstanceType<typeof Piscina> | undefined;
  let reruns = 0;
  const runAlone = (t: FileTask): Promise<FileResult> => {
    reruns++;
    large ??= new Piscina({
      filename: workerURL().href,
      workerData: spec,
      minThreads: 0,
      maxThreads: 1,
      idleTimeout: 5_000,
      resourceLimits: { maxOldGenerationSizeMb: LARGE_WORKER_HEAP_MB, maxYoungGenerationSizeMb: 64 },
    });
    return large.run(t) as Promise<FileResult>;
  };
  const workerSlots = workers * perWorker;
  let atWorkers = 0;
  return {
    run: async (t) => {
      // The workers first: this thread takes a file only while every worker holds its share, as
      // known after the workers' finished tasks have come in (they wait behind this thread's files
      // and the promise chain that hands out the next: without the turn, it took ten in a row).
      if (here && atWorkers >= workerSlots) {
        await new Promise(setImmediate);
        if (atWorkers >= workerSlots) return here(t);
      }
      atWorkers++;
      try {
        return (await pool.run(t)) as FileResult;
      } catch {
        // processFile answers a file's problems as outcomes: a rejection is the worker's end (or
        // an internal error, which then recurs alone and fails that file only)
        return runAlone(t);
      } finally {
        atWorkers--;
      }
    },
    slots: workerSlots + (here ? TASKS_PER_WORKER : 0),
    threads,
    workers,
    get reruns() {
      return reruns;
    },
    close: async () => {
      await Promise.all([pool.destroy(), large?.destroy(), local?.releaseProcessors()]);
      claimed?.close();
    },
  };
}
