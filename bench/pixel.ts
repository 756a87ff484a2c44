/**
 * Pixel masking throughput, per encoding: for every encoding of the pixel fixtures
 * (fixtures/pixel.ts), an image of realistic size is built once, then parse + mask a top banner in
 * every frame + serialize is timed (median of --repeat runs, after one untimed warm-up that also
 * loads the WASM codecs). Throughput is in MiB/s of uncompressed pixel data (Rows × Columns ×
 * SamplesPerPixel × BitsAllocated/8 × frames, 1-bit packed), whatever the encoding on disk.
 *
 *   node dist/bench/pixel.js [--size 512] [--frames 4] [--repeat 5] [--warmup 1] [--banner ROWS]
 *                            [--lossy reencode|native|both] [--only TEXT] [--json]
 *
 * See bench/README.md ("Pixel masking throughput") for measured figures.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseDicom, serializeDicom } from '../src/dicom/file.js';
import { readImageInfo } from '../src/pixel/image.js';
import { maskPixelData } from '../src/pixel/mask.js';
import type { MaskResult } from '../src/pixel/result.js';
import { canReencodeLossless, codecFamily } from '../src/pixel/codecs.js';
import { buildPixelFile, pixelSpecs, type PixelSpec, type Rect } from '../fixtures/pixel.js';

export interface PixelBenchOptions {
  /** Rows and Columns of every image (default 512; at least 32, see the CLI's --size). */
  size?: number;
  /** Frames of every image (default 4). */
  frames?: number;
  /** Timed runs per encoding; the median is reported (default 5). */
  repeat?: number;
  /** Untimed runs before them (default 1: loads the codecs; more let the JIT settle on JS codecs). */
  warmup?: number;
  /** Height of the top banner masked in every frame (default size / 8, i.e. 64 for 512). */
  banner?: number;
  /** What lossy-only sources (JPEG baseline) do: re-encode with the same codec, write native, or both rows. */
  lossy?: 'reencode' | 'native' | 'both';
  /** Only encodings whose name contains this (case-insensitive). */
  only?: string;
  /** Called after each encoding (progress on stderr in the CLI). */
  onRow?: (row: PixelBenchRow) => void;
}

export interface PixelBenchRow {
  name: string;
  transfer_syntax: string;
  /** For lossy-only sources: the policy used ('reencode' or 'native'). */
  lossy_policy?: 'reencode' | 'native';
  columns: number;
  rows: number;
  frames: number;
  samples_per_pixel: number;
  bits_allocated: number;
  /** Size of the input file and of the masked output. */
  file_bytes: number;
  output_bytes: number;
  /** Uncompressed pixel data of the image. */
  pixel_bytes: number;
  pixel_mib: number;
  pixels_filled: number;
  /** MaskResult.output of the library. */
  output: MaskResult['output'];
  transfer_syntax_out: string;
  /** Pixels outside the region are written back exactly (native, RLE, lossless re-encode, or native from the decoded lossy source). */
  lossless: boolean;
  repeat: number;
  parse_ms_median: number;
  mask_ms_median: number;
  serialize_ms_median: number;
  total_ms_median: number;
  total_ms_min: number;
  total_ms_max: number;
  mib_per_second: number;
  ms_per_frame: number;
  /** Median CPU ms of a run (user + system, every thread of the process) and MiB per CPU-second. */
  cpu_ms_median: number;
  mib_per_cpu_second: number;
}

