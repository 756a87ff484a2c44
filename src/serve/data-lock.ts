// One server per data folder: <data_dir>/serve.lock holds the owner's pid, created exclusively.
// A second `anon serve` (another process, or another server in this one) is refused with a clear
// error instead of re-queueing the first one's running jobs; a dead owner's lock is taken over.

import { join } from 'node:path';
import { takePidLock } from '../io/lock.js';
import { ConfigError } from './errors.js';

/** Locks held by this process: the pid in the file cannot tell two servers of one process apart. */
const held = new Set<string>();

/** Takes the data folder's lock; returns its release. */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, 'serve.lock');
  const busy = (pid: number): ConfigError =>
    new ConfigError(Number.isNaN(pid) ? `cannot take the lock ${path}` : `the data folder ${dataDir} is in use by another anon serve (pid ${pid}): one server per data folder`);
  if (held.has(path)) throw busy(process.pid);
  const release = takePidLock(path, busy);
  held.add(path);
  return () => {
    held.delete(path);
    release();
  };
}
