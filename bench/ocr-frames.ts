// A cine clip for the multi-frame OCR bench (issue 18): writes one generated clip, a banner of
// identifiers burned into every frame over a moving "anatomy" disc, optionally other text on a few
// frames, as an 8-bit MONOCHROME2 US multi-frame file; then times the frame grouping alone.
//   node dist/bench/ocr-frames.js --out DIR [--frames 300] [--width 640] [--height 480] [--other 3]
// The whole pipeline is timed with anon run --ocr over DIR (see bench/README.md).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { parseDicom } from '../src/dicom/file.js';
import { groupFrames } from '../src/ocr/index.js';
import { textLayer, usImage, withDisc, type TextItem } from '../fixtures/ocr-text.js';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string' },
    frames: { type: 'string', default: '300' },
    width: { type: 'string', default: '640' },
    height: { type: 'string', default: '480' },
    other: { type: 'string', default: '3' },
  },
});
if (!args.out) throw new Error('--out DIR is required');
const n = Number(args.frames);
const W = Number(args.width);
const H = Number(args.height);
const BANNER: TextItem[] = [
  { text: 'JANSEN PIETER', x: 8, y: 24, size: 18 },
  { text: 'MRN 48291734', x: 8, y: 48, size: 18 },
  { text: '12/03/1961 10:42', x: W - 200, y: 24, size: 16 },
];
const OTHER: TextItem = { text: 'ACC 552130', x: W / 3, y: H - 12, size: 18 };
const other = new Set(Array.from({ length: Number(args.other) }, (_, i) => Math.floor(n / 2) + i));

const banner = await textLayer(W, H, BANNER);
const both = await textLayer(W, H, [...BANNER, OTHER]);
const frames: Buffer[] = [];
for (let k = 1; k <= n; k++) frames.push(withDisc(other.has(k) ? both : banner, W, H, Math.round(W / 4 + ((k * 5) % (W / 2))), Math.round(H / 2), Math.round(H / 5)));
const dicom = usImage(frames, W, H, [{ tag: 0x00100010, vr: 'PN', value: 'JANSEN^PIETER' }]);
mkdirSync(args.out, { recursive: true });
writeFileSync(join(args.out, 'clip.dcm'), dicom);

const cpu = process.cpuUsage();
const t0 = performance.now();
const groups = await groupFrames(parseDicom(dicom), 8);
const used = process.cpuUsage(cpu);
console.log(
  JSON.stringify({
    frames: n,
    width: W,
    height: H,
    groups: groups.map((g) => ({ frame: g.frame, frames: g.frames.length })),
    grouping_ms: Math.round(performance.now() - t0),
    grouping_cpu_ms_per_frame: Number(((used.user + used.system) / 1000 / n).toFixed(1)),
  }),
);
