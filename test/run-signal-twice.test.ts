/**
 * anon run sent a second signal (stop at once) while files are in flight (issue 13): what was in
 * flight is rolled back (no temp file left), every journaled output is in place, and --resume
 * completes the run with every input journaled once.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { writeInstances } from '../fixtures/instances.js';
import { cleanEnv } from './helpers/child-env.js';
import { fromRoot } from './helpers/root.js';

const BIN = fromRoot('bin/anon');
const skip = existsSync(fromRoot('dist/src/cli/main.js')) ? false : 'dist/ not built: run npm run build (npm test does)';

const all = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String) : []);

t.test(
  'run sent SIGTERM twice with files in flight → exits at once, in-flight files rolled back (no temp file), journaled outputs in place; --resume completes it',
  { skip, timeout: 120_000 },
  async (t) => {
    const d = mkdtempSync(join(tmpdir(), 'anonflow-signal2-'));
    t.teardown(() => rmSync(d, { recursive: true, force: true }));
    const N = 120;
    writeInstances(join(d, 'in'), N, { study: '2.25.779', patientName: 'Twice^Test', patientId: 'ST-2', pixels: 256 * 1024 });
    const args = [BIN, 'run', join(d, 'in'), '--out', join(d, 'out'), '--threads', '2', '--quiet', '--report-dir', join(d, 'r')];
    const env = { ...cleanEnv(), ANON_SECRET: 'signal-test-secret-0123456789' };
    const journal = join(d, 'r', 'journal.ndjson');
    const child = spawn(process.execPath, args, { env, stdio: 'ignore' });
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        const lines = existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').length - 1 : 0;
        if (lines >= 5 || child.exitCode !== null) {
          clearInterval(poll);
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGTERM'), 5);
          resolve();
        }
      }, 5);
    });
    const exit = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    t.equal(exit, 143, 'exit code 143');
    t.same(
      all(join(d, 'out')).filter((n) => n.endsWith('.tmp')),
      [],
      'no temp file left',
    );
    const entries = readFileSync(journal, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { status: string; output?: string });
    t.ok(entries.length < N, `stopped part-way (${entries.length} of ${N} journaled)`);
    t.ok(
      entries.every((e) => e.status !== 'written' || existsSync(e.output!)),
      'every journaled output is in place',
    );
    const resumed = spawn(process.execPath, [BIN, 'run', join(d, 'in'), '--out', join(d, 'out'), '--threads', '1', '--quiet', '--resume', join(d, 'r')], { env, stdio: 'ignore' });
    t.equal(await new Promise((r) => resumed.on('exit', r)), 0, 'the resumed run succeeds');
    const lines = readFileSync(journal, 'utf8').split('\n').filter(Boolean);
    t.equal(new Set(lines.map((l) => (JSON.parse(l) as { input: string }).input)).size, N, 'every input journaled');
    t.equal(lines.length, N, 'each once');
    t.equal(all(join(d, 'out')).filter((n) => n.endsWith('.dcm')).length, N, 'one output per input');
    t.same(
      all(join(d, 'out')).filter((n) => n.endsWith('.tmp')),
      [],
      'no temp file after the resume',
    );
  },
);
