// The safety net's tag scan alone (scanIdentifiers over files held in memory, as the per-file job
// calls it on an input under 64 MiB), two builds in one process, interleaved, medians (issue 16).
//
//   node dist/bench/tag-scan.js BUILD_A BUILD_B --corpus DIR [--rounds N]
//
// Every file of DIR is read into memory once; per round, each contender scans them all, timed by
// process.cpuUsage (CPU ms per file; on a shared machine CPU time is steadier than wall time). The
// contenders: each build's scanIdentifiers, and BUILD_B's with `reference: true` (its JavaScript
// scan) where it has one. Their identifiers are compared file by file first: any difference fails.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { median, takeOption } from './ab-args.js';

interface Found {
  tag: number;
  value: string;
}
type Scan = (src: unknown, opts?: { reference?: boolean }) => Found[];

const args = process.argv.slice(2);
const corpus = takeOption(args, '--corpus');
const rounds = Number(takeOption(args, '--rounds') ?? 7);
if (args.length !== 2 || !corpus || !(rounds >= 1 && rounds <= 50)) {
  console.error('usage: node dist/bench/tag-scan.js BUILD_A BUILD_B --corpus DIR [--rounds N ≤ 50]');
  process.exit(2);
}
const [a, b] = args.map((d) => resolve(d));
const load = async (build: string): Promise<{ scan: Scan; Source: new (b: Buffer) => unknown }> => ({
  scan: ((await import(join(build, 'dist/src/dicom/identifier-scan.js'))) as { scanIdentifiers: Scan }).scanIdentifiers,
  Source: ((await import(join(build, 'dist/src/dicom/source.js'))) as { BufferSource: new (b: Buffer) => unknown }).BufferSource,
});
const A = await load(a);
const B = await load(b);

const files: string[] = [];
const walk = (d: string): void => {
  for (const e of readdirSync(d, { withFileTypes: true })) (e.isDirectory() ? walk : (p: string) => files.push(p))(join(d, e.name));
};
walk(corpus);
files.sort();
const bufs = files.filter((f) => statSync(f).size < 64 * 1024 * 1024).map((f) => readFileSync(f));
const mib = bufs.reduce((s, x) => s + x.length, 0) / 1048576;

const contenders: [string, (x: Buffer) => Found[]][] = [
  [`A ${a}`, (x) => A.scan(new A.Source(x))],
  [`B ${b}`, (x) => B.scan(new B.Source(x))],
  [`B reference (JS scan)`, (x) => B.scan(new B.Source(x), { reference: true })],
];
const key = (f: Found[]): string => JSON.stringify(f.map((i) => [i.tag, i.value]));
let differ = 0;
for (const x of bufs) {
  const want = key(contenders[0][1](x));
  for (const [name, scan] of contenders.slice(1)) {
    if (key(scan(x)) === want) continue;
    differ++;
    console.error(`differs: ${name}`);
  }
}
if (differ > 0) {
  console.error(`${differ} differences: not timed`);
  process.exit(1);
}
const ms = contenders.map(() => [] as number[]);
for (let r = 0; r < rounds; r++) {
  for (let k = 0; k < contenders.length; k++) {
    const c = (k + r) % contenders.length; // the first contender rotates
    const c0 = process.cpuUsage();
    for (const x of bufs) contenders[c][1](x);
    const u = process.cpuUsage(c0);
    ms[c].push((u.user + u.system) / 1000 / bufs.length);
  }
}
console.log(`${bufs.length} files, ${mib.toFixed(1)} MiB, identical identifiers; ${rounds} rounds, CPU ms per file`);
console.log('contender\tmedian\tmin\tMiB/s (median)\tratio to A');
const base = median(ms[0]);
contenders.forEach(([name], k) => {
  const m = median(ms[k]);
  console.log(`${name}\t${m.toFixed(4)}\t${Math.min(...ms[k]).toFixed(4)}\t${(mib / ((m * bufs.length) / 1000)).toFixed(0)}\t${(m / base).toFixed(2)}`);
});
