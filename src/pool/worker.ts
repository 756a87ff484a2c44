// A Piscina worker: compiles the run's profile once, then processes one file per task.
import { workerData } from 'node:worker_threads';
import { createProcessor, type Processor } from './process.js';
import type { FileResult, FileTask, WorkerConfig } from './task.js';

let processor: Processor | undefined;

export default async function processTask(task: FileTask): Promise<FileResult> {
  processor ??= createProcessor(workerData as WorkerConfig);
  return processor(task);
}
