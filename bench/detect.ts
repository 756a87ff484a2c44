// Evaluation of src/detect as a benchmark: precision and recall per label on the labelled set of
// bench/detect-set.ts, and values per second per core.
//   node dist/bench/detect.js [--n 20000] [--seed 17] [--detectors header,rules,names] [--json]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { detectIdentifiers, prepareContext, type DetectorName, type Span } from '../src/detect/index.js';
import { nameLists } from '../src/detect/name-lists.js';
import { fold } from '../src/detect/fold.js';
import { buildSet, type Gold, type Sample } from './detect-set.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '20000' },
    detectors: { type: 'string', default: 'header,rules,names' },
    json: { type: 'boolean', default: false },
    seed: { type: 'string', default: '17' },
  },
});
const detectors = args.detectors.split(',') as DetectorName[];
const set = buildSet(Number(args.n), Number(args.seed));

const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }): boolean => a.start < b.end && b.start < a.end;
/** A gold identifier counts as found when predicted spans cover every one of its letters and digits. */
const covered = (g: Gold, text: string, spans: Span[]): boolean => {
  for (let i = g.start; i < g.end; i++) if (/[\p{L}\p{N}]/u.test(text[i]) && !spans.some((s) => s.start <= i && i < s.end)) return false;
  return true;
};

// the lists and the NLP model load once per thread: not part of a value's cost
nameLists();
detectIdentifiers('warm up', { settings: { detectors } });
const t0 = performance.now();
const c0 = process.cpuUsage();
const results = set.map((s) => detectIdentifiers(s.text, prepareContext({ known: s.known, settings: { detectors } })));
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(c0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;

interface Tally {
  tp: number;
  fn: number;
  fp: number;
  pred: number;
}
const byLabel = new Map<string, Tally>();
const tally = (k: string): Tally => byLabel.get(k) ?? (byLabel.set(k, { tp: 0, fn: 0, fp: 0, pred: 0 }), byLabel.get(k)!);
const groups = { header: { tp: 0, fn: 0 }, namesNotInHeader: { tp: 0, fn: 0 } };
let fpTotal = 0;
let predTotal = 0;
let clinicalTouched = 0;
const misses: string[] = [];
const falseHits: string[] = [];
set.forEach((s: Sample, i) => {
  const spans = results[i];
  for (const g of s.gold) {
    const ok = covered(g, s.text, spans);
    const t = tally(g.label);
    if (ok) t.tp++;
    else {
      t.fn++;
      if (misses.length < 12) misses.push(`${g.label} ${JSON.stringify(s.text.slice(g.start, g.end))} in ${JSON.stringify(s.text)}`);
    }
    if (g.inHeader) groups.header[ok ? 'tp' : 'fn']++;
    else if (g.label === 'PERSON') groups.namesNotInHeader[ok ? 'tp' : 'fn']++;
  }
  for (const p of spans) {
    predTotal++;
    tally(p.label).pred++;
    if (!s.gold.some((g) => overlaps(g, p))) {
      fpTotal++;
      tally(p.label).fp++;
      clinicalTouched++;
      if (falseHits.length < 12) falseHits.push(`${p.label}/${p.detector} ${JSON.stringify(s.text.slice(p.start, p.end))} in ${JSON.stringify(s.text)}`);
    }
  }
});

const goldNames = set.flatMap((s) => s.gold.filter((g) => g.label === 'PERSON' && !g.inHeader).map((g) => s.text.slice(g.start, g.end)));
const { first, last } = nameLists();
const inLists = goldNames.filter((n) => n.split(/\s+/).some((w) => first.has(fold(w)) || last.has(fold(w)))).length;

const r3 = (x: number): number => Number(x.toFixed(3));
const table = [...byLabel.entries()].sort().map(([label, t]) => ({
  label,
  gold: t.tp + t.fn,
  recall: t.tp + t.fn ? r3(t.tp / (t.tp + t.fn)) : null,
  predicted: t.pred,
  precision: t.pred ? r3((t.pred - t.fp) / t.pred) : null,
}));
const summary = {
  values: set.length,
  detectors,
  values_per_second: Math.round(set.length / seconds),
  /** per core: the CPU time of this one thread, whatever else the machine runs */
  values_per_cpu_second: Math.round(set.length / cpuSeconds),
  recall_header_identifiers: r3(groups.header.tp / (groups.header.tp + groups.header.fn)),
  recall_names_not_in_header: r3(groups.namesNotInHeader.tp / (groups.namesNotInHeader.tp + groups.namesNotInHeader.fn)),
  precision: r3((predTotal - fpTotal) / predTotal),
  spans_on_clinical_text_only: clinicalTouched,
  names_not_in_header_sharing_a_word_with_detector_lists: r3(inLists / goldNames.length),
  seed: Number(args.seed),
  node: process.version,
};
if (args.json) console.log(JSON.stringify({ summary, labels: table }, null, 2));
else {
  console.log(summary);
  console.table(table);
  if (misses.length) console.log('missed (first 12):\n  ' + misses.join('\n  '));
  if (falseHits.length) console.log('false hits (first 12):\n  ' + falseHits.join('\n  '));
}
