import type { Dirent, Stats } from 'node:fs';
import { opendir, realpath, stat } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';

export interface WalkEntry {
  /** Absolute path of the file. */
  path: string;
  /** Path relative to the input it was found under (its basename for a file input). */
  rel: string;
}

/**
 * Something the walk met that is not a file to process, with its outcome: nothing found under the
 * inputs is dropped in silence (issue 13). Failed: a missing input, an unreadable or vanished
 * folder, a dangling link. Skipped: FIFOs, sockets and devices, links leading out of the inputs,
 * folders reached twice (a link loop).
 */
export interface WalkProblem {
  path: string;
  status: 'skipped' | 'failed';
  /** For failures: INPUT_MISSING or IO. */
  code?: 'INPUT_MISSING' | 'IO';
  reason: string;
}

export type WalkItem = ({ kind: 'file' } & WalkEntry) | ({ kind: 'problem' } & WalkProblem);

export interface WalkOptions {
  /** Follow symbolic links that stay inside the input roots (default true); others are skipped. */
  followSymlinks?: boolean;
  /**
   * With several inputs, each one's relative paths start with its own name, as `cp -r A B out/`
   * makes out/A and out/B (names shared by two inputs get -2, -3…). The mirror layout needs it: two
   * inputs holding the same relative path would otherwise write one output, the later over the first.
   */
  labelRoots?: boolean;
}

/** Each input's name for labelRoots: its base name, made unique among the inputs. */
export function rootLabels(inputs: string[]): string[] {
  const used = new Set<string>();
  return inputs.map((input) => {
    const base = basename(resolve(input)) || 'input';
    let label = base;
    for (let n = 2; used.has(label); n++) label = `${base}-${n}`;
    used.add(label);
    return label;
  });
}

const errText = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  return err?.code ? `${err.code}: ${err.message}` : String((e as Error)?.message ?? e);
};

/** What a non-file, non-folder entry is, for its skip reason. */
function special(st: Stats | Dirent): string | undefined {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return undefined;
}

/**
 * Yields the files under each input lazily, one directory handle at a time, so a tree of a
 * million files starts producing at once and holds no list of them in memory, together with
 * everything met that is not processed and why. No error ends the walk.
 */
export async function* walkAll(inputs: string[], opts: WalkOptions = {}): AsyncGenerator<WalkItem> {
  if (!opts.labelRoots || inputs.length < 2) return yield* walkRoots(inputs, opts);
  const labels = rootLabels(inputs);
  for (let i = 0; i < inputs.length; i++) {
    // the same input twice would write its files twice, under two names
    if (inputs.findIndex((x) => resolve(x) === resolve(inputs[i])) < i) continue;
    for await (const item of walkRoots([inputs[i]], opts, inputs)) {
      if (item.kind !== 'file') yield item;
      // a file given itself is named by its label; a folder's files go below it
      else yield { ...item, rel: item.path === resolve(inputs[i]) ? labels[i] : join(labels[i], item.rel) };
    }
  }
}

/** The walk proper; `all` are every input of the run (links may lead into any of them). */
async function* walkRoots(inputs: string[], opts: WalkOptions, all: string[] = inputs): AsyncGenerator<WalkItem> {
  const follow = opts.followSymlinks ?? true;
  const roots: string[] = [];
  for (const input of all) {
    try {
      roots.push(await realpath(resolve(input)));
    } catch {
      /* reported below */
    }
  }
  for (const input of inputs) {
    const root = resolve(input);
    let st: Stats;
    try {
      st = await stat(root);
    } catch (e) {
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
      yield { kind: 'problem', path: root, status: 'failed', code: missing ? 'INPUT_MISSING' : 'IO', reason: missing ? 'input not found' : `input unreadable (${errText(e)})` };
      continue;
    }
    if (st.isFile()) {
      yield { kind: 'file', path: root, rel: basename(root) };
      continue;
    }
    const what = special(st);
    if (what) {
      yield { kind: 'problem', path: root, status: 'skipped', reason: `${what}, not a file` };
      continue;
    }
    yield* walkDir(root, root, { follow, roots, seen: new Set([`${st.dev}:${st.ino}`]) });
  }
}

