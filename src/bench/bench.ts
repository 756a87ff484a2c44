/**
 * `anon bench`: bulk-run throughput. Each measurement is a child process (`anon run`, or `cp -r`
 * as the I/O floor), so each has its own peak RSS and CPU time; wall time is measured from
 * outside. Contenders are interleaved within each repeat (the first one rotates), and medians
 * across repeats are reported.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { writeSeries } from '../../fixtures/series.js';
import { fromPackageRoot } from '../io/package-root.js';
import type { RunReport } from '../job/report.js';

/** The CLI entry, run in each child: the repo's bin/anon. */
export const ANON_BIN = fromPackageRoot('bin', 'anon');
/** A fixed secret for the children, so no per-user secret is created. Not secret: bench only. */
export const BENCH_SECRET = 'anon-bench-fixed-secret-not-for-real-data';

export interface BenchOptions {
  /** An existing corpus folder, or generate this many files into a temp folder. */
  corpus?: string;
  generate?: number;
  /** Matrix size for generated CT files (default 512). */
  rows?: number;
  profiles: string[];
  repeat: number;
  /** Untimed rounds before the timed ones (default 1). */
  warmup: number;
  threads?: number;
  /** Output layout passed to anon run (default hierarchy). */
  layout?: 'hierarchy' | 'mirror';
  /** Parent of the temp folders (default os.tmpdir()). */
  tmp?: string;
  /** Skip the `cp -r` baseline. */
  noCp?: boolean;
  onProgress?: (msg: string) => void;
}

export interface RunSample {
  wall_s: number;
  exit_code: number | null;
  files_written?: number;
  failed?: number;
  p50_ms?: number;
  p99_ms?: number;
  cpu_seconds?: number;
  peak_rss_mib?: number;
}

export interface BenchRow {
  name: string;
  kind: 'anon' | 'cp';
  files: number;
  mib: number;
  wall_s_median: number;
  wall_s_min: number;
  wall_s: number[];
  files_per_second: number;
  mib_per_second: number;
  p50_ms: number | null;
  p99_ms: number | null;
  cpu_seconds: number | null;
  peak_rss_mib: number | null;
  peak_rss_mib_max: number | null;
  x_cp: number | null;
  exit_codes: (number | null)[];
}

export interface BenchResult {
  date: string;
  machine: { nproc: number; cpu: string; node: string; platform: string; total_mem_mib: number };
  corpus: { path: string; generated: boolean; files: number; bytes: number; mib: number };
  repeat: number;
  warmup: number;
  threads: number | null;
  layout: string | null;
  rows: BenchRow[];
}

export const median = (xs: number[]): number => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const medianOrNull = (xs: (number | undefined)[]): number | null => {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return v.length ? median(v) : null;
};

/** Every regular file under dir (recursively), with the total size. */
export function corpusStats(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) {
        files++;
        bytes += statSync(p).size;
      }
    }
  }
  return { files, bytes };
}

/** Runs a command, returns its wall time (seconds) and exit code; stderr is kept for errors. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ wall_s: number; code: number | null; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      if (stderr.length < 8192) stderr += s;
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ wall_s: (performance.now() - t0) / 1000, code, stderr }));
  });
}

/** The child environment: the caller's, without Node loaders, with the fixed bench secret. */
export function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k === 'NODE_OPTIONS' || k.startsWith('TAP') || k.startsWith('_TAP')) continue;
    env[k] = v;
  }
  env.ANON_SECRET = BENCH_SECRET;
  return env;
}

