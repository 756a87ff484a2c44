// CPU of the first OCR pass over one frame (render, find candidate lines, recognise them), the
// issue 18 goal being ≤ 300 ms per 640×480 frame on one core. --root runs another build's code
// (a frozen build of main, for interleaved A/B runs on a shared machine).
//   node dist/bench/ocr-frame-cpu.js [--file ../shared/corpus/pydicom-data/US1_UNCR.dcm] [--runs 5] [--root DIR]
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    file: { type: 'string', default: join(process.cwd(), '../shared/corpus/pydicom-data/US1_UNCR.dcm') },
    runs: { type: 'string', default: '5' },
    root: { type: 'string' },
  },
});
const at = (p: string): string => (args.root ? pathToFileURL(resolve(args.root, 'dist/src', p)).href : `../src/${p}`);
const { parseDicom } = (await import(at('dicom/file.js'))) as typeof import('../src/dicom/file.js');
const { frameText } = (await import(at('ocr/frame-text.js'))) as typeof import('../src/ocr/frame-text.js');
const { closeOcr } = (await import(at('ocr/engine.js'))) as typeof import('../src/ocr/engine.js');

const f = parseDicom(readFileSync(args.file));
// Warm-up: the engine starts (≈ 1.5–2.5 s) and the first recognitions run slower; not a frame's cost.
for (let i = 0; i < 3; i++) await frameText(f, 1);
const cpu: number[] = [];
let lines = 0;
for (let i = 0; i < Number(args.runs); i++) {
  const c0 = process.cpuUsage();
  lines = (await frameText(f, 1)).lines.length;
  const c = process.cpuUsage(c0);
  cpu.push(Math.round((c.user + c.system) / 1000));
}
await closeOcr();
const median = [...cpu].sort((a, b) => a - b)[cpu.length >> 1];
console.log(JSON.stringify({ root: args.root ?? 'this build', file: args.file, lines, cpu_ms: cpu, median }));
