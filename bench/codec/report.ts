/** The bench's output: markdown tables and notes on stdout, or the same figures as JSON (--json). */
import { availableParallelism, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Args } from './args.js';
import type { Contender } from './contenders.js';
import type { Entry } from './corpus.js';
import type { Identical } from './identical.js';
import { perFileMedian, type Runs, type Stats } from './stats.js';

export interface Failure {
  file: string;
  error: string;
}

/** A file dcmjs took longer than --dcmjs-max-seconds on in the warm-up. */
export interface SlowFile {
  file: string;
  size: number;
  seconds: number;
  outBytes: number;
}

/** Everything the bench gathered; indices are into `files`. */
export interface BenchResult {
  args: Args;
  contenders: Contender[];
  /** Number of corpus files at or above --min-size. */
  candidates: number;
  /** The candidates anonflow parses: the file list. */
  files: Entry[];
  notParsed: Failure[];
  failures: Map<string, Failure[]>;
  /** Whether dcmjs ran (then `common` and `commonStats` are set). */
  dcmjsRan: boolean;
  dcmjsSlow: SlowFile[];
  identical: Identical;
  all: number[];
  common?: number[];
  allStats: Map<string, Stats>;
  commonStats?: Map<string, Stats>;
  runs: Map<string, Runs>;
  include: Map<string, (i: number) => boolean>;
  /** performance.now() at the start, for the wall time. */
  wallStart: number;
}

const fmt = (n: number | undefined, digits = 2): string => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(digits));
const mib = (n: number): string => (n / 1024 / 1024).toFixed(1);

