/**
 * `anon run` stopped by SIGTERM or SIGINT (issue 13): no new file is started, the files in flight
 * finish, the journal and report are written, no temp file is left, and the exit code says which
 * signal stopped it; --resume then completes the run with every input once.
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
const built = existsSync(fromRoot('dist/src/cli/main.js'));
const skip = built ? false : 'dist/ not built: run npm run build (npm test does)';

for (const [sig, code] of [
  ['SIGTERM', 143],
  ['SIGINT', 130],
] as const) {
  t.test(`run sent ${sig} mid-way → in-flight files finish, report written, exit ${code}, then --resume completes it`, { skip, timeout: 120_000 }, async (t) => {
    const d = mkdtempSync(join(tmpdir(), 'anonflow-signal-'));
    t.teardown(() => rmSync(d, { recursive: true, force: true }));
    const N = 300;
    writeInstances(join(d, 'in'), N, { study: '2.25.778', patientName: 'Signal^Test', patientId: 'SG-1', pixels: 64 * 1024 });
    const args = [BIN, 'run', join(d, 'in'), '--out', join(d, 'out'), '--threads', '1', '--quiet', '--report-dir', join(d, 'r')];
    const env = { ...cleanEnv(), ANON_SECRET: 'signal-test-secret-0123456789' };
    const journal = join(d, 'r', 'journal.ndjson');
    const child = spawn(process.execPath, args, { env, stdio: 'ignore' });
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        const lines = existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').length - 1 : 0;
        if (lines >= 10 || child.exitCode !== null) {
          clearInterval(poll);
          child.kill(sig);
          resolve();
        }
      }, 5);
    });
    const exit = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    t.equal(exit, code, `exit code ${code}`);
    const report = JSON.parse(readFileSync(join(d, 'r', 'report.json'), 'utf8')) as { status: string; anonymized_files: unknown[] };
    const lines = readFileSync(journal, 'utf8').split('\n').filter(Boolean).length;
    t.ok(lines < N, `stopped part-way (${lines} of ${N} journaled)`);
    t.equal(report.anonymized_files.length, lines, 'the report lists every journaled file');
    const outs = readdirSync(join(d, 'out'), { recursive: true }).map(String);
    t.same(
      outs.filter((n) => n.endsWith('.tmp')),
      [],
      'no temp file left',
    );
    t.equal(outs.filter((n) => n.endsWith('.dcm')).length, lines, 'one output per journaled file');
    const resumed = spawn(process.execPath, [...args.filter((a) => a !== '--report-dir' && a !== join(d, 'r')), '--resume', join(d, 'r')], { env, stdio: 'ignore' });
    t.equal(await new Promise((r) => resumed.on('exit', r)), 0, 'the resumed run succeeds');
    t.equal(readFileSync(journal, 'utf8').split('\n').filter(Boolean).length, N, 'every input journaled once');
  });
}
