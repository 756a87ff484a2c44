/**
 * The same bulk run with `anon run` alone and spread over 1, 2, 3 … `anon worker` processes through
 * a local redis-server (anon run --queue). Every contender is a child process of bin/anon on the
 * same corpus, into a fresh output folder; workers are started (and idle) before the clock starts.
 *
 *   node dist/bench/queue.js [--corpus /tmp/bench-corpus] [--workers 1,2,3] [--worker-threads 1]
 *                            [--run-threads 1,2] [--task-files 25] [--json]
 *
 * Make the corpus with: /usr/bin/python3 ../shared/peers/make_bench_corpus.py /tmp/bench-corpus --files 1000
 * See bench/README.md ("Spread over workers") for measured figures.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/anon', import.meta.url));
const env = { ...process.env, ANON_SECRET: 'queue-bench-secret-0123456789' };

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}
const list = (s: string): number[] => s.split(',').map(Number);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Spawns and resolves once stdout matches `ready` (or at once without one). */
function start(cmd: string, args: string[], ready?: RegExp): Promise<ChildProcess> {
  const c = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (!ready) return Promise.resolve(c);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${cmd} ${args[0]} did not start: ${out}`)), 60_000);
    c.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve(c);
      }
    });
  });
}

const stop = (c: ChildProcess): Promise<unknown> => {
  const exited = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  return exited;
};

/** One timed `anon run`; returns wall seconds and the files written. */
async function timedRun(corpus: string, extra: string[]): Promise<{ seconds: number; written: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-qbench-'));
  try {
    const t0 = performance.now();
    const c = await start(process.execPath, [BIN, 'run', corpus, '--out', join(dir, 'out'), '--report-dir', join(dir, 'report'), '-q', ...extra]);
    const code = await new Promise((r) => c.once('exit', r));
    const seconds = (performance.now() - t0) / 1000;
    if (code !== 0 && code !== 1) throw new Error(`anon run exited ${String(code)}`);
    let written = 0;
    for (const d of readdirSync(join(dir, 'out'), { recursive: true, withFileTypes: true })) if (d.isFile() && !d.parentPath.includes('.anonflow-tmp')) written++;
    return { seconds, written };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Commands Redis has processed so far (INFO stats), to count what a file costs the queue. */
function commands(port: number): number {
  const out = spawnSync('redis-cli', ['-p', String(port), 'info', 'stats'], { encoding: 'utf8' }).stdout ?? '';
  return Number(/total_commands_processed:(\d+)/.exec(out)?.[1] ?? NaN);
}

async function main(): Promise<void> {
  const corpus = arg('corpus', '/tmp/bench-corpus');
  const files = readdirSync(corpus, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
  const bytes = files.reduce((n, d) => n + statSync(join(d.parentPath, d.name)).size, 0);
  const rows: { contender: string; seconds: number; files_per_s: number; mib_per_s: number; written: number; redis_cmds_per_file?: number }[] = [];
  const add = (contender: string, r: { seconds: number; written: number }, cmds?: number): void => {
    rows.push({
      contender,
      seconds: +r.seconds.toFixed(2),
      files_per_s: +(files.length / r.seconds).toFixed(1),
      mib_per_s: +(bytes / 2 ** 20 / r.seconds).toFixed(1),
      written: r.written,
      ...(cmds === undefined ? {} : { redis_cmds_per_file: +(cmds / files.length).toFixed(1) }),
    });
  };
  // warm the page cache so every contender reads from memory
  await timedRun(corpus, ['--threads', '1']);
  for (const th of list(arg('run-threads', '1,2'))) add(`anon run --threads ${th}`, await timedRun(corpus, ['--threads', String(th)]));

  const port = await freePort();
  const redisDir = mkdtempSync(join(tmpdir(), 'anonflow-qbench-redis-'));
  const redis = await start('/usr/bin/redis-server', ['--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--port', String(port), '--dir', redisDir], /Ready to accept/);
  const url = `redis://127.0.0.1:${port}`;
  const threads = arg('worker-threads', '1');
  const workers: ChildProcess[] = [];
  try {
    for (const n of list(arg('workers', '1,2,3'))) {
      while (workers.length < n) workers.push(await start(process.execPath, [BIN, 'worker', '--queue', url, '--threads', threads, '--concurrency', '2'], /taking tasks/));
      const before = commands(port);
      const r = await timedRun(corpus, ['--queue', url]);
      add(`anon run --queue, ${n} worker(s) × ${threads} thread(s)`, r, commands(port) - before);
    }
  } finally {
    await Promise.all(workers.map(stop));
    await stop(redis);
    rmSync(redisDir, { recursive: true, force: true });
  }
  const machine = {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model,
    loadavg_after: loadavg().map((x) => +x.toFixed(2)),
    files: files.length,
    mib: +(bytes / 2 ** 20).toFixed(1),
  };
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ machine, rows }, null, 2));
    return;
  }
  console.log(`${machine.files} files, ${machine.mib} MiB, ${machine.cores} cores (${machine.cpu}), load after: ${machine.loadavg_after.join(' ')}`);
  const base = rows[0].seconds;
  console.log('| contender | wall s | files/s | MiB/s | vs anon run --threads 1 | written | Redis commands per file |\n|---|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(`| ${r.contender} | ${r.seconds} | ${r.files_per_s} | ${r.mib_per_s} | ${(base / r.seconds).toFixed(2)}× | ${r.written} | ${r.redis_cmds_per_file ?? '–'} |`);
}

await main();
