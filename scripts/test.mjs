// Runs the whole suite with tap and ends with a plain "N passed, N failed, N skipped" line,
// which CI reads (tap's own summary is a JSON-ish comment). Exits with tap's status.
import { spawn } from 'node:child_process';

const tap = spawn(process.execPath, ['node_modules/tap/dist/esm/run.mjs', ...process.argv.slice(2)], {
  stdio: ['inherit', 'pipe', 'inherit'],
});
let tail = '';
tap.stdout.on('data', (b) => {
  process.stdout.write(b);
  tail = (tail + b.toString()).slice(-4096);
});
tap.on('close', (code) => {
  const m = /# \{ total: (\d+)(?:, pass: (\d+))?(?:, fail: (\d+))?(?:, skip: (\d+))?(?:, todo: (\d+))?/.exec(tail);
  if (m) console.log(`\ntests: ${m[2] ?? 0} passed, ${m[3] ?? 0} failed, ${m[4] ?? 0} skipped`);
  process.exit(code ?? 1);
});
