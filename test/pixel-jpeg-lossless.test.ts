// The JPEG lossless decoder and encoder of src/pixel against the previous decoder
// (jpeg-lossless-decoder-js, still the fallback) as the oracle, and against dcmtk's encoder for
// the predictors and point transforms our encoder never writes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parseDicom } from '../src/dicom/file.js';
import { decodeJpegLosslessJs, decodeFrame } from '../src/pixel/codecs.js';
import { encapsulatedFrames } from '../src/pixel/frames.js';
import { readImageInfo } from '../src/pixel/image.js';
import { decodeLosslessJpeg } from '../src/pixel/jpeg-lossless-decode.js';
import { encodeJpegLossless, type LosslessInput } from '../src/pixel/jpeg-lossless.js';
import { buildPixelFile, pixelSpecs, pixelValue } from '../fixtures/pixel.js';

let seed = 21;
const rnd = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 8;

/** Smooth ramps, flat runs and noise of a random amplitude, so every difference category turns up. */
function image(width: number, height: number, components: number, precision: number): LosslessInput {
  const n = width * height * components;
  const bytes = precision > 8 ? 2 : 1;
  const pixels = Buffer.alloc(n * bytes);
  const max = 2 ** precision - 1;
  const amp = 2 ** (rnd() % (precision + 1));
  for (let i = 0; i < n; i++) {
    const kind = (i >> 4) % 3;
    const v = (kind === 0 ? (i * 37) % (max + 1) : kind === 1 ? max : rnd() % amp) & max;
    if (bytes === 1) pixels[i] = v;
    else pixels.writeUInt16LE(v, i * 2);
  }
  return { pixels, width, height, components, precision };
}

const oracle = (enc: Buffer, i: LosslessInput): Buffer => decodeJpegLosslessJs('', enc, { ...i, precision: i.precision }).pixels;

t.test('JPEG lossless decoder on random 16-, 12-, 8-, 2-bit grey and 8-bit RGB images → the input, as the previous decoder reads it', async (t) => {
  for (const [w, h, nc, p] of [
    [64, 48, 1, 16],
    [37, 19, 1, 12],
    [29, 13, 1, 8],
    [9, 9, 1, 2],
    [1, 1, 1, 16],
    [31, 17, 3, 8],
    [1, 5, 3, 8],
  ]) {
    const input = image(w, h, nc, p);
    const enc = encodeJpegLossless(input);
    const got = decodeLosslessJpeg(enc);
    t.ok(got.pixels.equals(input.pixels), `${w}×${h} ${nc}×${p}-bit`);
    t.ok(got.pixels.equals(oracle(enc, input)), 'same as jpeg-lossless-decoder-js');
    t.same([got.width, got.height, got.components, got.precision], [w, h, nc, p]);
  }
});

t.test('JPEG lossless decoder on 16-bit RGB (which the previous decoder mis-orders) → the input', async (t) => {
  const input = image(23, 11, 3, 16);
  t.ok(decodeLosslessJpeg(encodeJpegLossless(input)).pixels.equals(input.pixels));
});

/** A stream with restart intervals: bands of `rows` rows encoded alone (prediction restarts as an image's first row), joined by RSTn. */
function withRestarts(input: LosslessInput, rows: number): Buffer {
  const { width: w, height: h, components: nc, precision: p } = input;
  const bytes = p > 8 ? 2 : 1;
  const scans: Buffer[] = [];
  let head: Buffer | undefined;
  for (let y = 0, k = 0; y < h; y += rows, k++) {
    const band = Math.min(rows, h - y);
    const enc = encodeJpegLossless({ ...input, height: band, pixels: input.pixels.subarray(y * w * nc * bytes, (y + band) * w * nc * bytes), trailingPad: false });
    const sos = enc.indexOf(Buffer.from([0xff, 0xda]));
    const data = sos + 2 + enc.readUInt16BE(sos + 2);
    head ??= Buffer.from(enc.subarray(0, data));
    if (k > 0) scans.push(Buffer.from([0xff, 0xd0 + ((k - 1) & 7)]));
    scans.push(enc.subarray(data, enc.length - 2));
  }
  head!.writeUInt16BE(h, head!.indexOf(Buffer.from([0xff, 0xc3])) + 5);
  const dri = Buffer.from([0xff, 0xdd, 0, 4, (rows * w) >> 8, (rows * w) & 0xff]);
  const sos = head!.indexOf(Buffer.from([0xff, 0xda]));
  return Buffer.concat([head!.subarray(0, sos), dri, head!.subarray(sos), ...scans, Buffer.from([0xff, 0xd9])]);
}

