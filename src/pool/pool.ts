import type { FileResult } from '../job/outcome.js';
import type { FileTask, JobSpec } from '../job/task.js';

/** Old-generation heap of a pool worker (MiB). */
export const WORKER_HEAP_MB = 96;
/** Old-generation heap of the one worker that takes a file the others ran out of heap on (MiB). */
export const LARGE_WORKER_HEAP_MB = 768;

/** Processes files with a compiled profile: on worker threads, or on this thread (threads 0). */
export interface FilePool {
  run(task: FileTask): Promise<FileResult>;
  readonly threads: number;
  close(): Promise<void>;
}

/** Where the compiled worker lives: beside this module in dist/, also when tests run the sources. */
function workerURL(): URL {
  const here = new URL(import.meta.url);
  return here.pathname.endsWith('.ts') ? new URL('../../dist/src/pool/worker.js', here) : new URL('./worker.js', here);
}

/**
 * The pool `anon run` (and the watch daemon, and the server) process files through. The spec is
 * plain data (the validated profile, the key): each worker compiles it once; tasks carry paths only.
 */
export async function openPool(spec: JobSpec, threads: number): Promise<FilePool> {
  if (threads === 0) {
    const { createProcessor, releaseProcessors } = await import('../job/processor.js');
    const processor = createProcessor(spec);
    // On the main thread, the OCR engine's own worker would keep the process alive.
    return { run: processor, threads: 0, close: releaseProcessors };
  }
  const { Piscina } = await import('piscina');
  const pool = new Piscina({
    filename: workerURL().href,
    workerData: spec,
    minThreads: threads,
    maxThreads: threads,
    // A worker holds one file's header at a time: a small heap makes V8 collect early, keeping
    // memory flat over millions of files (bulk values never enter the heap).
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB, maxYoungGenerationSizeMb: 8 },
  });
  // A header of hundreds of thousands of elements (an RTSTRUCT's contours) outgrows the small heap:
  // such a file runs again, alone, on one worker with a larger fixed heap, started when first needed.
  let large: InstanceType<typeof Piscina> | undefined;
  const runLarge = (t: FileTask): Promise<FileResult> => {
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
  return {
    run: async (t) => {
      try {
        return (await pool.run(t)) as FileResult;
      } catch (e) {
        if ((e as NodeJS.ErrnoException)?.code === 'ERR_WORKER_OUT_OF_MEMORY') return runLarge(t);
        throw e;
      }
    },
    threads,
    close: async () => {
      await Promise.all([pool.destroy(), large?.destroy()]);
    },
  };
}
