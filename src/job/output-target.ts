// Where processFile writes an output: by name (anon run without /proc), or through the folder
// opened component by component below the output folder's descriptor, never following a symlink
// (from the processor's folder cache when it has one: src/io/dir-cache.ts).
import { closeSync, mkdirSync } from 'node:fs';
import { basename, dirname, relative, sep } from 'node:path';
import { fdPath, openDirBelow } from '../io/confined.js';
import type { DirCache } from '../io/dir-cache.js';

export interface OutputTarget {
  /** The name to write `output` (a path in the folder of `base`) under. */
  at(output: string): string;
  close(): void;
}

export function outputTarget(out: string, outFd: number | undefined, base: string, dirs?: DirCache): OutputTarget {
  if (outFd === undefined) {
    ensureDir(dirname(base));
    return { at: (o) => o, close: () => {} };
  }
  // base is join(out, …): its folders are what follows out (path.relative resolves both, per file).
  const parts = (base.startsWith(out + sep) ? base.slice(out.length + 1) : relative(out, base)).split(sep);
  parts.pop();
  if (dirs === undefined || dirs.root !== outFd) {
    const dir = openDirBelow(outFd, parts, true);
    return { at: (o) => fdPath(dir, basename(o)), close: () => closeSync(dir) };
  }
  const lease = dirs.acquire(parts, true);
  return { at: (o) => fdPath(lease.fd, basename(o)), close: lease.release };
}

/** Folders known to exist: most files of a run share their folder with the previous one. */
const madeDirs = new Set<string>();
function ensureDir(dir: string): void {
  if (madeDirs.has(dir)) return;
  mkdirSync(dir, { recursive: true });
  if (madeDirs.size > 10_000) madeDirs.clear(); // bounded: a cache, not a record
  madeDirs.add(dir);
}
