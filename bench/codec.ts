/**
 * Codec throughput bench: anonflow's reader/writer against dcmjs and a plain file copy, over the
 * same file list, in one process, with the contenders interleaved per repeat so that machine noise
 * hits all of them alike.
 *
 *   node dist/bench/codec.js [--corpus DIR] [--repeat N] [--min-size BYTES] [--dcmjs-max-seconds S]
 *                            [--only ID,ID] [--out TMPDIR] [--json]
 *
 * See bench/README.md for what each contender measures and for measured figures.
 *
 * This file is the entry point and runs the phases in order; the parts live in bench/codec/ (args,
 * corpus, contenders, pass, identical, stats, report).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { closeDicom, openDicom } from '../src/dicom/file.js';
import { parseArgs, usage } from './codec/args.js';
import { CONTENDERS } from './codec/contenders.js';
import { listFiles, type Entry } from './codec/corpus.js';
import { checkIdentical } from './codec/identical.js';
import { pass, type PassResult } from './codec/pass.js';
import { writeReport, type Failure, type SlowFile } from './codec/report.js';
import { subsetStats, type Runs } from './codec/stats.js';

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
  const every = files.map((_, i) => i);
  log(`corpus ${args.corpus}: ${candidates.length} candidate files, ${files.length} parse, ${notParsed.length} do not`);

  const base = args.out ? (mkdirSync(args.out, { recursive: true }), mkdtempSync(join(args.out, 'anonflow-bench-'))) : mkdtempSync(join(tmpdir(), 'anonflow-bench-'));
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
      ok.set(
        c.id,
        files.map((_, i) => !r.failures.has(i)),
      );
      failures.set(
        c.id,
        [...r.failures].map(([i, error]) => ({ file: files[i].rel, error })),
      );
    }

    // dcmjs takes minutes on a few files (it writes hundreds of MB for them); those are reported
    // on their own and left out of the timed repeats, which would otherwise measure only them.
    const dcmjsSlow: SlowFile[] = [];
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
    const identical = has('anonflow-rw') || has('anonflow-reencode') ? await checkIdentical(files, outDir) : { checked: 0, rw: 0, reencode: 0 };

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

    const ids = contenders.map((c) => c.id);
    const allStats = subsetStats(ids, runs, all, sizes, false);
    const commonStats = common ? subsetStats(ids, runs, common, sizes, true) : undefined;

    writeReport({
      args,
      contenders,
      candidates: candidates.length,
      files,
      notParsed,
      failures,
      dcmjsRan: dcmjsOk !== undefined,
      dcmjsSlow,
      identical,
      all,
      common,
      allStats,
      commonStats,
      runs,
      include,
      wallStart,
    });
  } finally {
    rmSync(base, { recursive: true, force: true }); // only the folder this run created
  }
}

main().catch((e) => {
  process.stderr.write(`codec bench: ${(e as Error)?.stack ?? e}\n`);
  process.exit(1);
});
