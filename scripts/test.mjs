// Runs the whole suite with tap and ends with a plain "N passed, N failed, N skipped" line,
// which CI reads (tap's own summary is a JSON-ish comment). Exits with tap's status.
//
// With no file arguments it runs the compiled tests (dist-test/, emitted by `tsc -p
// tsconfig.test.json`, which `npm run typecheck` runs; run again here, incrementally, unless
// --compiled says npm test's typecheck just did) with no TypeScript loader: tsx costs each test
// process 1–2 CPU-seconds. Files named as arguments run as TypeScript through the package.json
// tap config (tsx), as `npx tap test/x.test.ts` does. Measurements: docs/testing.md.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const node = process.execPath;
const tapBin = 'node_modules/tap/dist/esm/run.mjs';
// --compiled: dist-test/ is fresh (npm test's typecheck just emitted it); otherwise compile here.
const compiled = process.argv.includes('--compiled');
const args = process.argv.slice(2).filter((a) => a !== '--compiled');
// tap's config parser reads process.argv too, and rejects an option it does not know
process.argv = [...process.argv.slice(0, 2), ...args];

function must(cmd, argv) {
  const r = spawnSync(node, [cmd, ...argv], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/**
 * tap rebuilds its Test class when the configured plugins differ from the installed build (always
 * in a fresh clone: package.json drops plugins), but the runner process has by then chosen the
 * test processes' loaders from the stale build, so the first run after `npm ci` loads ts-node
 * (@tapjs/typescript) and @tapjs/mock's loader into every test process. Build it first.
 */
async function tapBuilt() {
  const { TapConfig } = await import('@tapjs/config');
  const config = await TapConfig.load();
  const built = readFileSync(new URL(import.meta.resolve('@tapjs/test/test-built')), 'utf8');
  const signature = /export const signature = `([^`]*)`/.exec(built)?.[1]?.trim();
  if (signature !== config.pluginSignature) must(tapBin, ['build']);
}

await tapBuilt();
const runArgs = [...args];
if (!args.some((a) => !a.startsWith('-'))) {
  if (!compiled) must('node_modules/typescript/bin/tsc', ['-p', 'tsconfig.test.json']);
  // The compiled files replace the configured include; the node-arg replaces --import=tsx.
  runArgs.unshift('--include=dist-test/test/**/*.test.js', '--include=dist-test/src/**/*.test.js', '--node-arg=--enable-source-maps');
  // tap's process-info hook, in every test process and every node child they spawn (each `anon`
  // run), records each module loaded and its line lengths, for coverage and `tap --changed`, which
  // the suite uses neither: excluding every file halves the hook's cost (~0.6 CPU-s a process).
  runArgs.unshift('--test-env=_TAPJS_PROCESSINFO_EXCLUDE_=/./');
}
// tap's default on 2 cores is one file at a time ("leave one CPU free"), while most files spend
// much of their time waiting on child processes, servers and timers: one file per core, at least
// two. Not more: on a loaded machine, tests whose `anon serve` must start within 20 s time out.
if (!args.some((a) => a.startsWith('--jobs') || a.startsWith('-j'))) runArgs.unshift(`--jobs=${Math.max(2, availableParallelism())}`);

const tap = spawn(node, [tapBin, ...runArgs], {
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
