// A Piscina worker: compiles the job's spec once, then processes one file per task.
import { workerData } from 'node:worker_threads';
import type { FileResult } from '../job/outcome.js';
import { createProcessor, type Processor } from '../job/processor.js';
import type { FileTask, JobSpec } from '../job/task.js';
import { holdYoungGeneration } from './young-generation.js';

// this worker's start reset V8's flags for every thread of the process
holdYoungGeneration();

let processor: Processor | undefined;

export default async function processTask(task: FileTask): Promise<FileResult> {
  processor ??= createProcessor(workerData as JobSpec);
  return processor(task);
}
