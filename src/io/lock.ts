// A pid lock file: created exclusively, holding its owner's pid; a dead owner's lock is taken over.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { isAlive } from './pid.js';

/**
 * Takes the lock at `path`, or throws `busy(pid)` when a live process holds it. Returns its release
 * (which removes the file only while it is still ours).
 */
export function takePidLock(path: string, busy: (pid: number) => Error, mode = 0o600): () => void {
  for (let i = 0; i < 3; i++) {
    try {
      const fd = openSync(path, 'wx', mode);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        try {
          if (Number(readFileSync(path, 'utf8')) === process.pid) unlinkSync(path);
        } catch {
          /* gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner: number;
      try {
        owner = Number(readFileSync(path, 'utf8'));
      } catch {
        continue; // being written or removed: look again
      }
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) throw busy(owner);
      try {
        unlinkSync(path); // a dead owner's: take over
      } catch {
        /* taken by another */
      }
    }
  }
  throw busy(Number.NaN);
}
