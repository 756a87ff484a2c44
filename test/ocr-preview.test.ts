// Review material of OCR (issue 18): anon preview --ocr draws the boxes OCR found and the masks it
// applied; anon run --ocr --previews writes a PNG for every image OCR read (masked, checked, and
// one per recognised frame of a clip); --json events carry the per-image account without text.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import t from 'tap';
import { frameOutlines } from '../src/job/pixels.js';
import type { OcrBox, PixelCheck } from '../src/ocr/index.js';
import { cleanEnv } from './helpers/child-env.js';
import { inkBox, textLayer, usImage, type InkBox, type TextItem } from '../fixtures/ocr-text.js';
import { fromRoot } from './helpers/root.js';

const BIN = fromRoot('bin/anon');
const skip = existsSync(fromRoot('dist/src/cli/main.js')) ? false : 'dist/ not built';

const W = 320;
const H = 200;
const NAME: TextItem = { text: 'JANSEN PIETER', x: 8, y: 26, size: 18 };
const NOTE: TextItem = { text: 'ABD', x: 30, y: 150, size: 22 };

/** Runs the CLI without blocking the test runner; a fixed secret, never one in the real home folder. */
function anon(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...cleanEnv(), ANON_SECRET: 'ocr-preview-secret-0123456789' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

type Rgb = [number, number, number];

/** Pixels of exactly this colour around a box (the box grown by `grow`): outlines, never the grey image. */
async function colourNear(png: string, b: InkBox, [r, g, bl]: Rgb, grow = 10): Promise<number> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  let n = 0;
  for (let y = Math.max(0, b.y - grow); y < Math.min(info.height, b.y + b.height + grow); y++)
    for (let x = Math.max(0, b.x - grow); x < Math.min(info.width, b.x + b.width + grow); x++) {
      const o = (y * info.width + x) * info.channels;
      if (data[o] === r && data[o + 1] === g && data[o + 2] === bl) n++;
    }
  return n;
}

const RED: Rgb = [255, 0, 0];
const GREEN: Rgb = [0, 255, 0];
const YELLOW: Rgb = [255, 255, 0];

t.test('anon preview --ocr --ocr-policy identifiers and anon run --ocr --json --previews on an image with a burned-in name and an annotation', { skip }, async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'anonflow-ocr-preview-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  mkdirSync(join(d, 'in'));
  const header = [{ tag: 0x00100010, vr: 'PN', value: 'JANSEN^PIETER' }];
  writeFileSync(join(d, 'in', 'text.dcm'), usImage([await textLayer(W, H, [NAME, NOTE])], W, H, header));
  writeFileSync(join(d, 'in', 'blank.dcm'), usImage([await textLayer(96, 64, [])], 96, 64, header));
  const name = await inkBox(W, H, NAME);
  const note = await inkBox(W, H, NOTE);

  t.test('anon preview --ocr → masks red and masked boxes green around the name, the annotation outlined yellow (left)', async (t) => {
    const png = join(d, 'p.png');
    const r = await anon('preview', join(d, 'in', 'text.dcm'), '--ocr', '--ocr-policy', 'identifiers', '--png', png);
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /OCR: \d+ box\(es\) found, \d+ masked, \d+ left, \d+ drawn on frame 1; masked and verified/);
    t.notMatch(r.stdout, /JANSEN|PIETER|ABD/, 'the recognised text is not printed');
    t.ok((await colourNear(png, name, RED)) > 0, 'a mask drawn around the name');
    t.ok((await colourNear(png, name, GREEN)) > 0, 'a masked box drawn on the name');
    t.ok((await colourNear(png, note, YELLOW)) > 0, 'the annotation outlined as left');
    t.equal(await colourNear(png, note, RED), 0, 'no mask on the annotation');
  });

  t.test('anon run --ocr --json --previews → file events carry the boxes without text; a PNG for the masked image and for the one OCR read and left', async (t) => {
    const r = await anon(
      'run',
      join(d, 'in'),
      '--out',
      join(d, 'out'),
      '--layout',
      'mirror',
      '--ocr',
      '--json',
      '--previews',
      join(d, 'prev'),
      '--report-dir',
      join(d, 'r'),
      '-j',
      '0',
    );
    t.equal(r.status, 0, r.stderr);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; status?: string; input?: string; pixels?: PixelCheck });
    const files = events.filter((e) => e.type === 'file');
    t.equal(files.length, 2);
    const text = files.find((e) => e.input!.endsWith('text.dcm'))!;
    const blank = files.find((e) => e.input!.endsWith('blank.dcm'))!;
    t.equal(text.status, 'written');
    t.equal(text.pixels?.method, 'ocr');
    t.ok(text.pixels!.masked! >= 2, `the words are masked (${text.pixels!.masked})`);
    for (const b of text.pixels!.boxes!) t.notOk('text' in b, 'no recognised text in a box');
    t.notMatch(r.stdout, /JANSEN|PIETER|ABD/, 'no recognised text (nor the name) in any event');
    t.same(blank.pixels && { found: blank.pixels.found, verified: blank.pixels.verified }, { found: 0, verified: true }, 'the text-free image is read and left');
    t.same(readdirSync(join(d, 'prev', 'masked')), ['text.png']);
    t.same(readdirSync(join(d, 'prev', 'checked')), ['blank.png'], 'the image OCR read and left unchanged has its preview too');
  });
});

t.test('frameOutlines → the boxes of the recognised frame that stands for the frame shown', async (t) => {
  const box = (frame: number, x: number): OcrBox => ({ frame, x, y: 0, width: 5, height: 5, confidence: 90, masked: true, identifier: false });
  const check: PixelCheck = {
    method: 'ocr',
    frames_ocr: [1, 30],
    frame_groups: [
      { frame: 1, frames: '1-29,33-60' },
      { frame: 30, frames: '30-32' },
    ],
    boxes: [box(1, 10), box(30, 50), box(30, 60)],
  };
  t.same(
    frameOutlines(check, 31).map((o) => o.rect.x),
    [50, 60],
  );
  t.same(
    frameOutlines(check, 45).map((o) => o.rect.x),
    [10],
  );
  t.same(frameOutlines(check, 61), [], 'a frame no recognised frame stands for: nothing drawn');
  t.same(
    frameOutlines({ method: 'ocr', frames_ocr: [1], boxes: [box(1, 3)] }, 1).map((o) => o.color),
    [[0, 255, 0]],
    'one frame: its own boxes, masked in green',
  );
});
