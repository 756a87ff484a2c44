// Start-up to the first file (issue 16): wall time from a fresh `anon run`'s execve to the moment
// its first output takes its name (the link/rename that publishes it), two builds interleaved.
//
//   node dist/bench/first-file.js BUILD_A BUILD_B --input DIR [--rounds N] [--threads N]
//
// The moment is read by strace (only execve, link and rename are traced, filtered in the kernel with
// --seccomp-bpf, so the traced process runs at nearly full speed). A BUILD is a folder holding
// bin/anon and its dist/ (this repo, or a frozen copy of another commit's build). Also prints the
// whole process's wall time, for the same runs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median, takeOption } from './ab-args.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => takeOption(args, name);
const input = opt('--input');
const rounds = Number(opt('--rounds') ?? 8);
const threads = opt('--threads');
if (args.length !== 2 || !input || !(rounds >= 1 && rounds <= 50)) {
  console.error('usage: node dist/bench/first-file.js BUILD_A BUILD_B --input DIR [--rounds N ≤ 50] [--threads N]');
  process.exit(2);
}
const builds = args.map((b) => resolve(b));
const scratch = mkdtempSync(join(tmpdir(), 'anon-first-'));

/** One fresh run under strace: ms from execve to the first output's name, and to the exit. */
function once(build: string, tag: string): { first: number; exit: number } {
  const out = join(scratch, `out-${tag}`);
  const trace = join(scratch, `trace-${tag}`);
  const cmd = [process.execPath, join(build, 'bin/anon'), 'run', resolve(input!), '--out', out, '--report-dir', join(scratch, `rep-${tag}`), '--quiet'];
  if (threads !== undefined) cmd.push('--threads', threads);
  execFileSync('strace', ['-f', '-ttt', '--seccomp-bpf', '-e', 'trace=execve,link,linkat,rename,renameat,renameat2', '-o', trace, ...cmd], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ANON_SECRET: process.env.ANON_SECRET ?? 'first-file-bench-secret-0123456789' },
  });
  const lines = readFileSync(trace, 'utf8').split('\n');
  const at = (l: string): number => Number(l.split(/\s+/)[1]) * 1000;
  const start = at(lines.find((l) => l.includes('execve('))!);
  // the first output published into out (journal and report renames go elsewhere)
  const first = lines.find((l) => /\b(link|linkat|rename|renameat2?)\(/.test(l) && l.includes('.dcm') && l.endsWith('= 0'));
  const last = lines.filter((l) => l.includes('+++ exited')).at(-1);
  rmSync(out, { recursive: true, force: true });
  if (!first || !last) throw new Error(`no output published by ${build} (see ${trace})`);
  return { first: at(first) - start, exit: at(last) - start };
}

const results = builds.map(() => ({ first: [] as number[], exit: [] as number[] }));
try {
  for (let r = 0; r < rounds; r++) {
    // ABBA: neither build always runs first (the first of a pair ran slower on this machine)
    const order = r % 2 ? [1, 0] : [0, 1];
    for (const i of order) {
      const t = once(builds[i]!, `${i}-${r}`);
      results[i]!.first.push(t.first);
      results[i]!.exit.push(t.exit);
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log('build\tfirst_file_ms\texit_ms\t(medians of ' + rounds + ', interleaved)');
for (const [i, b] of builds.entries()) console.log([b, median(results[i]!.first).toFixed(0), median(results[i]!.exit).toFixed(0)].join('\t'));
const [a, b] = results.map((r) => median(r.first));
console.log(`first file: B/A = ${(b! / a!).toFixed(2)}`);
