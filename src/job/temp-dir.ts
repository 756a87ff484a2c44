// Temporary files go to <out>/.anonflow-tmp/<pid>-<run>/ (same file system, so renames are
// atomic), never beside outputs. The root is opened without following a symlink (a planted
// `.anonflow-tmp` link is refused, never emptied), the run's folder is created exclusively with
// mode 0700 (no other user can plant a file in it), and what a killed run left is removed only
// as far as it is ours: its `*.tmp` files, never recursively.
import { closeSync, constants, mkdirSync, openSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { createPrivateDir, fdPath, openDirAt, removeOwnTempDir } from '../io/confined.js';
import { isAlive } from '../io/pid.js';

const TEMP_ROOT = '.anonflow-tmp';

export interface TempDir {
  /** The run's temp folder, named through its descriptor: a swapped name is never followed. */
  path: string;
  /** Removes the folder (its files are already gone: each write unlinks its temp name) and closes it. */
  remove(): void;
}

/** The temp root, opened without following a symlink, cleared of what killed runs of ours left. */
function openTempRoot(outFd: number): number {
  const root = openDirAt(outFd, TEMP_ROOT, true, 0o700);
  try {
    for (const name of readdirSync(fdPath(root))) {
      const pid = Number(name.split('-')[0]);
      if (!Number.isInteger(pid) || !isAlive(pid)) removeOwnTempDir(root, name);
    }
  } catch (e) {
    closeSync(root);
    throw e;
  }
  return root;
}

/** The run's temp folder inside the output folder open as `outFd`. */
export function prepareTempDirAt(outFd: number, runId: string): TempDir {
  const root = openTempRoot(outFd);
  try {
    const name = `${process.pid}-${runId}`;
    const dir = createPrivateDir(root, name);
    return {
      path: fdPath(dir),
      remove: () => {
        closeSync(dir);
        removeOwnTempDir(root, name);
        try {
          rmdirSync(fdPath(outFd, TEMP_ROOT));
        } catch {
          /* another process's temp files are there */
        }
        closeSync(root);
      },
    };
  } catch (e) {
    closeSync(root);
    throw e;
  }
}

/**
 * The same by name, for callers that keep a path (anon watch): created as safely, but later
 * writes go by name. Returns <out>/.anonflow-tmp/<pid>-<run>.
 */
export function prepareTempDir(out: string, runId: string): string {
  mkdirSync(out, { recursive: true });
  const outFd = openSync(out, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    const root = openTempRoot(outFd);
    try {
      closeSync(createPrivateDir(root, `${process.pid}-${runId}`));
    } finally {
      closeSync(root);
    }
  } finally {
    closeSync(outFd);
  }
  return join(out, TEMP_ROOT, `${process.pid}-${runId}`);
}

/**
 * Removes this process's temp folders under `out` and the partial files in them, for a run that
 * must stop at once (a second signal): what was in flight is rolled back, not left for a later run.
 */
export function removeProcessTempDirs(out: string): void {
  const outFd = openSync(out, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    const root = openDirAt(outFd, TEMP_ROOT, false);
    try {
      for (const name of readdirSync(fdPath(root))) if (name.startsWith(`${process.pid}-`)) removeOwnTempDir(root, name);
    } finally {
      closeSync(root);
    }
  } finally {
    closeSync(outFd);
  }
}
