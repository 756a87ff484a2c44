// Start-up and per-file CPU of two builds side by side (issue 16), interleaved, medians.
//
//   node dist/bench/startup.js BUILD_A BUILD_B [--corpus DIR] [--rounds N]
//
// A BUILD is a folder with a compiled dist/ and node_modules beside it (this repo, or a copy of an
// older commit's). Per build and round, each in a fresh node process:
//   - main: CPU of loading what `anon run` loads on its main thread (the CLI with the pool module,
//     yargs, the run command);
//   - worker: CPU of loading a pool worker's entry (the engine every worker thread loads);
// each from the build's bundle (dist/bundle/, as bin/anon and its pool load them) when it has one,
// else from its compiled modules (dist/src/).
//   - per file (with --corpus): CPU per file of the engine alone, processFile over the corpus on
//     one thread with the basic profile, start-up excluded.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median, PROCESSOR_OVER_CORPUS, takeOption } from './ab-args.js';

const MAIN = `
const c0 = process.cpuUsage();
const cli = await import(process.argv[1]);
await import(process.argv[2]);
await cli.COMMANDS.run();
const c = process.cpuUsage(c0);
console.log((c.user + c.system) / 1000);
`;

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
/** The bundle's entry when the build has a bundle, else the compiled module. */
const entry = (build: string, bundled: string, rel: string): string =>
  existsSync(join(build, 'dist/bundle', bundled)) ? new URL(`file://${build}/dist/bundle/${bundled}`).href : url(build, rel);
/** yargs as the build's CLI loads it: the bundle's chunk holding it when inlined (scripts/bundle-yargs.mjs), else the package. */
function yargsEntry(build: string): string {
  const meta = join(build, 'dist/bundle/meta.json');
  if (existsSync(meta)) {
    const { outputs } = JSON.parse(readFileSync(meta, 'utf8')) as { outputs: Record<string, { inputs: string[] }> };
    const chunk = Object.keys(outputs).find((k) => outputs[k]!.inputs.includes('node_modules/yargs/index.mjs'));
    if (chunk) return new URL(`file://${build}/dist/bundle/${chunk}`).href;
  }
  return new URL(`file://${build}/node_modules/yargs/index.mjs`).href;
}
const results = builds.map(() => ({ main: [] as number[], worker: [] as number[], perFile: [] as number[] }));
const out = mkdtempSync(join(tmpdir(), 'anon-startup-'));
try {
  for (let r = 0; r < rounds; r++) {
    for (const [i, b] of builds.entries()) {
      // yargs by name: main.js imports it only once the pool is started (since the fourth pass)
      results[i]!.main.push(node(MAIN, [entry(b, 'cli.js', 'cli/main.js'), yargsEntry(b)]));
      results[i]!.worker.push(node(LOAD, [entry(b, 'worker.js', 'pool/worker.js')]));
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
