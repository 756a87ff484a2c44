// Two different path components must never take the same pseudonym in one run (40 bits make it
// unlikely, not impossible): each pseudonym is claimed for its original, once per thread in
// memory and once per run in the run's private temp folder, shared by its worker threads. A
// second original for a claimed pseudonym fails its file (fail closed) instead of merging two
// folders or overwriting another file.
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { AnonError } from '../errors.js';

/** PATH_COLLISION: two different path components gave the same pseudonym. */
export class PathError extends AnonError<'PATH_COLLISION'> {
  constructor(message: string) {
    super('PATH_COLLISION', message);
  }
}

/** This thread's claims: pseudonym → original component. */
const held = new Map<string, string>();
let serial = 0;
const MAX_HELD = 100_000;

/** The message names neither original (they are identifiers), only the pseudonym. */
const collision = (pseudonym: string): PathError =>
  new PathError(`two different path components have the keyed pseudonym ${pseudonym}: the file is not written (it would share a folder or a name with another)`);

/**
 * Claims each (original, pseudonym) pair for this run; throws PathError when a pseudonym is
 * already claimed by another original. `tmpDir` is the run's private temp folder (its `*.tmp`
 * files are removed with it); without one, only this thread's claims are checked.
 */
export function claimPseudonyms(renamed: readonly (readonly [string, string])[], tmpDir?: string): void {
  for (const [original, pseudonym] of renamed) {
    const mine = held.get(pseudonym);
    if (mine !== undefined) {
      if (mine !== original) throw collision(pseudonym);
      continue;
    }
    if (tmpDir) {
      const target = join(tmpDir, `${pseudonym}.path.tmp`);
      // Written whole under a unique name, then linked: a reader never sees a half-written claim.
      const tmp = join(tmpDir, `${pseudonym}.${process.pid}-${threadId}-${serial++}.claim.tmp`);
      writeFileSync(tmp, original, { mode: 0o600 });
      try {
        linkSync(tmp, target);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      } finally {
        unlinkSync(tmp);
      }
      if (readFileSync(target, 'utf8') !== original) throw collision(pseudonym);
    }
    if (held.size >= MAX_HELD) held.clear(); // a long-lived watch or server thread: the folder's claims remain
    held.set(pseudonym, original);
  }
}
