import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { cleanEnv } from './helpers/child-env.js';
import { frameValue } from '../fixtures/multiframe.js';
import { fromRoot } from './helpers/root.js';

const BENCH = fromRoot('dist/bench/mask-memory.js');
const skip = existsSync(BENCH) ? false : 'dist/ not built: run npm run build (npm test does)';

/** The 16-bit sample at (x, y) of a frame, read from the file at the Pixel Data's value offset. */
function sampleAt(path: string, pixelStart: number, frameBytes: number, columns: number, frame: number, x: number, y: number): number {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(2);
    readSync(fd, b, 0, 2, pixelStart + frame * frameBytes + (y * columns + x) * 2);
    return b.readUInt16LE(0);
  } finally {
    closeSync(fd);
  }
}

const findDcm = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && d.name.endsWith('.dcm'))
    .map((d) => join(d.parentPath, d.name));

// The 2 GiB case is bench/mask-memory.ts (bench/README.md); here a multi-frame larger than the
// bound shows the frames are masked one at a time: holding its Pixel Data once would pass it.
t.test('masking a 320 MiB multi-frame through anon run --mask → every frame masked, peak RSS under 300 MiB', { skip, timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-maskmem-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { measureMaskMemory } = (await import(BENCH)) as typeof import('../bench/mask-memory.js');
  const rows = 512;
  const columns = 512;
  const r = measureMaskMemory({ dir, mib: 320, rows, columns, env: cleanEnv() });
  t.equal(r.written, 1, 'the file is written');
  t.ok(r.pixelBytes / 2 ** 20 > 300, `the Pixel Data (${(r.pixelBytes / 2 ** 20).toFixed(0)} MiB) is larger than the bound`);
  t.ok(r.peakRssMiB < 300, `peak RSS ${r.peakRssMiB.toFixed(1)} MiB < 300 MiB`);
  const [output] = findDcm(r.out);
  t.ok(output, 'output found');
  const frameBytes = rows * columns * 2;
  const pixelStart = statSync(output).size - frameBytes * r.frames; // Pixel Data is the last element
  for (const k of [0, Math.floor(r.frames / 2), r.frames - 1]) {
    t.equal(sampleAt(output, pixelStart, frameBytes, columns, k, 0, 0), 0, `frame ${k + 1}: inside the mask blanked`);
    t.equal(sampleAt(output, pixelStart, frameBytes, columns, k, columns / 2 - 1, rows / 4 - 1), 0, `frame ${k + 1}: the mask's last pixel blanked`);
    t.equal(sampleAt(output, pixelStart, frameBytes, columns, k, columns / 2, 0), frameValue(k), `frame ${k + 1}: right of the mask kept`);
    t.equal(sampleAt(output, pixelStart, frameBytes, columns, k, 0, rows / 4), frameValue(k), `frame ${k + 1}: below the mask kept`);
  }
});
