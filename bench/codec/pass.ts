/** One timed pass of a contender over the file list, each file into a fresh output folder. */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Contender } from './contenders.js';
import type { Entry } from './corpus.js';

/** Per-file seconds for one pass; NaN where the file was not run or failed. */
export type Times = Float64Array;

export interface PassResult {
  times: Times;
  /** Bytes written per file. */
  written: Float64Array;
  failures: Map<number, string>;
}

export async function pass(c: Contender, files: Entry[], include: (i: number) => boolean, outDir: string): Promise<PassResult> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const times = new Float64Array(files.length).fill(NaN);
  const written = new Float64Array(files.length);
  const failures = new Map<number, string>();
  c.before?.();
  try {
    for (let i = 0; i < files.length; i++) {
      if (!include(i)) continue;
      const out = join(outDir, `${i}.dcm`);
      const t0 = performance.now();
      try {
        written[i] = await c.run(files[i], out);
        times[i] = (performance.now() - t0) / 1000;
      } catch (err) {
        failures.set(i, (err as Error)?.message?.split('\n')[0] ?? String(err));
      }
    }
  } finally {
    c.after?.();
  }
  rmSync(outDir, { recursive: true, force: true });
  (globalThis as { gc?: () => void }).gc?.();
  return { times, written, failures };
}
