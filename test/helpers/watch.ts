// Shared by the watch daemon's tests: temp folders, instances, dropping files, the daemon process.
import type { Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { instance as seriesInstance } from '../../fixtures/instances.js';
import { cleanEnv } from './child-env.js';
import { fromRoot } from './root.js';

export const BIN = fromRoot('bin/anon');
export const built = existsSync(fromRoot('dist/src/watch/daemon.js'));
export const skip = built ? false : 'dist/ not built: run npm run build (npm test does)';
export const ENV = { ...cleanEnv(), ANON_SECRET: 'watch-test-secret-0123456789' };

export const tmp = (t: Test): string => {
  const d = mkdtempSync(join(tmpdir(), 'anonflow-watch-'));
  mkdirSync(join(d, 'inbox'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
};

/** A small CT instance with its own SOP Instance UID (and study, when given). */
export const instance = (i: number, study = '2.25.999', pixels = 4096): Buffer => seriesInstance(i, { study, patientName: 'Watch^Test', patientId: 'WT-1', pixels });

/** Drops a file into the inbox whole: written beside it, then renamed in. */
export function drop(d: string, rel: string, bytes: Buffer): void {
  const staged = join(d, 'staging', rel.replace(/[/\\]/g, '_'));
  mkdirSync(dirname(staged), { recursive: true });
  writeFileSync(staged, bytes);
  mkdirSync(dirname(join(d, 'inbox', rel)), { recursive: true });
  renameSync(staged, join(d, 'inbox', rel));
}

export const files = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath, e.name))
    : [];
export const outputs = (d: string): string[] => files(join(d, 'out')).filter((p) => !p.includes('.anonflow-tmp'));

export interface Daemon {
  child: ChildProcess;
  events: any[];
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startDaemon(d: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Daemon {
  const defaults: Record<string, string> = { '--settle-ms': '200', '--threads': '1', '--stats-s': '1' };
  for (const k of Object.keys(defaults)) if (extra.includes(k)) delete defaults[k];
  const args = [BIN, 'watch', join(d, 'inbox'), '--out', join(d, 'out'), '--json', ...Object.entries(defaults).flat(), ...extra];
  const child = spawn(process.execPath, args, { env: { ...ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: any[] = [];
  let buf = '';
  let err = '';
  child.stdout!.on('data', (b) => {
    buf += b;
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) if (l) events.push(JSON.parse(l));
  });
  child.stderr!.on('data', (b) => (err += b));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return { child, events, stderr: () => err, exit };
}

export async function waitFor(what: string, cond: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const statusOf = (d: string): any => {
  try {
    return JSON.parse(readFileSync(join(d, '.anonflow-watch', 'inbox', 'status.json'), 'utf8'));
  } catch {
    return undefined;
  }
};
/** Inbox empty and nothing queued: everything dropped so far has been handled. */
export const drained = (d: string) => () => files(join(d, 'inbox')).length === 0 && statusOf(d)?.queue.total === 0;
