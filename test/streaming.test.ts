import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import t from 'tap';
import { cleanEnv } from './helpers/child-env.js';
import { buildDicom, encodeElements, TS } from '../fixtures/build.js';
import { tagOf } from '../src/dicom/tag.js';
import { fromRoot } from './helpers/root.js';

const DIST_FILE = fromRoot('dist/src/dicom/file.js');
const skip = existsSync(DIST_FILE) ? false : 'dist/ not built: run npm run build (npm test does)';

/** Runs the codec in a fresh process, so its peak RSS is this file's alone. */
function processInChild(input: string, output: string, opts: object = {}): { maxRssMiB: number; stages: Record<string, number> } {
  const script = join(dirname(output), 'child.mjs');
  writeFileSync(
    script,
    `
    import { readFileSync } from 'node:fs';
    import { openDicom, writeDicom, closeDicom } from ${JSON.stringify(pathToFileURL(DIST_FILE).href)};
    import { Element } from ${JSON.stringify(pathToFileURL(DIST_FILE.replace('file.js', 'dataset.js')).href)};
    // VmHWM is this address space's peak (ru_maxrss can carry a parent's over fork/exec).
    const hwm = () => Number(/VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
    const stages = { start: hwm() };
    const f = await openDicom(${JSON.stringify(input)}, ${JSON.stringify(opts)});
    stages.opened = hwm();
    const el = new Element(0x00100010, 'PN', 8);
    el.value = Buffer.from('Changed^');
    f.dataset.set(el); // a change forces the range-copying writer, not a whole-file copy
    await writeDicom(f, ${JSON.stringify(output)});
    closeDicom(f);
    stages.written = hwm();
    console.log(JSON.stringify(stages));
  `,
  );
  // Without tap's NODE_OPTIONS: its loaders would be measured too.
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8', env: cleanEnv() });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  const stages = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
  return { maxRssMiB: stages.written / 1024, stages };
}

t.test('2 GiB file with a changed header → written in full with peak RSS under 200 MiB', { skip, timeout: 240_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-big-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const input = join(dir, 'big.dcm');
  const pixelBytes = 2 * 1024 * 1024 * 1024 - 4096;
  const head = buildDicom({
    elements: [
      { tag: tagOf(0x0008, 0x0060), vr: 'CS', value: 'CT' },
      { tag: tagOf(0x0010, 0x0010), vr: 'PN', value: 'Big^Patient' },
    ],
  });
  const pxHeader = Buffer.concat([Buffer.from([0xe0, 0x7f, 0x10, 0x00]), Buffer.from('OW'), Buffer.alloc(2), Buffer.alloc(4)]);
  pxHeader.writeUInt32LE(pixelBytes, 8);
  const fd = openSync(input, 'w');
  writeSync(fd, Buffer.concat([head, pxHeader]));
  ftruncateSync(fd, head.length + pxHeader.length + pixelBytes); // sparse: reads as zeros, costs no disk
  writeSync(fd, Buffer.from('END!'), 0, 4, head.length + pxHeader.length + pixelBytes - 4);
  closeSync(fd);
  const output = join(dir, 'out.dcm');
  const { maxRssMiB, stages } = processInChild(input, output);
  t.ok(maxRssMiB < 200, `peak RSS ${maxRssMiB.toFixed(1)} MiB < 200 MiB (${JSON.stringify(stages)} KiB)`);
  t.equal(statSync(output).size, statSync(input).size - 'Big^Patient '.length + 'Changed^'.length);
  const tail = Buffer.alloc(4);
  const ofd = openSync(output, 'r');
  readSync(ofd, tail, 0, 4, statSync(output).size - 4);
  closeSync(ofd);
  t.equal(tail.toString(), 'END!', 'last pixel bytes copied');
});

t.test('deflated file larger than the in-memory limit → inflated through a temp file, re-deflated', { skip, timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-dfl-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const body = encodeElements(
    [
      { tag: tagOf(0x0008, 0x0060), vr: 'CS', value: 'OT' },
      { tag: tagOf(0x0010, 0x0010), vr: 'PN', value: 'Deflated^Patient' },
      // noise, repeated beyond deflate's 32 KiB window: a real image's ratio, not a deflate bomb's
      { tag: tagOf(0x7fe0, 0x0010), vr: 'OB', value: Buffer.concat(Array<Buffer>(64).fill(randomBytes(1024 * 1024))) },
    ],
    { explicit: true, little: true },
  );
  const withEmptyBody = buildDicom({ transferSyntax: TS.deflatedLE, elements: [] });
  const meta = withEmptyBody.subarray(0, withEmptyBody.length - deflateRawSync(Buffer.alloc(0)).length);
  const input = join(dir, 'dfl.dcm');
  const fd = openSync(input, 'w');
  writeSync(fd, Buffer.concat([meta, deflateRawSync(body)]));
  closeSync(fd);
  const output = join(dir, 'out.dcm');
  const { maxRssMiB, stages } = processInChild(input, output, { maxInflateInMemory: 1024 * 1024 });
  t.ok(maxRssMiB < 200, `peak RSS ${maxRssMiB.toFixed(1)} MiB < 200 MiB (${JSON.stringify(stages)} KiB)`);
  const { parseDicom } = await import('../src/dicom/file.js');
  const { readFileSync } = await import('node:fs');
  const g = parseDicom(readFileSync(output), { bulkThreshold: 1024 });
  t.equal(g.dataset.get(tagOf(0x0010, 0x0010))!.value!.toString('latin1'), 'Changed^');
  t.equal(g.dataset.get(tagOf(0x7fe0, 0x0010))!.length, 64 * 1024 * 1024);
});
