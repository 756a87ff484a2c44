import { randomBytes } from 'node:crypto';
import { basename, join } from 'node:path';

/** This thread's random token: other threads, processes and machines writing into one folder. */
const TOKEN = randomBytes(6).toString('hex');
let serial = 0;

/**
 * The temporary name an output is written under before it takes `outPath`, in `dir`: unique by
 * process, thread token and serial, without drawing random bytes for every file. Whoever creates
 * it still opens it exclusively (`wx`), so a name that exists is never reused.
 */
export function tempPath(dir: string, outPath: string): string {
  return join(dir, `.${basename(outPath)}.${process.pid}.${TOKEN}-${serial++}.tmp`);
}
