import { mkdirSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isAlive } from '../io/pid.js';

const TEMP_ROOT = '.anonflow-tmp';

/**
 * Temporary files go to <out>/.anonflow-tmp/<pid>-<run>/ (same file system, so renames are atomic),
 * never beside outputs. What a killed process left there is removed by the next one.
 */
export function prepareTempDir(out: string, runId: string): string {
  const root = join(out, TEMP_ROOT);
  mkdirSync(root, { recursive: true });
  for (const name of readdirSync(root)) {
    const pid = Number(name.split('-')[0]);
    if (!Number.isInteger(pid) || !isAlive(pid)) rmSync(join(root, name), { recursive: true, force: true });
  }
  const dir = join(root, `${process.pid}-${runId}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Removes a temp folder of prepareTempDir, and its root when no other process is using it. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  try {
    rmdirSync(dirname(dir));
  } catch {
    /* another process's temp files are there */
  }
}
