// One server per data folder: <data_dir>/serve.lock holds the owner's pid, created exclusively.
// A second `anon serve` (another process, or another server in this one) is refused with a clear
// error instead of re-queueing the first one's running jobs; a dead owner's lock is taken over.

import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../io/pid.js';
import { ConfigError } from './errors.js';

/** Locks held by this process: the pid in the file cannot tell two servers of one process apart. */
const held = new Set<string>();

/** Takes the data folder's lock; returns its release. */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, 'serve.lock');
  const busy = (pid: number): ConfigError => new ConfigError(`the data folder ${dataDir} is in use by another anon serve (pid ${pid}): one server per data folder`);
  if (held.has(path)) throw busy(process.pid);
  for (let i = 0; i < 3; i++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      held.add(path);
      return () => {
        held.delete(path);
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
        unlinkSync(path); // a dead owner's (or a crashed server of ours, not held): take over
      } catch {
        /* taken by another */
      }
    }
  }
  throw new ConfigError(`cannot take the lock ${path}`);
}