function table(title: string, rows: { label: string; s?: Stats; note?: string }[], withDcmjs: boolean): string {
  const head = ['contender', 'files', 'sec med', 'sec min', 'files/s med', 'files/s best', 'MiB/s med', 'MiB/s best', 'out MiB', '× copy', '× r+w'];
  if (withDcmjs) head.push('× dcmjs', '× dcmjs per-file med');
  const body = rows.map(({ label, s, note }) => {
    if (!s) return [label, note ?? '—', ...head.slice(2).map(() => '')];
    const r = [
      label,
      String(s.files),
      fmt(s.secMedian, 3),
      fmt(s.secMin, 3),
      fmt(s.filesPerSecMedian, 0),
      fmt(s.filesPerSecBest, 0),
      fmt(s.mibPerSecMedian, 1),
      fmt(s.mibPerSecBest, 1),
      mib(s.outBytes),
      fmt(s.xCopy),
      fmt(s.xReadWrite),
    ];
    if (withDcmjs) r.push(fmt(s.xDcmjs, 3), fmt(s.xDcmjsPerFile, 3));
    return r;
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  const rule = '|' + widths.map((w, i) => (i === 0 ? ':' + '-'.repeat(w + 1) : '-'.repeat(w + 1) + ':')).join('|') + '|';
  return [title, '', line(head), rule, ...body.map(line)].join('\n');
}

/** What the figures were measured on. */
const machineInfo = () => ({
  node: process.version,
  nproc: availableParallelism(),
  cpu: cpus()[0]?.model,
  platform: `${process.platform} ${process.arch}`,
});

/** Input bytes of the files at the given indices. */
const sumOf =
  (files: Entry[]) =>
  (ix: number[]): number =>
    ix.reduce((s, i) => s + files[i].size, 0);

function jsonReport(r: BenchResult): string {
  const { args, contenders, files, notParsed, failures, dcmjsSlow, identical, all, common, allStats, commonStats, wallStart } = r;
  const sum = sumOf(files);
  const every = files.map((_, i) => i);
  const rss = process.resourceUsage().maxRSS; // KiB
  const machine = machineInfo();
  const obj = (m: Map<string, Stats> | undefined) => (m ? Object.fromEntries(m) : undefined);
  const out = {
    machine,
    args: {
      corpus: args.corpus,
      repeat: args.repeat,
      minSize: args.minSize,
      dcmjsMaxSeconds: args.dcmjsMaxSeconds,
      only: args.only ? [...args.only] : undefined,
    },
    corpus: { candidates: r.candidates, parsed: files.length, bytes: sum(every), notParsed },
    contenders: Object.fromEntries(contenders.map((c) => [c.id, c.label])),
    subsets: {
      all: { files: all.length, bytes: sum(all), stats: obj(allStats) },
      common: common ? { files: common.length, bytes: sum(common), stats: obj(commonStats) } : undefined,
    },
    failures: Object.fromEntries(failures),
    dcmjsSlow,
    identicalOutput: identical,
    peakRssMiB: rss / 1024,
    wallSeconds: (performance.now() - wallStart) / 1000,
  };
  return JSON.stringify(out, null, 2);
}

function textReport(r: BenchResult): string {
  const { args, contenders, files, notParsed, failures, dcmjsSlow, identical, all, common, allStats, commonStats, runs, include, wallStart } = r;
  const sizes = files.map((e) => e.size);
  const sum = sumOf(files);
  const every = files.map((_, i) => i);
  const rss = process.resourceUsage().maxRSS; // KiB
  const machine = machineInfo();
  const dcmjsFailed = failures.get('dcmjs') ?? [];
  const rowsOf = (m: Map<string, Stats>, dcmjsNote?: string) => contenders.map((c) => (m.has(c.id) ? { label: c.label, s: m.get(c.id) } : { label: c.label, note: dcmjsNote }));
  const lines: string[] = [];
  lines.push(`machine: node ${machine.node}, nproc ${machine.nproc}, ${machine.cpu}, ${machine.platform}`);
  lines.push(`corpus: ${args.corpus}${args.minSize ? ` (files ≥ ${args.minSize} bytes)` : ''}`);
  lines.push(`  ${r.candidates} candidate files, ${files.length} parse with anonflow (${notParsed.length} do not); ${args.repeat} repeats, interleaved`);
  for (const c of contenders) {
    const f = failures.get(c.id)!;
    if (f.length) lines.push(`  ${c.label}: fails on ${f.length} file(s)`);
  }
  if (dcmjsSlow.length) lines.push(`  dcmjs readFile+write: ${dcmjsSlow.length} file(s) over ${args.dcmjsMaxSeconds} s in the warm-up, left out of its repeats (listed below)`);
  if (identical.checked) lines.push(`  output identical to input: untouched write ${identical.rw}/${identical.checked}, full re-encode ${identical.reencode}/${identical.checked}`);
  lines.push('');
  const dcmjsNote = r.dcmjsRan ? `n/a (fails on ${dcmjsFailed.length}, slow on ${dcmjsSlow.length})` : undefined;
  lines.push(table(`All ${all.length} files (${mib(sum(all))} MiB)`, rowsOf(allStats, dcmjsNote), false));
  if (common && commonStats) {
    lines.push('');
    lines.push(table(`Files both anonflow and dcmjs handle: ${common.length} (${mib(sum(common))} MiB)`, rowsOf(commonStats), true));
  }
  lines.push('');
  lines.push('sec = summed per-file time over the subset; med = median of repeats; min/best = fastest repeat;');
  lines.push('MiB/s = input bytes; out MiB = bytes written. × X = median time relative to X over the same files (lower is faster);');
  lines.push('× dcmjs per-file med = median over files of (time / dcmjs time on that file).');
  lines.push(`peak RSS (whole process, maxRSS): ${(rss / 1024).toFixed(0)} MiB; wall ${((performance.now() - wallStart) / 1000).toFixed(1)} s`);
  lines.push('');
  lines.push('slowest files (median of repeats):');
  for (const c of contenders) {
    const run = runs.get(c.id)!;
    const ix = every.filter((i) => include.get(c.id)!(i));
    const top = ix
      .map((i) => ({ i, t: perFileMedian(run, i) }))
      .sort((x, y) => y.t - x.t)
      .slice(0, 3);
    const share = top.reduce((s, x) => s + x.t, 0) / ix.reduce((s, i) => s + perFileMedian(run, i), 0);
    lines.push(`  ${c.label} (top 3 = ${(share * 100).toFixed(0)}% of its time):`);
    for (const { i, t } of top) lines.push(`    ${(t * 1000).toFixed(1).padStart(8)} ms  ${mib(sizes[i]).padStart(6)} MiB  ${files[i].rel}`);
  }
  if (dcmjsSlow.length) {
    lines.push('');
    lines.push(`dcmjs readFile+write, too slow (warm-up):`);
    for (const x of dcmjsSlow) lines.push(`  ${x.file}: ${x.size} bytes in, ${x.seconds.toFixed(1)} s, ${mib(x.outBytes)} MiB written`);
  }
  for (const c of contenders) {
    const f = failures.get(c.id)!;
    if (!f.length) continue;
    lines.push('');
    lines.push(`${c.label} failures:`);
    for (const x of f) lines.push(`  ${x.file}: ${x.error}`);
  }
  if (notParsed.length) {
    lines.push('');
    lines.push('not parsed by anonflow (excluded):');
    for (const x of notParsed) lines.push(`  ${x.file}: ${x.error}`);
  }
  return lines.join('\n');
}

/** Writes the report to stdout: JSON with --json, else tables and notes. */
export function writeReport(r: BenchResult): void {
  process.stdout.write((r.args.json ? jsonReport(r) : textReport(r)) + '\n');
}
