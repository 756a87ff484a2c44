import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { isAlive as alive } from '../io/pid.js';
import { UsageError } from '../errors.js';

/**
 * One daemon per state folder: `path` holds its pid; a dead owner's lock is taken over.
 * Returns the function that releases it.
 */
export function takeLock(path: string): () => void {
  for (let i = 0; i < 3; i++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
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
        continue;
      }
      if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) throw new UsageError(`another watch (pid ${owner}) uses the state folder ${dirname(path)}`);
      try {
        unlinkSync(path);
      } catch {
        /* taken by another */
      }
    }
  }
  throw new UsageError(`cannot take the lock ${path}`);
}