t.test('JPEG lossless decoder on restart intervals of whole rows → the input, as the previous decoder reads it', async (t) => {
  for (const [w, h, nc, p, rows] of [
    [40, 21, 1, 16, 4],
    [17, 9, 3, 8, 2],
    [30, 10, 1, 12, 1],
  ]) {
    const input = image(w, h, nc, p);
    const enc = withRestarts(input, rows);
    t.ok(decodeLosslessJpeg(enc).pixels.equals(input.pixels), `${w}×${h} ${nc}×${p}-bit, ${rows} row(s) an interval`);
    // jpeg-lossless-decoder-js restarts the prediction of one component only: no oracle for RGB.
    if (nc === 1) t.ok(oracle(enc, input).equals(input.pixels), 'the previous decoder agrees');
  }
  const input = image(12, 6, 1, 8);
  const enc = withRestarts(input, 2);
  const cut = enc.indexOf(Buffer.from([0xff, 0xd0]));
  const noMarker = Buffer.concat([enc.subarray(0, cut), enc.subarray(cut + 2)]);
  t.throws(() => decodeLosslessJpeg(noMarker), { code: 'PIXEL_DECODE' }, 'a missing RST marker');
  const dri = enc.indexOf(Buffer.from([0xff, 0xdd]));
  const inRow = Buffer.from(enc);
  inRow.writeUInt16BE(5, dri + 4);
  t.throws(() => decodeLosslessJpeg(inRow), { name: 'LosslessUnsupported' }, 'an interval ending inside a row is left to the previous decoder');
});

t.test('JPEG lossless decoder on a cut, garbled or unsupported stream → PIXEL_DECODE or LosslessUnsupported, never wrong pixels', async (t) => {
  const input = image(20, 10, 1, 12);
  const enc = encodeJpegLossless(input);
  t.throws(() => decodeLosslessJpeg(enc.subarray(0, enc.length - 40)), { code: 'PIXEL_DECODE' }, 'cut inside the scan');
  t.throws(() => decodeLosslessJpeg(Buffer.from([0xff, 0xd8, 0xff, 0xd9])), { code: 'PIXEL_DECODE' }, 'no frame');
  const sos = enc.indexOf(Buffer.from([0xff, 0xda]));
  const data = sos + 2 + enc.readUInt16BE(sos + 2);
  const ones = Buffer.from(enc);
  ones.fill(0xff, data, data + 4);
  ones.fill(0x00, data + 4, data + 5); // an all-ones code: our table has none
  t.throws(() => decodeLosslessJpeg(ones), { code: 'PIXEL_DECODE' }, 'a code not in the table');
  const sampled = Buffer.from(enc);
  sampled[enc.indexOf(Buffer.from([0xff, 0xc3])) + 11] = 0x21;
  t.throws(() => decodeLosslessJpeg(sampled), { name: 'LosslessUnsupported' }, 'sampling factors other than 1×1');
});

