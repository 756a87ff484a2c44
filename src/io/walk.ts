import { opendir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';

export interface WalkEntry {
  /** Absolute path of the file. */
  path: string;
  /** Path relative to the input it was found under (its basename for a file input). */
  rel: string;
}

/**
 * Yields the files under each input lazily, one directory handle at a time, so a tree of a
 * million files starts producing at once and holds no list of them in memory.
 */
export async function* walk(inputs: string[]): AsyncGenerator<WalkEntry> {
  for (const input of inputs) {
    const root = resolve(input);
    const st = await stat(root);
    if (st.isFile()) {
      yield { path: root, rel: basename(root) };
      continue;
    }
    yield* walkDir(root, root);
  }
}

async function* walkDir(root: string, dir: string): AsyncGenerator<WalkEntry> {
  const handle = await opendir(dir);
  for await (const d of handle) {
    const p = join(dir, d.name);
    if (d.isDirectory()) yield* walkDir(root, p);
    else if (d.isFile()) yield { path: p, rel: relative(root, p) };
  }
}

/** True when `inner` is `outer` or lies below it. */
export function isInside(inner: string, outer: string): boolean {
  const rel = relative(resolve(outer), resolve(inner));
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith('/'));
}
