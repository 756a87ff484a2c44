import { dirname } from 'node:path';
import { UsageError } from '../errors.js';
import { takePidLock } from '../io/lock.js';

/** One daemon per state folder: `path` holds its pid. Returns the function that releases it. */
export function takeLock(path: string): () => void {
  return takePidLock(
    path,
    (pid) => new UsageError(Number.isNaN(pid) ? `cannot take the lock ${path}` : `another watch (pid ${pid}) uses the state folder ${dirname(path)}`),
    0o644,
  );
}
