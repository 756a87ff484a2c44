// The safety net's output search alone (issue 16): per output, its input's identifier values (the
// tolerant scan's) searched in the output's bytes in memory, by the indexOf reference and by the
// SIMD kernel, interleaved rounds, medians. Answers must agree; the bench exits 1 when they do not.
//
//   node dist/bench/needle-search.js --input DIR --output DIR [--rounds N]
//
// OUTPUT holds the outputs at the inputs' relative paths (`anon run IN --out OUTPUT --layout mirror`);
// files missing from either side are skipped. Files are read before timing.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { findIdentifiers, scanIdentifiers, type Identifier } from '../src/dicom/identifier-scan.js';
import { findBounded, findBoundedReference, kernelAvailable } from '../src/dicom/needle-search.js';
import { BufferSource } from '../src/dicom/source.js';
import { median, takeOption } from './ab-args.js';

const args = process.argv.slice(2);
const input = takeOption(args, '--input');
const output = takeOption(args, '--output');
const rounds = Number(takeOption(args, '--rounds') ?? 5);
if (!input || !output || args.length > 0 || !(rounds >= 1 && rounds <= 50)) {
  console.error('usage: node dist/bench/needle-search.js --input DIR --output DIR [--rounds N ≤ 50]');
  process.exit(2);
}

const files: string[] = [];
const walk = (d: string): void => {
  for (const e of readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(join(d, e.name)) : files.push(join(d, e.name));
};
walk(input);
files.sort();
const pairs: { out: BufferSource; ids: Identifier[] }[] = [];
for (const f of files) {
  const o = join(output, relative(input, f));
  if (!statSync(o, { throwIfNoEntry: false })?.isFile()) continue;
  const ids = scanIdentifiers(new BufferSource(readFileSync(f)));
  if (ids.length > 0) pairs.push({ out: new BufferSource(readFileSync(o)), ids });
}

const contenders = [
  ['indexOf', findBoundedReference],
  ['simd', findBounded],
] as const;
const times = contenders.map(() => [] as number[]);
const answers = contenders.map(() => '');
for (let r = 0; r < rounds + 1; r++) {
  const order = r % 2 ? [1, 0] : [0, 1];
  for (const c of order) {
    const found: string[] = [];
    const t0 = process.cpuUsage();
    for (const p of pairs)
      found.push(
        findIdentifiers(p.out, p.ids, contenders[c][1])
          .map((i) => i.value)
          .join('|'),
      );
    const t = process.cpuUsage(t0);
    if (r > 0) times[c].push((t.user + t.system) / pairs.length); // round 0 warms the JIT
    answers[c] = found.join(',');
  }
}
const mib = pairs.reduce((s, p) => s + p.out.size, 0) / pairs.length / 1024 / 1024;
const ids = pairs.reduce((s, p) => s + p.ids.length, 0) / pairs.length;
console.log(`${pairs.length} outputs, ${mib.toFixed(2)} MiB and ${ids.toFixed(1)} identifier values each; kernel ${kernelAvailable() ? 'on' : 'UNAVAILABLE'}; ${rounds} rounds`);
console.log('search\tcpu_us_per_file_median\tmin\tmax\tratio');
const base = median(times[0]);
for (const [i, [name]] of contenders.entries()) {
  console.log(`${name}\t${median(times[i]).toFixed(1)}\t${Math.min(...times[i]).toFixed(1)}\t${Math.max(...times[i]).toFixed(1)}\t${(median(times[i]) / base).toFixed(3)}`);
}
if (answers[0] !== answers[1]) {
  console.error('the answers differ');
  process.exit(1);
}
console.log('answers identical');
