import { statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { isInside } from '../io/walk.js';
import { UsageError } from '../errors.js';
import type { WatchOptions } from './options.js';

/** The folders of one watch, resolved. */
export interface WatchPaths {
  inbox: string;
  out: string;
  state: string;
  done: string;
  failed: string;
  quarantine: string;
}

/** Resolves the folders a watch uses and refuses overlaps that would loop or leak. */
export function watchPaths(o: Pick<WatchOptions, 'inbox' | 'out' | 'state' | 'done' | 'failed' | 'quarantine'>): WatchPaths {
  const inbox = resolve(o.inbox);
  const parent = dirname(inbox);
  const p = {
    inbox,
    out: resolve(o.out),
    state: resolve(o.state ?? join(parent, '.anonflow-watch', basename(inbox))),
    done: resolve(o.done ?? join(parent, 'done')),
    failed: resolve(o.failed ?? join(parent, 'failed')),
    quarantine: resolve(o.quarantine ?? join(parent, 'quarantine')),
  };
  let st;
  try {
    st = statSync(inbox);
  } catch {
    throw new UsageError(`inbox ${inbox} does not exist`);
  }
  if (!st.isDirectory()) throw new UsageError(`inbox ${inbox} is not a folder`);
  for (const [name, dir] of [
    ['output', p.out],
    ['state', p.state],
    ['done', p.done],
    ['failed', p.failed],
    ['quarantine', p.quarantine],
  ] as const) {
    if (isInside(dir, inbox)) throw new UsageError(`${name} folder ${dir} must not be inside the inbox ${inbox}`);
    if (isInside(inbox, dir)) throw new UsageError(`the inbox ${inbox} must not be inside the ${name} folder ${dir}`);
  }
  for (const [name, dir] of [
    ['state', p.state],
    ['done', p.done],
    ['failed', p.failed],
    ['quarantine', p.quarantine],
  ] as const) {
    if (isInside(dir, p.out) || isInside(p.out, dir)) throw new UsageError(`${name} folder ${dir} and the output folder ${p.out} must not contain one another`);
  }
  return p;
}