t.test('JPEG lossless encoder → the trailing pad exactly where jpeg-lossless-decoder-js would misread the end, so it reads every output', async (t) => {
  let padded = 0;
  let misreads = 0;
  for (let k = 0; k < 600; k++) {
    const nc = k % 4 === 0 ? 3 : 1;
    const input = image(1 + (rnd() % 9), 1 + (rnd() % 5), nc, nc === 3 ? 8 : 2 + (rnd() % 15));
    const plain = encodeJpegLossless({ ...input, trailingPad: false });
    const auto = encodeJpegLossless(input);
    const pad = !auto.equals(plain);
    padded += pad ? 1 : 0;
    let plainOk: boolean;
    try {
      plainOk = oracle(plain, input).equals(input.pixels);
    } catch {
      plainOk = false;
    }
    if (!plainOk) misreads++;
    if (!plainOk && !pad) t.fail(`${input.width}×${input.height} ${nc}×${input.precision}: misread without the pad`);
    if (!oracle(auto, input).equals(input.pixels)) t.fail(`${input.width}×${input.height}: misread with the pad`);
    if (!decodeLosslessJpeg(auto).pixels.equals(input.pixels)) t.fail('our decoder, padded or not');
  }
  t.ok(misreads > 0 && padded >= misreads, `${misreads} of 600 unpadded streams misread, ${padded} padded`);
});

const dcmcjpeg = spawnSync('dcmcjpeg', ['--version'], { encoding: 'utf8' }).status === 0 ? false : 'dcmcjpeg (dcmtk) is not installed';

t.test('JPEG lossless decoder on dcmtk streams with predictors 1–7 and a point transform → the source pixels', { skip: dcmcjpeg }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anon-jl-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const cases = [
    {
      name: 'native 16-bit unsigned (12 stored)',
      options: [
        ['+sv', '1'],
        ['+sv', '2'],
        ['+sv', '3'],
        ['+sv', '4'],
        ['+sv', '5'],
        ['+sv', '6'],
        ['+sv', '7'],
        ['+sv', '6', '+pt', '2'],
      ],
    },
    {
      name: 'native 8-bit MONOCHROME2',
      options: [
        ['+sv', '7'],
        ['+sv', '4', '+pt', '1'],
      ],
    },
    { name: 'native RGB planar 0', options: [['+sv', '5']] },
  ];
  for (const c of cases) {
    const spec = { ...pixelSpecs().find((s) => s.name === c.name)!, rows: 40, columns: 56, frames: 1 };
    const src = join(dir, 'in.dcm');
    writeFileSync(src, await buildPixelFile(spec));
    for (const opts of c.options) {
      const out = join(dir, 'out.dcm');
      const r = spawnSync('dcmcjpeg', ['+el', ...opts, src, out], { encoding: 'utf8' });
      t.equal(r.status, 0, `dcmcjpeg ${opts.join(' ')}: ${r.stderr}`);
      const f = parseDicom(readFileSync(out));
      const frame = encapsulatedFrames(f, 1)[0];
      const pt = opts.includes('+pt') ? Number(opts[opts.indexOf('+pt') + 1]) : 0;
      const got = decodeLosslessJpeg(frame);
      const bytes = got.precision > 8 ? 2 : 1;
      let same = true;
      for (let i = 0, y = 0; y < spec.rows; y++)
        for (let x = 0; x < spec.columns; x++)
          for (let s = 0; s < spec.samplesPerPixel; s++, i++) {
            const want = (pixelValue(spec, 0, x, y, s) >> pt) << pt;
            if ((bytes === 2 ? got.pixels.readUInt16LE(i * 2) : got.pixels[i]) !== want) same = false;
          }
      t.ok(same, `${c.name}, ${opts.join(' ')}: the source samples (low ${pt} bits dropped)`);
      const info = readImageInfo(f);
      const viaCodec = await decodeFrame(f.transferSyntax.uid, frame, info.photometric);
      t.ok(viaCodec.pixels.equals(got.pixels), 'decodeFrame takes the same path');
      // The source pixels are the oracle here: jpeg-lossless-decoder-js gets predictor 4 and point transforms wrong.
      if (!decodeJpegLosslessJs('', frame, got).pixels.equals(got.pixels)) t.comment(`jpeg-lossless-decoder-js differs on ${opts.join(' ')}`);
    }
  }
});
