import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { drained, drop, files, instance, outputs, skip, startDaemon, statusOf, tmp, waitFor } from './helpers/watch.js';

/** A small tmpfs at `dir` (root only); undefined when it cannot be mounted here. */
function mountTmpfs(dir: string, size: string): string | undefined {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (e) {
    return `a tmpfs cannot be mounted here (${(e as Error).message.split('\n')[0]}): the disk-full test needs root`;
  }
}

/** Why the test cannot run here (not root, no tmpfs), from a probe mount; false when it can. */
function probe(): string | false {
  if (skip) return skip;
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-mount-probe-'));
  try {
    const cannot = mountTmpfs(dir, '64k');
    if (cannot) return cannot;
    execFileSync('umount', [dir]);
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const skipMount = probe();

// The issue: ENOSPC on the output sent each original straight to failed/ (125 of 200 in 2 s).
t.test(
  'watch whose output disk fills up → originals stay in the inbox and are retried, none failed; all written once space is back',
  { skip: skipMount, timeout: 120_000 },
  async (t) => {
    const d = tmp(t);
    const out = join(d, 'out');
    const cannot = mountTmpfs(out, '512k');
    if (cannot) throw new Error(cannot); // the probe below mounted one: this should not happen
    t.teardown(() => void execFileSync('umount', ['-l', out]));
    const filler = join(out, 'filler');
    // Leave a few KiB: the first files (or none) fit, the rest meet ENOSPC.
    writeFileSync(filler, Buffer.alloc(512 * 1024 - 24 * 1024));
    const N = 8;
    for (let i = 0; i < N; i++) drop(d, `f${i}.dcm`, instance(i + 1, '2.25.999', 8192));
    const w = startDaemon(d, ['--rescan-s', '1']);
    t.teardown(() => void w.child.kill('SIGKILL'));
    await waitFor('retries after ENOSPC', () => w.events.some((e) => e.type === 'file' && e.status === 'retry'), 40_000);
    t.equal(files(join(d, 'failed')).length, 0, 'no original failed for a full disk');
    t.ok(files(join(d, 'inbox')).length > 0, 'the originals wait in the inbox');
    // status.json is rewritten every second: its last error says why the queue waits.
    await waitFor('status.json naming the full disk', () => /ENOSPC|IO_TRANSIENT|no space/i.test(JSON.stringify(statusOf(d)?.last_error ?? '')), 10_000);
    t.pass('status shows why it waits');
    rmSync(filler);
    await waitFor('the inbox drained once space is back', drained(d), 60_000);
    w.child.kill('SIGTERM');
    const { code } = await w.exit;
    t.equal(code, 0, 'daemon exits 0');
    t.equal(outputs(d).length, N, 'every file written');
    t.equal(files(join(d, 'failed')).length, 0, 'none failed');
    t.equal(files(join(d, 'done')).length, N, 'every original done, once');
    const finals = w.events.filter((e) => e.type === 'file' && e.status !== 'retry');
    t.equal(finals.length, N, 'one final outcome per input');
  },
);