export interface PixelBenchResult {
  machine: { nproc: number; cpu?: string; node: string; platform: string; loadavg_start: number[]; loadavg_end: number[]; date: string };
  options: { size: number; frames: number; repeat: number; banner: Rect; lossy: 'reencode' | 'native' | 'both' };
  rows: PixelBenchRow[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length & 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The fixture spec at the bench's size: same encoding, pattern and header, bigger image. */
export function scaledSpec(spec: PixelSpec, size: number, frames: number): PixelSpec {
  return { ...spec, rows: size, columns: size, frames };
}

interface Run {
  parse: number;
  mask: number;
  serialize: number;
  /** CPU ms of this process (user + system, all threads) over the run: steadier than wall time on a shared machine. */
  cpu: number;
  result: MaskResult;
  out: Buffer;
}

async function once(file: Buffer, banner: Rect, lossy: 'reencode' | 'native'): Promise<Run> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const f = parseDicom(file);
  const t1 = performance.now();
  const result = await maskPixelData(f, [banner], { lossy });
  const t2 = performance.now();
  const out = serializeDicom(f);
  const t3 = performance.now();
  const c = process.cpuUsage(c0);
  return { parse: t1 - t0, mask: t2 - t1, serialize: t3 - t2, cpu: (c.user + c.system) / 1000, result, out };
}

function uncompressedBytes(file: Buffer): { bytes: number; frames: number } {
  const info = readImageInfo(parseDicom(file));
  const perFrame = info.bitsAllocated === 1 ? (info.rows * info.columns) / 8 : info.frameBytes;
  return { bytes: perFrame * info.frames, frames: info.frames };
}

const LOSSLESS_OUTPUTS = new Set<MaskResult['output']>(['native', 'rle', 'reencoded-lossless', 'converted-native']);

/** Runs the bench in this process and returns one row per encoding (per lossy policy for JPEG baseline). */
export async function runPixelBench(opts: PixelBenchOptions = {}): Promise<PixelBenchResult> {
  const size = opts.size ?? 512;
  const frames = opts.frames ?? 4;
  const repeat = opts.repeat ?? 5;
  const lossyMode = opts.lossy ?? 'both';
  const bannerRows = Math.max(1, Math.min(size, opts.banner ?? Math.round(size / 8)));
  const banner: Rect = { x: 0, y: 0, width: size, height: bannerRows };
  const loadStart = loadavg();
  const rows: PixelBenchRow[] = [];
  for (const base of pixelSpecs()) {
    if (opts.only && !base.name.toLowerCase().includes(opts.only.toLowerCase())) continue;
    const spec = scaledSpec(base, size, frames);
    const file = await buildPixelFile(spec);
    const before = Buffer.from(file);
    const { bytes: pixelBytes, frames: nFrames } = uncompressedBytes(file);
    const family = codecFamily(spec.transferSyntax);
    const lossyOnly = family !== undefined && !canReencodeLossless(family);
    const policies: ('reencode' | 'native')[] = !lossyOnly ? ['reencode'] : lossyMode === 'both' ? ['reencode', 'native'] : [lossyMode];
    for (const policy of policies) {
      // Warm-up (codec modules and WASM instances load here) and sanity checks, untimed.
      const warm = await once(file, banner, policy);
      for (let i = 1; i < (opts.warmup ?? 1); i++) await once(file, banner, policy);
      if (warm.result.pixels <= 0) throw new Error(`${spec.name}: nothing was masked`);
      const back = parseDicom(warm.out);
      if (readImageInfo(back).frames !== nFrames) throw new Error(`${spec.name}: masked output has a different number of frames`);
      if (!file.equals(before)) throw new Error(`${spec.name}: masking changed the input buffer`);
      const runs: Run[] = [];
      for (let i = 0; i < repeat; i++) runs.push(await once(file, banner, policy));
      const totals = runs.map((r) => r.parse + r.mask + r.serialize);
      const total = median(totals);
      const row: PixelBenchRow = {
        name: spec.name,
        transfer_syntax: spec.transferSyntax,
        ...(lossyOnly ? { lossy_policy: policy } : {}),
        columns: spec.columns,
        rows: spec.rows,
        frames: nFrames,
        samples_per_pixel: spec.samplesPerPixel,
        bits_allocated: spec.bitsAllocated,
        file_bytes: file.length,
        output_bytes: warm.out.length,
        pixel_bytes: pixelBytes,
        pixel_mib: pixelBytes / 2 ** 20,
        pixels_filled: warm.result.pixels,
        output: warm.result.output,
        transfer_syntax_out: back.transferSyntax.uid,
        lossless: LOSSLESS_OUTPUTS.has(warm.result.output),
        repeat,
        parse_ms_median: median(runs.map((r) => r.parse)),
        mask_ms_median: median(runs.map((r) => r.mask)),
        serialize_ms_median: median(runs.map((r) => r.serialize)),
        total_ms_median: total,
        total_ms_min: Math.min(...totals),
        total_ms_max: Math.max(...totals),
        mib_per_second: pixelBytes / 2 ** 20 / (total / 1000),
        ms_per_frame: total / nFrames,
        cpu_ms_median: median(runs.map((r) => r.cpu)),
        mib_per_cpu_second: pixelBytes / 2 ** 20 / (median(runs.map((r) => r.cpu)) / 1000),
      };
      rows.push(row);
      opts.onRow?.(row);
    }
  }
  return {
    machine: {
      nproc: availableParallelism(),
      cpu: cpus()[0]?.model,
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      loadavg_start: loadStart.map((x) => Math.round(x * 100) / 100),
      loadavg_end: loadavg().map((x) => Math.round(x * 100) / 100),
      date: new Date().toISOString(),
    },
    options: { size, frames, repeat, banner, lossy: lossyMode },
    rows,
  };
}

// ---------------------------------------------------------------------------------------------
// Table

const OUTPUT_LABEL: Record<MaskResult['output'], string> = {
  native: 'native, in place',
  rle: 'RLE again',
  'reencoded-lossless': 'same TS, lossless',
  'reencoded-lossy': 'same TS, lossy',
  'converted-native': 'to Explicit VR LE',
  'decoded-only': 'not written',
  unchanged: 'unchanged',
};

export function formatTable(r: PixelBenchResult): string {
  const f1 = (x: number): string => x.toFixed(1);
  const f2 = (x: number): string => x.toFixed(2);
  const lines = [
    '| encoding | image | in KiB | pixel MiB | median ms | min–max ms | parse / mask / write ms | MiB/s | ms/frame | CPU ms | MiB/CPU-s | written as | lossless |',
    '|:--|:--|--:|--:|--:|--:|--:|--:|--:|--:|--:|:--|:--|',
  ];
  for (const row of r.rows) {
    const name = row.lossy_policy ? `${row.name} (lossy: ${row.lossy_policy})` : row.name;
    const image = `${row.columns}×${row.rows}×${row.frames}, ${row.samples_per_pixel}×${row.bits_allocated} bit`;
    lines.push(
      `| ${name} | ${image} | ${Math.round(row.file_bytes / 1024)} | ${f2(row.pixel_mib)} | ${f1(row.total_ms_median)} | ${f1(row.total_ms_min)}–${f1(row.total_ms_max)} | ` +
        `${f1(row.parse_ms_median)} / ${f1(row.mask_ms_median)} / ${f1(row.serialize_ms_median)} | ${f1(row.mib_per_second)} | ${f2(row.ms_per_frame)} | ${f1(row.cpu_ms_median)} | ${f1(row.mib_per_cpu_second)} | ${OUTPUT_LABEL[row.output]} | ${row.lossless ? 'yes' : '**no**'} |`,
    );
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// CLI

function usage(msg?: string): never {
  if (msg) process.stderr.write(`pixel bench: ${msg}\n`);
  process.stderr.write(
    'usage: node dist/bench/pixel.js [--size 512] [--frames 4] [--repeat 5] [--warmup 1] [--banner ROWS]\n' +
      '                                [--lossy reencode|native|both] [--only TEXT] [--json]\n',
  );
  process.exit(msg ? 2 : 0);
}

function parseArgs(argv: string[]): PixelBenchOptions & { json: boolean } {
  const o: PixelBenchOptions & { json: boolean } = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) usage(`${flag} needs a value`);
      return v;
    };
    const int = (min: number): number => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < min) usage(`${flag} must be an integer ≥ ${min}`);
      return n;
    };
    switch (flag) {
      case '--size':
        // ≥ 32: the libjpeg-turbo WASM encoder faults on JPEG baseline frames of under ~1 KiB.
        o.size = int(32);
        if (o.size % 8) usage('--size must be a multiple of 8 (1-bit frames, 4:2:2 JPEG)');
        break;
      case '--frames':
        o.frames = int(1);
        break;
      case '--repeat':
        o.repeat = int(1);
        break;
      case '--warmup':
        o.warmup = int(1);
        break;
      case '--banner':
        o.banner = int(1);
        break;
      case '--lossy': {
        const v = value();
        if (v !== 'reencode' && v !== 'native' && v !== 'both') usage('--lossy must be reencode, native or both');
        o.lossy = v;
        break;
      }
      case '--only':
        o.only = value();
        break;
      case '--json':
        o.json = true;
        break;
      case '--help':
      case '-h':
        usage();
      // falls through (usage exits)
      default:
        usage(`unknown argument ${a}`);
    }
  }
  return o;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const result = await runPixelBench({
    ...args,
    onRow: args.json ? undefined : (row) => process.stderr.write(`  ${row.name}${row.lossy_policy ? ` (${row.lossy_policy})` : ''}: ${row.mib_per_second.toFixed(1)} MiB/s\n`),
  });
  if (args.json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return;
  }
  const m = result.machine;
  const o = result.options;
  process.stdout.write(
    `pixel masking: ${o.size}×${o.size}, ${o.frames} frame(s), banner ${o.banner.width}×${o.banner.height} at (0,0) in every frame, median of ${o.repeat} after ${args.warmup ?? 1} warm-up run(s)\n` +
      `machine: node ${m.node}, nproc ${m.nproc}, ${m.cpu}, ${m.platform}, load ${m.loadavg_start.join(' ')} → ${m.loadavg_end.join(' ')}, ${m.date}\n\n` +
      formatTable(result) +
      '\n',
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    process.stderr.write(`pixel bench: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