/** The files only: for callers that count or list (progress totals, the watch inbox rescan). */
export async function* walk(inputs: string[], opts: WalkOptions = {}): AsyncGenerator<WalkEntry> {
  for await (const item of walkAll(inputs, opts)) if (item.kind === 'file') yield { path: item.path, rel: item.rel };
}

interface DirState {
  follow: boolean;
  /** Real paths of the input roots: a link is followed only to a place inside one. */
  roots: string[];
  /** dev:ino of every folder walked from this root: a folder met again is a loop. */
  seen: Set<string>;
}

async function* walkDir(root: string, dir: string, s: DirState): AsyncGenerator<WalkItem> {
  let handle;
  try {
    handle = await opendir(dir);
  } catch (e) {
    yield { kind: 'problem', path: dir, status: 'failed', code: 'IO', reason: `folder unreadable (${errText(e)}): its files were not processed` };
    return;
  }
  try {
    for await (const d of handle) {
      const p = join(dir, d.name);
      if (d.isDirectory()) yield* enterDir(root, p, s);
      else if (d.isFile()) yield { kind: 'file', path: p, rel: relative(root, p) };
      else if (d.isSymbolicLink()) yield* link(root, p, s);
      else {
        const what = special(d);
        yield { kind: 'problem', path: p, status: 'skipped', reason: `${what ?? 'not a regular file'}: not processed` };
      }
    }
  } catch (e) {
    // The folder vanished or failed mid-listing: what it still held is reported, not lost.
    yield { kind: 'problem', path: dir, status: 'failed', code: 'IO', reason: `folder could not be read to the end (${errText(e)}): the rest of its files were not processed` };
  }
}

async function* enterDir(root: string, dir: string, s: DirState): AsyncGenerator<WalkItem> {
  let st: Stats;
  try {
    st = await stat(dir);
  } catch (e) {
    yield { kind: 'problem', path: dir, status: 'failed', code: 'IO', reason: `folder vanished or unreadable (${errText(e)})` };
    return;
  }
  const key = `${st.dev}:${st.ino}`;
  if (s.seen.has(key)) {
    yield { kind: 'problem', path: dir, status: 'skipped', reason: 'folder already walked (a link loop, or a link to a folder walked elsewhere)' };
    return;
  }
  s.seen.add(key);
  yield* walkDir(root, dir, s);
}

async function* link(root: string, p: string, s: DirState): AsyncGenerator<WalkItem> {
  if (!s.follow) {
    yield { kind: 'problem', path: p, status: 'skipped', reason: 'symbolic link: not followed (links are not followed in this run)' };
    return;
  }
  let target: string;
  let st: Stats;
  try {
    target = await realpath(p);
    st = await stat(target);
  } catch (e) {
    yield { kind: 'problem', path: p, status: 'failed', code: 'IO', reason: `dangling symbolic link (${errText(e)})` };
    return;
  }
  if (!s.roots.some((r) => isInside(target, r))) {
    yield { kind: 'problem', path: p, status: 'skipped', reason: 'symbolic link to a place outside the input folders: not followed' };
    return;
  }
  if (st.isDirectory()) yield* enterDir(root, p, s);
  else if (st.isFile()) yield { kind: 'file', path: p, rel: relative(root, p) };
  else yield { kind: 'problem', path: p, status: 'skipped', reason: `symbolic link to ${special(st) ?? 'something not a file'}: not processed` };
}

/** True when `inner` is `outer` or lies below it. */
export function isInside(inner: string, outer: string): boolean {
  const rel = relative(resolve(outer), resolve(inner));
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith('/'));
}
