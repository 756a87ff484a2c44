// CPU per file of the per-file job alone, two builds side by side (issue 16), interleaved, medians.
//
//   node dist/bench/per-file-cpu.js BUILD_A BUILD_B --corpus DIR [--rounds N] [--out DIR]
//
// A BUILD is a folder with a compiled dist/ and node_modules beside it (this repo, or a copy of an
// older commit's). Per build and round, in a fresh node process: the basic profile is compiled, 100
// files run untimed (the JIT warms up), then every file of the corpus runs on one thread into a
// fresh folder, timed by process.cpuUsage: user and system ms per file, start-up and warm-up
// excluded. --out puts the outputs elsewhere than the system temp folder (a tmpfs such as /dev/shm
// keeps the file system's writeback out of the figures).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median, PROCESSOR_OVER_CORPUS, takeOption } from './ab-args.js';

const PER_FILE = `
import { rmSync } from 'node:fs';
${PROCESSOR_OVER_CORPUS}for (const f of files.slice(0, 100)) await proc({ path: f, rel: f.slice(corpus.length + 1) });
rmSync(out, { recursive: true, force: true });
const c0 = process.cpuUsage();
for (const f of files) await proc({ path: f, rel: f.slice(corpus.length + 1) });
const c = process.cpuUsage(c0);
console.log(JSON.stringify({ user: c.user / 1000 / files.length, system: c.system / 1000 / files.length }));
`;

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => takeOption(args, name);
const corpus = opt('--corpus');
const rounds = Number(opt('--rounds') ?? 5);
const outBase = opt('--out') ?? tmpdir();
if (args.length !== 2 || !corpus || !(rounds >= 1 && rounds <= 50)) {
  console.error('usage: node dist/bench/per-file-cpu.js BUILD_A BUILD_B --corpus DIR [--rounds N ≤ 50] [--out DIR]');
  process.exit(2);
}
const builds = args.map((b) => resolve(b));
const results = builds.map(() => ({ user: [] as number[], system: [] as number[] }));
const out = mkdtempSync(join(outBase, 'anon-per-file-'));
try {
  for (let r = 0; r < rounds; r++) {
    // The first build alternates, so a change of load hits both about equally.
    const order = r % 2 ? [...builds.keys()].reverse() : [...builds.keys()];
    for (const i of order) {
      const dir = join(out, `${i}-${r}`);
      const run = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', PER_FILE, builds[i]!, resolve(corpus), dir], { encoding: 'utf8' })) as {
        user: number;
        system: number;
      };
      rmSync(dir, { recursive: true, force: true });
      results[i]!.user.push(run.user);
      results[i]!.system.push(run.system);
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
console.log('build\tuser_ms_per_file\tsys_ms_per_file\tcpu_ms_per_file\tratio');
const total = results.map((r) => median(r.user.map((u, k) => u + r.system[k]!)));
for (const [i, b] of builds.entries()) {
  const r = results[i]!;
  console.log([b, median(r.user).toFixed(3), median(r.system).toFixed(3), total[i]!.toFixed(3), (total[i]! / total[0]!).toFixed(2)].join('\t'));
}
