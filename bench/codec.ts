/**
 * Codec throughput bench: anonflow's reader/writer against dcmjs and a plain file copy, over the
 * same file list, in one process, with the contenders interleaved per repeat so that machine noise
 * hits all of them alike.
 *
 *   node dist/bench/codec.js [--corpus DIR] [--repeat N] [--min-size BYTES] [--dcmjs-max-seconds S]
 *                            [--only ID,ID] [--out TMPDIR] [--json]
 *
 * See bench/README.md for what each contender measures and for measured figures.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { markModified } from '../src/dicom/dataset.js';
import { closeDicom, openDicom, writeDicom } from '../src/dicom/file.js';
import type { DicomFile } from '../src/dicom/part10.js';

// ---------------------------------------------------------------------------------------------
// Arguments

interface Args {
  corpus: string;
  repeat: number;
  json: boolean;
  out?: string;
  minSize: number;
  /** dcmjs files slower than this in the warm-up are reported apart and not repeated. */
  dcmjsMaxSeconds: number;
  only?: Set<string>;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'); // dist/bench/ -> repo

function usage(msg?: string): never {
  if (msg) process.stderr.write(`codec bench: ${msg}\n`);
  process.stderr.write(
    'usage: node dist/bench/codec.js [--corpus DIR] [--repeat N] [--min-size BYTES[k|M]] [--dcmjs-max-seconds S]\n' +
      '                                [--only ID,ID] [--out TMPDIR] [--json]\n' +
      `contenders: ${CONTENDER_IDS.join(', ')}\n`,
  );
  process.exit(msg ? 2 : 0);
}

function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgG]?)i?[bB]?$/.exec(s.trim());
  if (!m) usage(`bad size: ${s}`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.round(Number(m[1]) * mult);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { corpus: resolve(REPO_ROOT, '..', 'shared', 'corpus'), repeat: 5, json: false, minSize: 0, dcmjsMaxSeconds: 2 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) usage(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--corpus':
        args.corpus = resolve(value());
        break;
      case '--repeat': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) usage('--repeat must be a positive integer');
        args.repeat = n;
        break;
      }
      case '--json':
        args.json = true;
        break;
      case '--out':
        args.out = resolve(value());
        break;
      case '--min-size':
        args.minSize = parseSize(value());
        break;
      case '--dcmjs-max-seconds': {
        const n = Number(value());
        if (!(n > 0)) usage('--dcmjs-max-seconds must be a positive number');
        args.dcmjsMaxSeconds = n;
        break;
      }
      case '--only': {
        const ids = value().split(',').map((s) => s.trim()).filter(Boolean);
        for (const id of ids) if (!CONTENDER_IDS.includes(id)) usage(`unknown contender ${id}`);
        args.only = new Set(ids);
        break;
      }
      case '--help':
      case '-h':
        usage();
      // falls through (usage exits)
      default:
        usage(`unknown argument ${a}`);
    }
  }
  return args;
}

// ---------------------------------------------------------------------------------------------
// Corpus

interface Entry {
  path: string;
  rel: string;
  size: number;
}

/** Corpus bookkeeping files, never DICOM. */
const IGNORED_NAMES = new Set(['SOURCES.md', 'INVENTORY.tsv']);

