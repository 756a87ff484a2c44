/**
 * anon run whose report disk fills up mid-run (issue 13): the journal's failed write ends the run
 * cleanly (no crash, no temp file, a typed reason), and --resume after space is back writes every
 * input once.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { writeInstances } from '../fixtures/instances.js';
import { cleanEnv } from './helpers/child-env.js';
import { fromRoot } from './helpers/root.js';

const BIN = fromRoot('bin/anon');

/** Why a tmpfs cannot be mounted here (not root, no mount), or false. */
function probe(): string | false {
  if (!existsSync(fromRoot('dist/src/cli/main.js'))) return 'dist/ not built: run npm run build (npm test does)';
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
    execFileSync('umount', [dir]);
    return false;
  } catch (e) {
    return `a tmpfs cannot be mounted here (${(e as Error).message.split('\n')[0]}): the disk-full test needs root`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const skip = probe();

const all = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String) : []);

t.test('run whose report disk fills up → ends cleanly saying why, no temp file; --resume once space is back → every input written once', { skip, timeout: 180_000 }, async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'anonflow-reportfull-'));
  const r = join(d, 'r');
  mkdirSync(r);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', r]);
  t.teardown(() => {
    execFileSync('umount', ['-l', r]);
    rmSync(d, { recursive: true, force: true });
  });
  const N = 150;
  writeInstances(join(d, 'in'), N, { study: '2.25.7781', patientName: 'Full^Report', patientId: 'RF-1', pixels: 1024 });
  // leave a few KiB: some journal lines fit, then ENOSPC
  const filler = join(r, 'filler');
  writeFileSync(filler, Buffer.alloc(512 * 1024 - 12 * 1024));
  const args = [BIN, 'run', join(d, 'in'), '--out', join(d, 'out'), '--threads', '1', '--quiet', '--report-dir', r];
  const env = { ...cleanEnv(), ANON_SECRET: 'report-full-secret-0123456789' };
  const first = spawnSync(process.execPath, args, { env, encoding: 'utf8', timeout: 120_000 });
  t.not(first.status, 0, 'the run does not claim success');
  t.not(first.status, null, 'it exits by itself');
  t.match(first.stderr, /ENOSPC|no space|journal|report/i, 'the reason names the full disk, the journal or the report');
  t.notMatch(first.stderr, /^\s+at .*\(node:internal/m, 'no stack trace: a typed end, not a crash');
  t.equal(all(join(d, 'out')).filter((p) => /\.tmp|anonflow-tmp\/./.test(p)).length, 0, 'no temp file left in the output folder');
  const before = all(join(d, 'out')).filter((p) => p.endsWith('.dcm')).length;
  t.ok(before < N, `the run stopped early (${before} of ${N} written)`);

  rmSync(filler);
  const second = spawnSync(process.execPath, [...args, '--resume', r], { env, encoding: 'utf8', timeout: 120_000 });
  t.equal(second.status, 0, `--resume completes the run (${second.stderr.trim().slice(0, 300)})`);
  const outputs = all(join(d, 'out')).filter((p) => p.endsWith('.dcm'));
  t.equal(outputs.length, N, 'every input written');
  const lines = readFileSync(join(r, 'journal.ndjson'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{') && l.endsWith('}'));
  const inputs = new Map<string, number>();
  for (const l of lines) {
    const e = JSON.parse(l) as { input: string; status: string };
    inputs.set(e.input, (inputs.get(e.input) ?? 0) + 1);
  }
  t.equal(inputs.size, N, 'every input is in the journal');
  t.same(
    [...inputs.values()].filter((n) => n > 1),
    [],
    'none twice',
  );
});