async function runAnon(corpus: string, profile: string, work: string, threads: number | undefined, env: NodeJS.ProcessEnv, layout?: string): Promise<RunSample> {
  const out = join(work, 'out');
  const reportDir = join(work, 'report');
  rmSync(out, { recursive: true, force: true });
  rmSync(reportDir, { recursive: true, force: true });
  const args = [ANON_BIN, 'run', corpus, '--out', out, '--profile', profile, '--quiet', '--report-dir', reportDir];
  if (threads !== undefined) args.push('--threads', String(threads));
  if (layout) args.push('--layout', layout);
  const r = await timed(process.execPath, args, env);
  let report: RunReport | undefined;
  try {
    report = JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8')) as RunReport;
  } catch {
    throw new Error(`anon run --profile ${profile} wrote no report (exit ${r.code}): ${r.stderr.trim()}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
    rmSync(reportDir, { recursive: true, force: true });
  }
  const p = report.performance;
  return {
    wall_s: r.wall_s,
    exit_code: r.code,
    files_written: report.anonymized_files.length,
    failed: report.failures.length + report.quarantined.length,
    p50_ms: p?.p50_ms,
    p99_ms: p?.p99_ms,
    cpu_seconds: p?.cpu_seconds,
    peak_rss_mib: p?.peak_rss_mib,
  };
}

async function runCp(corpus: string, work: string, env: NodeJS.ProcessEnv): Promise<RunSample> {
  const out = join(work, 'cp');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const r = await timed('cp', ['-r', '--', join(corpus, '.'), out], env);
  rmSync(out, { recursive: true, force: true });
  if (r.code !== 0) throw new Error(`cp -r failed (exit ${r.code}): ${r.stderr.trim()}`);
  return { wall_s: r.wall_s, exit_code: r.code };
}

export async function runBench(o: BenchOptions): Promise<BenchResult> {
  const say = o.onProgress ?? (() => {});
  const root = mkdtempSync(join(resolve(o.tmp ?? tmpdir()), 'anon-bench-'));
  const cleanup = (): void => rmSync(root, { recursive: true, force: true });
  const onSignal = (sig: NodeJS.Signals): void => {
    cleanup();
    process.kill(process.pid, sig);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let corpus: string;
    if (o.generate !== undefined) {
      corpus = join(root, 'corpus');
      say(`generating ${o.generate} files into ${corpus}`);
      writeSeries(corpus, o.generate, { rows: o.rows });
    } else if (o.corpus) {
      corpus = resolve(o.corpus);
    } else throw new Error('name --corpus DIR or --generate N');
    const stats = corpusStats(corpus);
    const mib = stats.bytes / 1048576;
    const env = childEnv();
    const contenders: { name: string; kind: 'anon' | 'cp' }[] = [
      ...(o.noCp ? [] : [{ name: 'cp -r', kind: 'cp' as const }]),
      ...o.profiles.map((p) => ({ name: p, kind: 'anon' as const })),
    ];
    const samples = new Map<string, RunSample[]>(contenders.map((c) => [c.name, []]));
    const work = join(root, 'work');
    mkdirSync(work, { recursive: true });
    for (let round = -o.warmup; round < o.repeat; round++) {
      const shift = ((round % contenders.length) + contenders.length) % contenders.length;
      const order = [...contenders.slice(shift), ...contenders.slice(0, shift)];
      for (const c of order) {
        const s = c.kind === 'cp' ? await runCp(corpus, work, env) : await runAnon(corpus, c.name, work, o.threads, env, o.layout);
        const label = round < 0 ? 'warm-up' : `repeat ${round + 1}/${o.repeat}`;
        say(`${label} ${c.name}: ${s.wall_s.toFixed(2)} s${s.peak_rss_mib !== undefined ? `, peak RSS ${s.peak_rss_mib} MiB` : ''}`);
        if (round >= 0) samples.get(c.name)!.push(s);
      }
    }
    const cpMedian = o.noCp ? null : median(samples.get('cp -r')!.map((s) => s.wall_s));
    const rows: BenchRow[] = contenders.map((c) => {
      const ss = samples.get(c.name)!;
      const walls = ss.map((s) => s.wall_s);
      const wall = median(walls);
      const round3 = (x: number): number => Number(x.toFixed(3));
      const rss = ss.map((s) => s.peak_rss_mib).filter((x): x is number => x !== undefined);
      return {
        name: c.name,
        kind: c.kind,
        files: c.kind === 'cp' ? stats.files : Math.max(...ss.map((s) => s.files_written ?? 0)),
        mib: round3(mib),
        wall_s_median: round3(wall),
        wall_s_min: round3(Math.min(...walls)),
        wall_s: walls.map(round3),
        files_per_second: Number((stats.files / wall).toFixed(1)),
        mib_per_second: Number((mib / wall).toFixed(1)),
        p50_ms: medianOrNull(ss.map((s) => s.p50_ms)),
        p99_ms: medianOrNull(ss.map((s) => s.p99_ms)),
        cpu_seconds: medianOrNull(ss.map((s) => s.cpu_seconds)),
        peak_rss_mib: medianOrNull(rss),
        peak_rss_mib_max: rss.length ? Math.max(...rss) : null,
        x_cp: cpMedian ? Number((wall / cpMedian).toFixed(2)) : null,
        exit_codes: ss.map((s) => s.exit_code),
      };
    });
    const cpu = cpus()[0];
    return {
      date: new Date().toISOString(),
      machine: {
        nproc: availableParallelism(),
        cpu: cpu ? cpu.model.trim() : 'unknown',
        node: process.version,
        platform: `${process.platform} ${process.arch}`,
        total_mem_mib: Math.round(totalmem() / 1048576),
      },
      corpus: {
        path: o.generate !== undefined ? `(generated: ${o.generate} files)` : corpus,
        generated: o.generate !== undefined,
        files: stats.files,
        bytes: stats.bytes,
        mib: Number(mib.toFixed(3)),
      },
      repeat: o.repeat,
      warmup: o.warmup,
      threads: o.threads ?? null,
      layout: o.layout ?? null,
      rows,
    };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    cleanup();
  }
}

/** The result as a text table (one row per contender). */
export function formatTable(r: BenchResult): string {
  const f = (x: number | null, d: number): string => (x === null ? '-' : x.toFixed(d));
  const head = ['profile', 'files', 'MiB', 'wall s', 'files/s', 'MiB/s', 'p50 ms', 'p99 ms', 'CPU s', 'peak RSS MiB', '× cp'];
  const body = r.rows.map((x) => [
    x.name,
    String(x.files),
    x.mib.toFixed(1),
    x.wall_s_median.toFixed(2),
    x.files_per_second.toFixed(0),
    x.mib_per_second.toFixed(1),
    f(x.p50_ms, 2),
    f(x.p99_ms, 2),
    f(x.cpu_seconds, 2),
    f(x.peak_rss_mib, 1),
    f(x.x_cp, 2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const m = r.machine;
  return [
    `corpus: ${r.corpus.path}: ${r.corpus.files} files, ${r.corpus.mib.toFixed(1)} MiB; median of ${r.repeat} (after ${r.warmup} warm-up), threads ${r.threads ?? `default (${m.nproc})`}, layout ${r.layout ?? 'hierarchy'}`,
    `machine: ${m.nproc} cores, ${m.cpu}, ${m.platform}, Node ${m.node}`,
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    'wall s: median wall time of the child process, measured from outside; files/s and MiB/s over the whole corpus;',
    'p50/p99 (per-file latency), CPU s and peak RSS (whole process incl. worker threads) from the run report, medians.',
  ].join('\n');
}
