import t, { type Test } from 'tap';
import sharp from 'sharp';
import { parseDicom, serializeDicom } from '../src/dicom/file.js';
import type { DicomFile } from '../src/dicom/part10.js';
import { PIXEL_DATA } from '../src/dicom/tag.js';
import { valueBytes } from '../src/dicom/values.js';
import { codecFamily, decodeFrame, toInterleaved } from '../src/pixel/codecs.js';
import { encapsulatedFrames } from '../src/pixel/frames.js';
import * as TAG from '../src/dicom/tags.generated.js';
import { readImageInfo, readString, readStrings } from '../src/pixel/image.js';
import { maskPixelData } from '../src/pixel/mask.js';
import { renderPreview } from '../src/pixel/preview.js';
import { decodeRleFrame, RLE_LOSSLESS } from '../src/pixel/rle.js';
import { buildPixelFile, maskedValue, pixelSpecs, TEXT_REGION, type PixelSpec } from '../fixtures/pixel.js';

const inRegion = (x: number, y: number): boolean => x >= TEXT_REGION.x && x < TEXT_REGION.x + TEXT_REGION.width && y >= TEXT_REGION.y && y < TEXT_REGION.y + TEXT_REGION.height;

/** Every frame of an encapsulated file decoded to stored values, colour-by-pixel. */
async function decodedValues(f: DicomFile): Promise<number[][]> {
  const info = readImageInfo(f);
  const raw = encapsulatedFrames(f, info.frames);
  const out: number[][] = [];
  const signed = info.pixelRepresentation === 1;
  for (const data of raw) {
    let buf: Buffer;
    let bytes: number;
    let bits: number;
    let signExt: boolean;
    if (f.transferSyntax.uid === RLE_LOSSLESS) {
      const d = decodeRleFrame(data, { columns: info.columns, rows: info.rows, samplesPerPixel: info.samplesPerPixel, bitsAllocated: info.bitsAllocated });
      buf =
        info.samplesPerPixel > 1 ? toInterleaved({ pixels: d, width: info.columns, height: info.rows, components: info.samplesPerPixel, bitsPerSample: 8, signed, planar: 1 }) : d;
      bytes = info.bitsAllocated / 8;
      bits = info.bitsStored;
      signExt = true;
    } else {
      const d = await decodeFrame(f.transferSyntax.uid, data, info.photometric, signed);
      buf = d.planar ? toInterleaved(d) : d.pixels;
      bytes = d.bitsPerSample > 8 ? 2 : 1;
      bits = d.bitsPerSample;
      const fam = codecFamily(f.transferSyntax.uid);
      signExt = fam === 'j2k' || fam === 'htj2k';
    }
    const n = buf.length / bytes;
    const vals: number[] = new Array(n);
    const width = signExt ? bytes * 8 : bits;
    for (let i = 0; i < n; i++) {
      let v = bytes === 1 ? buf[i] : bytes === 2 ? buf.readUInt16LE(i * 2) : buf.readUInt32LE(i * 4);
      v = v % 2 ** width;
      if (signed && v >= 2 ** (width - 1)) v -= 2 ** width;
      vals[i] = v;
    }
    out.push(vals);
  }
  return out;
}

async function checkPreview(t: Test, f: DicomFile, spec: PixelSpec): Promise<void> {
  const png = await renderPreview(f, { frame: spec.frames, regions: [TEXT_REGION] });
  t.same(png.subarray(0, 8), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 'preview is a PNG');
  const meta = await sharp(png).metadata();
  t.equal(meta.width, spec.columns, 'preview width');
  t.equal(meta.height, spec.rows, 'preview height');
}

/** Re-reads a written file and checks its Pixel Data lengths hold together. */
function roundTrip(t: Test, f: DicomFile, spec: PixelSpec): DicomFile {
  const out = serializeDicom(f);
  const g = parseDicom(out);
  t.same(serializeDicom(g), out, 'written file reads back and writes the same bytes');
  const info = readImageInfo(g);
  const el = g.dataset.get(PIXEL_DATA)!;
  if (g.transferSyntax.encapsulated) {
    t.equal(el.fragments!.length, spec.frames + 1, 'one fragment per frame after the offset table');
    t.equal(encapsulatedFrames(g, info.frames).length, spec.frames, 'offset table matches the fragments');
  } else {
    const need = info.bitsAllocated === 1 ? Math.ceil((info.rows * info.columns * info.frames) / 8) : info.frameBytes * info.frames;
    t.equal(el.length, need + (need & 1), 'native Pixel Data length');
  }
  return g;
}

