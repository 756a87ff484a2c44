// Start-up and per-file CPU of two builds side by side (issue 16), interleaved, medians.
//
//   node dist/bench/startup.js BUILD_A BUILD_B [--corpus DIR] [--rounds N]
//
// A BUILD is a folder with a compiled dist/ and node_modules beside it (this repo, or a copy of an
// older commit's). Per build and round, each in a fresh node process:
//   - main: CPU of loading what `anon run` loads on its main thread (the CLI, yargs, the run command,
//     the pool module);
//   - worker: CPU of loading a pool worker's entry (the engine every worker thread loads);
//   - per file (with --corpus): CPU per file of the engine alone, processFile over the corpus on
//     one thread with the basic profile, start-up excluded.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median, PROCESSOR_OVER_CORPUS, takeOption } from './ab-args.js';

const LOAD = `
const c0 = process.cpuUsage();
for (const m of process.argv.slice(1)) await import(m);
const c = process.cpuUsage(c0);
console.log((c.user + c.system) / 1000);
`;

const PER_FILE = `
${PROCESSOR_OVER_CORPUS}const c0 = process.cpuUsage();
for (const f of files) await proc({ path: f, rel: f.slice(corpus.length + 1) });
const c = process.cpuUsage(c0);
console.log((c.user + c.system) / 1000 / files.length);
`;

function node(code: string, args: string[]): number {
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', code, ...args], { encoding: 'utf8' }).trim());
}

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => takeOption(args, name);
const corpus = opt('--corpus');
const rounds = Number(opt('--rounds') ?? 5);
if (args.length !== 2 || !(rounds >= 1 && rounds <= 50)) {
  console.error('usage: node dist/bench/startup.js BUILD_A BUILD_B [--corpus DIR] [--rounds N ≤ 50]');
  process.exit(2);
}
const builds = args.map((b) => resolve(b));
const url = (build: string, rel: string): string => new URL(`file://${build}/dist/src/${rel}`).href;
const results = builds.map(() => ({ main: [] as number[], worker: [] as number[], perFile: [] as number[] }));
const out = mkdtempSync(join(tmpdir(), 'anon-startup-'));
try {
  for (let r = 0; r < rounds; r++) {
    for (const [i, b] of builds.entries()) {
      // yargs by name: main.js imports it only once the pool is started (since the fourth pass)
      const yargs = new URL(`file://${b}/node_modules/yargs/index.mjs`).href;
      results[i]!.main.push(node(LOAD, [url(b, 'cli/main.js'), yargs, url(b, 'cli/commands/run.js'), url(b, 'pool/pool.js')]));
      results[i]!.worker.push(node(LOAD, [url(b, 'pool/worker.js')]));
      if (corpus) {
        const dir = join(out, `${i}-${r}`);
        results[i]!.perFile.push(node(PER_FILE, [b, resolve(corpus), dir]));
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
console.log('build\tmain_ms\tworker_ms' + (corpus ? '\tcpu_ms_per_file' : ''));
for (const [i, b] of builds.entries()) {
  const r = results[i]!;
  console.log([b, median(r.main).toFixed(1), median(r.worker).toFixed(1), ...(corpus ? [median(r.perFile).toFixed(3)] : [])].join('\t'));
}
