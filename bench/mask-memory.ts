// Peak memory of masking a large native multi-frame image through the whole per-file job
// (`run` with --mask, one worker thread). The image is generated in a temp folder, the run happens
// in a child process, and the child's VmHWM (peak RSS of its address space, workers included) is
// reported. test/mask-memory.test.ts runs it at a small size; the 2 GiB case is this script's default.
//
//   node dist/bench/mask-memory.js [--mib 2048] [--rows 512] [--columns 512] [--dir TMP]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeMultiFrame } from '../fixtures/multiframe.js';
import { run } from '../src/run/run.js';

export interface MaskMemoryResult {
  frames: number;
  pixelBytes: number;
  peakRssMiB: number;
  seconds: number;
  written: number;
  output?: string;
}

/** The child: one run over `input` with one mask, then its own peak RSS. */
async function child(input: string, out: string, mask: string): Promise<void> {
  const [x, y, width, height] = mask.split(',').map(Number);
  const t0 = performance.now();
  const report = await run({ inputs: [input], out, reportDir: join(out, '..', 'report'), layout: 'mirror', masks: [{ x, y, width, height }], threads: 1 });
  const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
  const written = report.anonymized_files?.length ?? 0;
  console.log(JSON.stringify({ peakKiB: hwm, seconds: (performance.now() - t0) / 1000, written, output: report.anonymized_files?.[0]?.path }));
}

/**
 * Generates a multi-frame of about `mib` MiB in `dir`, masks it in a child process, and returns
 * the figures. `env` is the child's environment (tests pass one without tap's loaders).
 */
export function measureMaskMemory(o: { dir: string; mib: number; rows?: number; columns?: number; env?: NodeJS.ProcessEnv }): MaskMemoryResult & { input: string; out: string } {
  const rows = o.rows ?? 512;
  const columns = o.columns ?? 512;
  const frames = Math.max(1, Math.round((o.mib * 1024 * 1024) / (rows * columns * 2)));
  const input = join(o.dir, 'in', 'multiframe.dcm');
  spawnSync('mkdir', ['-p', join(o.dir, 'in')]);
  writeMultiFrame(input, { rows, columns, frames });
  const out = join(o.dir, 'out');
  const mask = `0,0,${Math.floor(columns / 2)},${Math.floor(rows / 4)}`;
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', input, out, mask], {
    encoding: 'utf8',
    env: o.env ?? process.env,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`mask-memory child failed (${r.status}): ${r.stderr}`);
  const line = JSON.parse(r.stdout.trim().split('\n').pop()!) as { peakKiB: number; seconds: number; written: number; output?: string };
  return { frames, pixelBytes: frames * rows * columns * 2, peakRssMiB: line.peakKiB / 1024, seconds: line.seconds, written: line.written, output: line.output, input, out };
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  await child(argv[1], argv[2], argv[3]);
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const opt = (name: string, d: number): number => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : d;
  };
  const i = argv.indexOf('--dir');
  const dir = mkdtempSync(join(i >= 0 ? argv[i + 1] : tmpdir(), 'anonflow-maskmem-'));
  try {
    const r = measureMaskMemory({ dir, mib: opt('mib', 2048), rows: opt('rows', 512), columns: opt('columns', 512) });
    const size = statSync(r.input).size;
    console.log(
      `${r.frames} frames, input ${(size / 2 ** 30).toFixed(2)} GiB, masked and written in ${r.seconds.toFixed(1)} s, peak RSS ${r.peakRssMiB.toFixed(1)} MiB, outputs written: ${r.written}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