for (const spec of pixelSpecs()) {
  const lossyJpeg = codecFamily(spec.transferSyntax) === 'jpeg';
  t.test(spec.name, async (t) => {
    const original = await buildPixelFile(spec);
    const f = parseDicom(original);
    t.equal(f.transferSyntax.uid, spec.transferSyntax);
    const before = f.transferSyntax.encapsulated ? await decodedValues(f) : undefined;
    if (lossyJpeg) {
      // 'decoded': the file is left alone, the masked frames come back.
      const r = await maskPixelData(f, [TEXT_REGION]);
      t.equal(r.output, 'decoded-only');
      t.same(serializeDicom(f), original, 'file unchanged');
      const fr = r.decoded!.frames[0];
      let inside = 0;
      let outsideSame = 0;
      let outsideN = 0;
      for (let y = 0; y < spec.rows; y++)
        for (let x = 0; x < spec.columns; x++)
          for (let s = 0; s < spec.samplesPerPixel; s++) {
            const i = (y * spec.columns + x) * spec.samplesPerPixel + s;
            if (inRegion(x, y)) inside += fr.pixels[i] === spec.fill[s] ? 0 : 1;
            else {
              outsideN++;
              outsideSame += fr.pixels[i] === before![0][i] ? 1 : 0;
            }
          }
      t.equal(inside, 0, 'decoded frame: region holds the fill');
      t.equal(outsideSame, outsideN, 'decoded frame: outside as decoded');
      // 'native': Explicit VR Little Endian, exact.
      const n = parseDicom(original);
      const rn = await maskPixelData(n, [TEXT_REGION], { lossy: 'native' });
      t.equal(rn.output, 'converted-native');
      const g = roundTrip(t, n, spec);
      t.equal(g.transferSyntax.uid, '1.2.840.10008.1.2.1');
      t.equal(readString(g, TAG.PhotometricInterpretation), spec.samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2');
      t.equal(readString(g, TAG.LossyImageCompression), '01');
      const px = valueBytes(g.dataset.get(PIXEL_DATA)!, g.body)!;
      let bad = 0;
      for (let i = 0; i < spec.rows * spec.columns * spec.samplesPerPixel; i++) {
        const p = Math.floor(i / spec.samplesPerPixel);
        const x = p % spec.columns;
        const y = Math.floor(p / spec.columns);
        const want = inRegion(x, y) ? spec.fill[i % spec.samplesPerPixel] : before![0][i];
        if (px[i] !== want) bad++;
      }
      t.equal(bad, 0, 'native: region filled, the rest as decoded');
      await checkPreview(t, g, spec);
      // 'reencode': lossy again, history recorded.
      const l = parseDicom(original);
      const rl = await maskPixelData(l, [TEXT_REGION], { lossy: 'reencode', quality: 95 });
      t.equal(rl.output, 'reencoded-lossy');
      const h = roundTrip(t, l, spec);
      t.equal(h.transferSyntax.uid, spec.transferSyntax);
      t.equal(readString(h, TAG.LossyImageCompression), '01');
      t.same(readStrings(h, TAG.LossyImageCompressionMethod), ['ISO_10918_1']);
      t.ok(Number(readStrings(h, TAG.LossyImageCompressionRatio)[0]) > 1, 'ratio recorded');
      const after = await decodedValues(h);
      let sum = 0;
      let cnt = 0;
      for (let y = TEXT_REGION.y + 1; y < TEXT_REGION.y + TEXT_REGION.height - 1; y++)
        for (let x = TEXT_REGION.x + 1; x < TEXT_REGION.x + TEXT_REGION.width - 1; x++) {
          sum += after[0][(y * spec.columns + x) * spec.samplesPerPixel];
          cnt++;
        }
      t.ok(sum / cnt < 12, `re-encoded region is dark (mean ${(sum / cnt).toFixed(1)})`);
      await checkPreview(t, h, spec);
      return;
    }
    const r = await maskPixelData(f, [TEXT_REGION]);
    t.ok(r.pixels >= TEXT_REGION.width * TEXT_REGION.height * spec.frames, 'pixels filled');
    const g = roundTrip(t, f, spec);
    t.equal(g.transferSyntax.uid, spec.transferSyntax, 'same transfer syntax');
    if (!g.transferSyntax.encapsulated) {
      const expected = parseDicom(await buildPixelFile(spec, TEXT_REGION));
      const got = valueBytes(g.dataset.get(PIXEL_DATA)!, g.body)!;
      const want = valueBytes(expected.dataset.get(PIXEL_DATA)!, expected.body)!;
      t.ok(got.equals(want), 'Pixel Data: region filled, every other byte unchanged');
    } else {
      const after = await decodedValues(g);
      let badIn = 0;
      let badOut = 0;
      for (let fi = 0; fi < spec.frames; fi++)
        for (let y = 0; y < spec.rows; y++)
          for (let x = 0; x < spec.columns; x++)
            for (let s = 0; s < spec.samplesPerPixel; s++) {
              const i = (y * spec.columns + x) * spec.samplesPerPixel + s;
              const v = after[fi][i];
              if (inRegion(x, y)) badIn += v === spec.fill[s] ? 0 : 1;
              else if (spec.lossless) badOut += v === maskedValue(spec, TEXT_REGION, fi, x, y, s) ? 0 : 1;
              else badOut += v === before![fi][i] ? 0 : 1;
            }
      t.equal(badIn, 0, 'decoded: region holds the fill in every frame');
      t.equal(badOut, 0, spec.lossless ? 'decoded: outside exactly the original' : 'decoded: outside exactly as decoded before (lossless re-encode)');
      t.equal(r.output, spec.transferSyntax === RLE_LOSSLESS ? 'rle' : 'reencoded-lossless');
    }
    await checkPreview(t, g, spec);
  });
}