function listFiles(root: string): Entry[] {
  const out: Entry[] = [];
  const walk = (dir: string): void => {
    for (const d of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = join(dir, d.name);
      if (d.isDirectory()) walk(p);
      else if (d.isFile() && !IGNORED_NAMES.has(d.name)) out.push({ path: p, rel: relative(root, p), size: statSync(p).size });
    }
  };
  walk(root);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Contenders

interface Contender {
  id: string;
  label: string;
  /** Processes one file; `out` is a path in a fresh output folder. Returns the bytes written. */
  run(e: Entry, out: string): Promise<number> | number;
  /** Called around a whole pass (outside the timed region). */
  before?(): void;
  after?(): void;
}


/** Marks every node of the meta group and dataset modified, so the writer encodes all of it again. */
function markAllModified(f: DicomFile): void {
  if (f.meta) markModified(f.meta);
  markModified(f.dataset);
}

interface DcmjsLike {
  data: {
    DicomMessage: { readFile(buf: ArrayBuffer, opts?: object): { write(opts?: object): ArrayBuffer } };
  };
  log?: { setLevel(level: string): void; getLoggers?(): Record<string, { setLevel(level: string): void }> };
}

/** dcmjs, loaded on first use so that runs without it (--only) don't carry it in their RSS. */
let dcmjsModule: DcmjsLike | undefined;
function loadDcmjs(): DcmjsLike {
  if (!dcmjsModule) {
    dcmjsModule = createRequire(import.meta.url)('dcmjs') as DcmjsLike;
    // Silence dcmjs's loggers (child loggers such as "validation.dcmjs" keep their own level).
    dcmjsModule.log?.setLevel('silent');
    for (const l of Object.values(dcmjsModule.log?.getLoggers?.() ?? {})) l.setLevel('silent');
  }
  return dcmjsModule;
}

const toArrayBuffer = (b: Buffer): ArrayBuffer =>
  b.byteOffset === 0 && b.byteLength === b.buffer.byteLength
    ? (b.buffer as ArrayBuffer)
    : (b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);

/** Belt and braces: keep anything dcmjs prints to the console out of the bench output. */
const quiet = { log: console.log, warn: console.warn, error: console.error, info: console.info };
const silenceConsole = (): void => {
  console.log = console.warn = console.error = console.info = () => {};
};
const restoreConsole = (): void => {
  Object.assign(console, quiet);
};

const CONTENDERS: Contender[] = [
  {
    id: 'anonflow-rw',
    label: 'anonflow read+write',
    async run(e, out) {
      const f = await openDicom(e.path);
      try {
        return await writeDicom(f, out);
      } finally {
        closeDicom(f);
      }
    },
  },
  {
    id: 'anonflow-reencode',
    label: 'anonflow read+re-encode',
    async run(e, out) {
      const f = await openDicom(e.path);
      try {
        markAllModified(f);
        return await writeDicom(f, out);
      } finally {
        closeDicom(f);
      }
    },
  },
  {
    id: 'anonflow-read',
    label: 'anonflow read only',
    async run(e) {
      closeDicom(await openDicom(e.path));
      return 0;
    },
  },
  {
    id: 'dcmjs',
    label: 'dcmjs readFile+write',
    run(e, out) {
      const dict = dcmjsModule!.data.DicomMessage.readFile(toArrayBuffer(readFileSync(e.path)));
      const ab = dict.write();
      writeFileSync(out, Buffer.from(ab));
      return ab.byteLength;
    },
    before() {
      loadDcmjs();
      silenceConsole();
    },
    after: restoreConsole,
  },
  {
    id: 'copy',
    label: 'plain copy (copyFileSync)',
    run(e, out) {
      copyFileSync(e.path, out);
      return e.size;
    },
  },
  {
    id: 'readwrite',
    label: 'plain readFile+writeFile',
    run(e, out) {
      const b = readFileSync(e.path);
      writeFileSync(out, b);
      return b.length;
    },
  },
];
const CONTENDER_IDS = CONTENDERS.map((c) => c.id);

// ---------------------------------------------------------------------------------------------
// Running

/** Per-file seconds for one pass; NaN where the file was not run or failed. */
type Times = Float64Array;

interface PassResult {
  times: Times;
  /** Bytes written per file. */
  written: Float64Array;
  failures: Map<number, string>;
}

async function pass(c: Contender, files: Entry[], include: (i: number) => boolean, outDir: string): Promise<PassResult> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const times = new Float64Array(files.length).fill(NaN);
  const written = new Float64Array(files.length);
  const failures = new Map<number, string>();
  c.before?.();
  try {
    for (let i = 0; i < files.length; i++) {
      if (!include(i)) continue;
      const out = join(outDir, `${i}.dcm`);
      const t0 = performance.now();
      try {
        written[i] = await c.run(files[i], out);
        times[i] = (performance.now() - t0) / 1000;
      } catch (err) {
        failures.set(i, (err as Error)?.message?.split('\n')[0] ?? String(err));
      }
    }
  } finally {
    c.after?.();
  }
  rmSync(outDir, { recursive: true, force: true });
  (globalThis as { gc?: () => void }).gc?.();
  return { times, written, failures };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

interface Stats {
  files: number;
  /** Input bytes. */
  bytes: number;
  /** Output bytes (first timed repeat). */
  outBytes: number;
  secMedian: number;
  secMin: number;
  filesPerSecMedian: number;
  filesPerSecBest: number;
  mibPerSecMedian: number;
  mibPerSecBest: number;
  /** Median seconds / plain copy's median seconds over the same subset. */
  xCopy?: number;
  /** Median seconds / plain readFile+writeFile's median seconds. */
  xReadWrite?: number;
  /** Median seconds / dcmjs's median seconds (below 1: faster than dcmjs). */
  xDcmjs?: number;
  /** Median over files of (this file's median time / dcmjs's median time on it): robust to outliers. */
  xDcmjsPerFile?: number;
}

interface Runs {
  times: Times[];
  written: Float64Array;
}

function stats(runs: Runs, subset: number[], sizes: number[]): Stats {
  const bytes = subset.reduce((s, i) => s + sizes[i], 0);
  const secs = runs.times.map((t) => subset.reduce((s, i) => s + t[i], 0));
  const secMedian = median(secs);
  const secMin = Math.min(...secs);
  const MiB = 1024 * 1024;
  return {
    files: subset.length,
    bytes,
    outBytes: subset.reduce((s, i) => s + runs.written[i], 0),
    secMedian,
    secMin,
    filesPerSecMedian: subset.length / secMedian,
    filesPerSecBest: subset.length / secMin,
    mibPerSecMedian: bytes / MiB / secMedian,
    mibPerSecBest: bytes / MiB / secMin,
  };
}

/** Per file, the median of its times across repeats. */
const perFileMedian = (runs: Runs, i: number): number => median(runs.times.map((t) => t[i]));

// ---------------------------------------------------------------------------------------------
// Report

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

// ---------------------------------------------------------------------------------------------

interface Failure {
  file: string;
  error: string;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const log = (s: string): void => void process.stderr.write(s + '\n');
  const wallStart = performance.now();
  const contenders = CONTENDERS.filter((c) => !args.only || args.only.has(c.id));
  const has = (id: string): boolean => contenders.some((c) => c.id === id);

  // Candidates: every file in the corpus (minus the bookkeeping files) at or above --min-size.
  const candidates = listFiles(args.corpus).filter((e) => e.size >= args.minSize);
  // The file list: the candidates anonflow parses (this also warms the page cache).
  const files: Entry[] = [];
  const notParsed: Failure[] = [];
  for (const e of candidates) {
    try {
      closeDicom(await openDicom(e.path));
      files.push(e);
    } catch (err) {
      notParsed.push({ file: e.rel, error: (err as Error).message.split('\n')[0] });
    }
  }
  if (files.length === 0) usage(`no parseable DICOM files in ${args.corpus}`);
  const sizes = files.map((e) => e.size);
  const sum = (ix: number[]): number => ix.reduce((s, i) => s + sizes[i], 0);
  const every = files.map((_, i) => i);
  log(`corpus ${args.corpus}: ${candidates.length} candidate files, ${files.length} parse, ${notParsed.length} do not`);

  const base = args.out
    ? (mkdirSync(args.out, { recursive: true }), mkdtempSync(join(args.out, 'anonflow-bench-')))
    : mkdtempSync(join(tmpdir(), 'anonflow-bench-'));
  const outDir = join(base, 'out');

  try {
    // Warm-up pass (also JIT): which files each contender handles. Not part of the figures.
    const ok = new Map<string, boolean[]>();
    const failures = new Map<string, Failure[]>();
    let dcmjsWarm: PassResult | undefined;
    for (const c of contenders) {
      log(`warm-up: ${c.label}`);
      const r = await pass(c, files, () => true, outDir);
      if (c.id === 'dcmjs') dcmjsWarm = r;
      ok.set(c.id, files.map((_, i) => !r.failures.has(i)));
      failures.set(c.id, [...r.failures].map(([i, error]) => ({ file: files[i].rel, error })));
    }

    // dcmjs takes minutes on a few files (it writes hundreds of MB for them); those are reported
    // on their own and left out of the timed repeats, which would otherwise measure only them.
    const dcmjsSlow: { file: string; size: number; seconds: number; outBytes: number }[] = [];
    const dcmjsOk = ok.get('dcmjs');
    if (dcmjsWarm && dcmjsOk) {
      for (const i of every) {
        if (dcmjsOk[i] && dcmjsWarm.times[i] > args.dcmjsMaxSeconds) {
          dcmjsOk[i] = false;
          dcmjsSlow.push({ file: files[i].rel, size: sizes[i], seconds: dcmjsWarm.times[i], outBytes: dcmjsWarm.written[i] });
        }
      }
    }

    // Correctness side-check (untimed): the untouched path must reproduce the input byte for byte;
    // count how many fully re-encoded files come out identical to the input.
    const identical = { checked: 0, rw: 0, reencode: 0 };
    if (has('anonflow-rw') || has('anonflow-reencode')) {
      mkdirSync(outDir, { recursive: true });
      for (const e of files) {
        const src = readFileSync(e.path);
        identical.checked++;
        const f = await openDicom(e.path);
        try {
          const o1 = join(outDir, 'rw.dcm');
          await writeDicom(f, o1);
          if (src.equals(readFileSync(o1))) identical.rw++;
          markAllModified(f);
          const o2 = join(outDir, 're.dcm');
          await writeDicom(f, o2);
          if (src.equals(readFileSync(o2))) identical.reencode++;
        } catch {
          /* counted as failures in the warm-up */
        } finally {
          closeDicom(f);
        }
      }
      rmSync(outDir, { recursive: true, force: true });
    }

    // Subsets. "all": files every non-dcmjs contender handles. "common": those dcmjs also handles
    // (in reasonable time).
    const others = contenders.filter((c) => c.id !== 'dcmjs').map((c) => c.id);
    const all = every.filter((i) => others.every((id) => ok.get(id)![i]));
    const allSet = new Set(all);
    const common = dcmjsOk ? all.filter((i) => dcmjsOk[i]) : undefined;
    const include = new Map(contenders.map((c) => [c.id, c.id === 'dcmjs' ? (i: number) => dcmjsOk![i] : (i: number) => allSet.has(i)]));

    // Timed repeats, interleaved; the starting contender rotates each repeat.
    const runs = new Map<string, Runs>(contenders.map((c) => [c.id, { times: [], written: new Float64Array(files.length) }]));
    for (let r = 0; r < args.repeat; r++) {
      const order = contenders.map((_, k) => contenders[(k + r) % contenders.length]);
      log(`repeat ${r + 1}/${args.repeat}: ${order.map((c) => c.id).join(' → ')}`);
      for (const c of order) {
        const res = await pass(c, files, include.get(c.id)!, outDir);
        // A file that fails now but did not in the warm-up: counted as 0 s (so sums stay defined) and reported.
        for (const [i, error] of res.failures) {
          failures.get(c.id)!.push({ file: files[i].rel, error: `repeat ${r + 1}: ${error}` });
          res.times[i] = 0;
        }
        const run = runs.get(c.id)!;
        run.times.push(res.times);
        if (r === 0) run.written = res.written;
      }
    }

    const subsetStats = (subset: number[], withDcmjs: boolean): Map<string, Stats> => {
      const m = new Map<string, Stats>();
      for (const c of contenders) if (c.id !== 'dcmjs' || withDcmjs) m.set(c.id, stats(runs.get(c.id)!, subset, sizes));
      const copy = m.get('copy');
      const rw = m.get('readwrite');
      const dj = m.get('dcmjs');
      for (const [id, s] of m) {
        if (copy) s.xCopy = s.secMedian / copy.secMedian;
        if (rw) s.xReadWrite = s.secMedian / rw.secMedian;
        if (dj) {
          s.xDcmjs = s.secMedian / dj.secMedian;
          const d = runs.get('dcmjs')!;
          const own = runs.get(id)!;
          s.xDcmjsPerFile = median(subset.map((i) => perFileMedian(own, i) / perFileMedian(d, i)));
        }
      }
      return m;
    };
    const allStats = subsetStats(all, false);
    const commonStats = common ? subsetStats(common, true) : undefined;

    const rss = process.resourceUsage().maxRSS; // KiB
    const machine = {
      node: process.version,
      nproc: availableParallelism(),
      cpu: cpus()[0]?.model,
      platform: `${process.platform} ${process.arch}`,
    };
    const dcmjsFailed = failures.get('dcmjs') ?? [];

    if (args.json) {
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
        corpus: { candidates: candidates.length, parsed: files.length, bytes: sum(every), notParsed },
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
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      return;
    }

    const rowsOf = (m: Map<string, Stats>, dcmjsNote?: string) =>
      contenders.map((c) => (m.has(c.id) ? { label: c.label, s: m.get(c.id) } : { label: c.label, note: dcmjsNote }));
    const lines: string[] = [];
    lines.push(`machine: node ${machine.node}, nproc ${machine.nproc}, ${machine.cpu}, ${machine.platform}`);
    lines.push(`corpus: ${args.corpus}${args.minSize ? ` (files ≥ ${args.minSize} bytes)` : ''}`);
    lines.push(`  ${candidates.length} candidate files, ${files.length} parse with anonflow (${notParsed.length} do not); ${args.repeat} repeats, interleaved`);
    for (const c of contenders) {
      const f = failures.get(c.id)!;
      if (f.length) lines.push(`  ${c.label}: fails on ${f.length} file(s)`);
    }
    if (dcmjsSlow.length) lines.push(`  dcmjs readFile+write: ${dcmjsSlow.length} file(s) over ${args.dcmjsMaxSeconds} s in the warm-up, left out of its repeats (listed below)`);
    if (identical.checked)
      lines.push(`  output identical to input: untouched write ${identical.rw}/${identical.checked}, full re-encode ${identical.reencode}/${identical.checked}`);
    lines.push('');
    const dcmjsNote = dcmjsOk ? `n/a (fails on ${dcmjsFailed.length}, slow on ${dcmjsSlow.length})` : undefined;
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
      const top = ix.map((i) => ({ i, t: perFileMedian(run, i) })).sort((x, y) => y.t - x.t).slice(0, 3);
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
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    rmSync(base, { recursive: true, force: true }); // only the folder this run created
  }
}

main().catch((e) => {
  process.stderr.write(`codec bench: ${(e as Error)?.stack ?? e}\n`);
  process.exit(1);
});
