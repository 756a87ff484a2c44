// A Piscina worker: compiles the job's spec once, then processes one file per task.
import { BroadcastChannel, workerData } from 'node:worker_threads';
import type { FileResult } from '../job/outcome.js';
import { createProcessor, type Processor } from '../job/processor.js';
import type { FileTask, JobSpec } from '../job/task.js';
import { SPEC_REQUEST, type DeferredSpec } from './pool.js';
import { holdHeapGrowth } from '../heap-growth.js';

// this worker's start reset V8's flags for every thread of the process
holdHeapGrowth();

/**
 * A prestarted pool's worker loads the engine before the spec exists; the spec comes by the
 * channel (sent when the pool is claimed, or on request if this worker subscribed later).
 */
function awaitSpec(name: string): Promise<JobSpec> {
  const channel = new BroadcastChannel(name);
  return new Promise((resolve) => {
    channel.onmessage = (e) => {
      if (typeof e.data !== 'object' || e.data === null) return; // another worker's request
      channel.close();
      resolve(e.data as JobSpec);
    };
    channel.postMessage(SPEC_REQUEST);
  });
}

const deferred = (workerData as Partial<DeferredSpec> | null)?.specChannel;
const spec: JobSpec | Promise<JobSpec> = deferred ? awaitSpec(deferred) : (workerData as JobSpec);
let processor: Processor | undefined;

export default async function processTask(task: FileTask): Promise<FileResult> {
  processor ??= createProcessor(spec instanceof Promise ? await spec : spec);
  return processor(task);
}
