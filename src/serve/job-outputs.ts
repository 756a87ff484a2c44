// A job's outputs are complete, or marked incomplete: <destination>/.anonflow-incomplete-job-<id>
// is created when a run starts and removed only when the job is DONE, so a cancelled, failed or
// crashed job leaves a visible marker. A reset of a job so marked first removes the files the
// previous run created (from its journal; never files that were already there), one by one,
// through the destination's descriptor: never recursively, never through a symlink.

import { constants, lstatSync, openSync, closeSync, unlinkSync, writeSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { fdPath, openDirBelow } from '../io/confined.js';
import { isInside } from '../io/walk.js';
import { Journal } from '../job/journal.js';

export const incompleteMarker = (id: number): string => `.anonflow-incomplete-job-${id}`;

const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Creates the marker (kept if it is there already). */
export function markIncomplete(outFd: number, id: number): void {
  let fd: number;
  try {
    fd = openSync(fdPath(outFd, incompleteMarker(id)), CREATE, 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw e;
  }
  try {
    writeSync(fd, `anonflow job ${id} has not finished: the files here may be a partial set. Reset the job to redo it, or remove them.\n`);
  } finally {
    closeSync(fd);
  }
}

export function isMarkedIncomplete(outFd: number, id: number): boolean {
  try {
    return lstatSync(fdPath(outFd, incompleteMarker(id))).isFile();
  } catch {
    return false;
  }
}

export function clearIncomplete(outFd: number, id: number): void {
  try {
    unlinkSync(fdPath(outFd, incompleteMarker(id)));
  } catch {
    /* gone */
  }
}

/** The outputs a run created (not those it found in place), from its journal. */
export function createdOutputs(journalPath: string): string[] {
  const out: string[] = [];
  for (const e of Journal.read(journalPath)) if (e.status === 'written' && !e.present) out.push(e.output);
  return out;
}

/** Removes the given outputs (absolute paths below `out`) one by one; returns how many went. */
export function removeOutputs(outFd: number, out: string, outputs: string[]): number {
  let n = 0;
  for (const o of outputs) {
    if (!isInside(o, out) || o === out) continue;
    const parts = relative(out, o).split(sep);
    const name = parts.pop()!;
    try {
      const dir = openDirBelow(outFd, parts, false);
      try {
        unlinkSync(fdPath(dir, name)); // unlink never follows a symlink
        n++;
      } finally {
        closeSync(dir);
      }
    } catch {
      /* gone already, or its folder is a symlink now: not ours to touch */
    }
  }
  return n;
}
