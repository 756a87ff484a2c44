import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { skip, tmp, instance, drop, files, outputs, startDaemon, waitFor, drained } from './helpers/watch.js';

/** Inputs claimed in the journal whose original was not yet moved (work a kill interrupted). */
function openClaims(d: string): number {
  const dir = join(d, '.anonflow-watch', 'inbox', 'journal');
  if (!existsSync(dir)) return 0;
  const open = new Set<string>();
  for (const n of readdirSync(dir)) {
    for (const l of readFileSync(join(dir, n), 'utf8').split('\n')) {
      let r;
      try {
        r = JSON.parse(l);
      } catch {
        continue;
      }
      if (r.t === 'claim') open.add(`${r.ino}:${r.rel}`);
      if (r.t === 'moved') open.delete(`${r.ino}:${r.rel}`);
    }
  }
  return open.size;
}

/** Outputs seen after each kill, with their size: each must be whole (the same size at the end). */
function snapshot(d: string, seen: Map<string, number>, t: Test): void {
  for (const p of outputs(d)) {
    const size = statSync(p).size;
    if (p.endsWith('.tmp')) t.fail(`temp file visible in the output: ${p}`);
    if (!seen.has(p)) seen.set(p, size);
  }
}

/** Checks the end state: every input exactly once in done/, failed/ or quarantine/, one output per DICOM input. */
function verify(t: Test, d: string, good: string[], broken: string[], text: string[], seen: Map<string, number>): void {
  const rel = (root: string) =>
    files(join(d, root))
      .map((p) => p.slice(join(d, root).length + 1))
      .sort();
  t.same(files(join(d, 'inbox')), [], 'no input left in the inbox');
  t.same(rel('done'), [...good].sort(), 'every good input exactly once in done/ (no ~2 copies, none lost)');
  t.same(rel('failed'), broken.flatMap((b) => [b, `${b}.error.json`]).sort(), 'broken inputs in failed/ with .error.json');
  t.same(rel('quarantine'), text.flatMap((b) => [b, `${b}.reason.json`]).sort(), 'text inputs in quarantine/ with .reason.json');
  const outs = outputs(d);
  t.equal(outs.length, good.length, 'exactly one output per good input');
  const partial = [...seen].filter(([p, size]) => !existsSync(p) || statSync(p).size !== size);
  t.same(partial, [], 'every output seen after a kill was already whole');
  t.notOk(existsSync(join(d, 'out', '.anonflow-tmp')), 'temp files of killed daemons cleared');
}

t.test('watch killed with SIGKILL at random moments, 15 times, then restarted → every input exactly once, no partial output, none lost', { skip, timeout: 120_000 }, async (t) => {
  const d = tmp(t);
  const ITER = Number(process.env.WATCH_KILLS ?? 15);
  const PER = 20;
  const good: string[] = [];
  const broken: string[] = [];
  const text: string[] = [];
  const seen = new Map<string, number>();
  let seed = Number(process.env.WATCH_SEED ?? Date.now() % 100000);
  t.comment(`seed ${seed}`);
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const kills: number[] = [];
  let midFlight = 0;
  for (let it = 0; it < ITER; it++) {
    const dm = startDaemon(d, ['--settle-ms', '30', '--threads', '2']);
    const killAt = Math.floor(random() * 1500);
    kills.push(killAt);
    const t0 = Date.now();
    // Files keep arriving while the daemon starts, works and dies.
    for (let i = 0; i < PER && Date.now() - t0 < killAt; i++) {
      const n = it * PER + i;
      if (n % 37 === 5) {
        const b = instance(n, '2.25.995', 2048);
        drop(d, `b${it}/broken${n}.dcm`, b.subarray(0, b.length - 50));
        broken.push(`b${it}/broken${n}.dcm`);
      } else if (n % 41 === 7) {
        drop(d, `b${it}/note${n}.txt`, Buffer.from(`not DICOM ${n}\n`));
        text.push(`b${it}/note${n}.txt`);
      } else {
        drop(d, `b${it}/img${n}.dcm`, instance(n, '2.25.995', 32 * 1024));
        good.push(`b${it}/img${n}.dcm`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const wait = killAt - (Date.now() - t0);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    dm.child.kill('SIGKILL');
    const { signal } = await dm.exit;
    t.equal(signal, 'SIGKILL', `iteration ${it}: killed at ${killAt} ms`);
    snapshot(d, seen, t);
    if (openClaims(d) > 0) midFlight++;
  }
  t.comment(`kill times (ms): ${kills.join(' ')}; ${midFlight} of ${ITER} kills left a claimed input not yet moved`);
  const last = startDaemon(d, ['--settle-ms', '30', '--threads', '2']);
  await waitFor('the inbox to drain', drained(d), 40_000);
  last.child.kill('SIGTERM');
  t.equal((await last.exit).code, 0, 'final daemon exits 0 on SIGTERM');
  verify(t, d, good, broken, text, seen);
});

t.test('watch killed at each journal step (claim, output, outcome, move), then restarted → that input exactly once', { skip, timeout: 60_000 }, async (t) => {
  for (const point of ['claim', 'output', 'outcome', 'move']) {
    const d = tmp(t);
    const good: string[] = [];
    for (let i = 0; i < 6; i++) {
      drop(d, `img${i}.dcm`, instance(i, '2.25.994'));
      good.push(`img${i}.dcm`);
    }
    drop(d, 'note.txt', Buffer.from('not DICOM\n'));
    const b = instance(9, '2.25.994');
    drop(d, 'broken.dcm', b.subarray(0, b.length - 50));
    const dm = startDaemon(d, ['--settle-ms', '30'], { ANONFLOW_WATCH_CRASH: `${point}@3` });
    const { signal } = await dm.exit;
    t.equal(signal, 'SIGKILL', `${point}: killed itself at the third ${point}`);
    const seen = new Map<string, number>();
    snapshot(d, seen, t);
    const again = startDaemon(d, ['--settle-ms', '30']);
    await waitFor('the inbox to drain', drained(d));
    again.child.kill('SIGTERM');
    t.equal((await again.exit).code, 0);
    verify(t, d, good, ['broken.dcm'], ['note.txt'], seen);
  }
});
