import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { drop, files, instance, outputs, skip, startDaemon, tmp, waitFor } from './helpers/watch.js';

/**
 * Every entry below a folder, links and FIFOs included (files() sees regular files only). Links are
 * listed, never followed (readdir's own recursion enters a symlinked folder), and an entry the daemon
 * moves away meanwhile is simply gone (a folder listed, then moved before it is read).
 */
function entries(dir: string): string[] {
  let found: Dirent[];
  try {
    found = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return found.flatMap((e) => [e.name, ...(e.isDirectory() ? entries(join(dir, e.name)).map((n) => join(e.name, n)) : [])]);
}

t.test(
  'watch with symlinks, a symlinked folder and a FIFO in the inbox → each moved out with its reason, none followed or opened; files beside them written',
  { skip, timeout: 90_000 },
  async (t) => {
    const d = tmp(t);
    const outside = join(d, 'outside');
    mkdirSync(join(outside, 'folder'), { recursive: true });
    writeFileSync(join(outside, 'secret.dcm'), instance(90));
    writeFileSync(join(outside, 'folder', 'inner.dcm'), instance(91));
    drop(d, 'real.dcm', instance(1));
    symlinkSync(join(outside, 'secret.dcm'), join(d, 'inbox', 'link-out.dcm'));
    symlinkSync(join(d, 'inbox', 'real.dcm'), join(d, 'inbox', 'link-in.dcm'));
    symlinkSync(join(outside, 'folder'), join(d, 'inbox', 'linked-folder'));
    symlinkSync(join(d, 'nowhere'), join(d, 'inbox', 'dangling.dcm'));
    execFileSync('mkfifo', [join(d, 'inbox', 'pipe.dcm')]);
    const w = startDaemon(d, ['--rescan-s', '1']);
    t.teardown(() => void w.child.kill('SIGKILL'));
    await waitFor('the inbox emptied', () => entries(join(d, 'inbox')).length === 0, 40_000);
    w.child.kill('SIGTERM');
    const { code } = await w.exit;
    t.equal(code, 0, `daemon exits 0 (${w.stderr().slice(0, 400)})`);
    t.equal(outputs(d).length, 1, 'only the regular file is written (no link target processed)');
    const q = join(d, 'quarantine');
    for (const name of ['link-out.dcm', 'link-in.dcm', 'linked-folder', 'dangling.dcm', 'pipe.dcm']) {
      const moved = join(q, name);
      t.ok(existsSync(moved) || lstatSync(moved, { throwIfNoEntry: false }), `${name} moved out of the inbox`);
      const reason = JSON.parse(readFileSync(moved + '.reason.json', 'utf8')) as { reason: string };
      t.match(reason.reason, name === 'pipe.dcm' ? /FIFO/ : /symbolic link/, `${name}: its reason`);
    }
    t.ok(lstatSync(join(q, 'link-out.dcm')).isSymbolicLink(), 'the link itself is moved, not its target');
    t.ok(lstatSync(join(q, 'pipe.dcm')).isFIFO(), 'the FIFO itself is moved');
    t.ok(existsSync(join(outside, 'secret.dcm')) && existsSync(join(outside, 'folder', 'inner.dcm')), 'link targets untouched');
    const skipped = w.events.filter((e) => e.type === 'file' && e.status === 'quarantined').map((e) => e.input as string);
    t.same(skipped.sort(), ['dangling.dcm', 'link-in.dcm', 'link-out.dcm', 'linked-folder', 'pipe.dcm'], 'each has its outcome event');
    t.equal(files(join(d, 'done')).length, 1, 'the real file is done');
    // A restart finds nothing to do again (the issue: links were reprocessed at every restart).
    const again = startDaemon(d, ['--rescan-s', '1']);
    t.teardown(() => void again.child.kill('SIGKILL'));
    await waitFor('the restarted daemon started', () => again.events.some((e) => e.type === 'start'));
    await new Promise((r) => setTimeout(r, 1500));
    again.child.kill('SIGTERM');
    await again.exit;
    t.equal(again.events.filter((e) => e.type === 'file').length, 0, 'a restart processes nothing');
  },
);
