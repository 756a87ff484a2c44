// Images for the OCR bench, made in code: text burned in at known places (DejaVu fonts through
// sharp's SVG rendering, 8–40 px), on dark ground, noise, ultrasound-like speckle, or in inverse
// video (dark text on light labels), written as MONOCHROME2, MONOCHROME1 or RGB DICOM.
import sharp from 'sharp';
import { buildDicom, type FixtureElement } from '../fixtures/build.js';

export interface GoldBox {
  x: number;
  y: number;
  width: number;
  height: number;
  size: number;
  identifier: boolean;
  /** The item's ink: frame offsets (y × width + x) of the pixels it covers when rendered alone. */
  ink: number[];
}

export interface BenchImage {
  name: string;
  background: Background;
  encoding: Encoding;
  dicom: Buffer;
  gold: GoldBox[];
}

export type Background = 'dark' | 'noise' | 'speckle' | 'inverse';
export type Encoding = 'MONOCHROME2' | 'MONOCHROME1' | 'RGB';

export const BACKGROUNDS: Background[] = ['dark', 'noise', 'speckle', 'inverse'];
export const ENCODINGS: Encoding[] = ['MONOCHROME2', 'MONOCHROME1', 'RGB'];
export const SIZES = [8, 10, 12, 14, 16, 20, 24, 32, 40];
const FONTS = ['DejaVu Sans', 'DejaVu Sans Mono', 'DejaVu Serif'];
const W = 640;
const H = 480;

/** A small deterministic generator (mulberry32), so a seed gives the same set. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const digits = (r: () => number, n: number): string => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
const LAST = ['SMITH', 'JANSEN', 'MULLER', 'DUBOIS', 'GARCIA', 'OKONKWO', 'NGUYEN', 'KOWALSKI'];
const FIRST = ['JANE', 'PIETER', 'ANNA', 'LUC', 'MARIA', 'CHIDI', 'LINH', 'TOMASZ'];

/** An identifier as scanners burn them in: names, dates, record and accession numbers. */
function identifier(r: () => number): string {
  const d = `${String(1 + Math.floor(r() * 28)).padStart(2, '0')}/${String(1 + Math.floor(r() * 12)).padStart(2, '0')}/${1940 + Math.floor(r() * 70)}`;
  return pick(r, [`${pick(r, LAST)}^${pick(r, FIRST)}`, `${pick(r, LAST)}, ${pick(r, FIRST)}`, `DOB ${d}`, d, `MRN ${digits(r, 8)}`, `ID: ${digits(r, 7)}`, `ACC ${digits(r, 6)}`]);
}

/** Annotations that are not identifiers (they are masked too under the "all" policy). */
const ANNOTATION = ['LYMPH NODE', 'TIS 0.4', 'MI 0.8', 'GAIN 52', 'L12-5', 'DEPTH 4cm', 'RT KIDNEY', 'TRANSVERSE', 'CINE 0118', 'THYROID'];

function background(kind: Background, r: () => number): Buffer {
  const px = Buffer.alloc(W * H);
  for (let i = 0; i < px.length; i++) {
    if (kind === 'dark') px[i] = Math.floor(r() * 18);
    else if (kind === 'noise' || kind === 'inverse') px[i] = Math.floor(r() * 140);
    else {
      // speckle: a Rayleigh draw, brighter in a fan below the banner, as B-mode images look
      const x = i % W;
      const y = (i / W) | 0;
      const inFan = y > 90 && Math.abs(x - W / 2) < (y - 60) * 0.7;
      const ray = Math.sqrt(-2 * Math.log(1 - r() * 0.999)) * (inFan ? 55 : 8);
      px[i] = Math.min(235, Math.floor(ray));
    }
  }
  return px;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/\^/g, '^');

/** The ink box of one text item, found by rendering it alone. */
async function inkBox(svgText: string): Promise<{ x: number; y: number; width: number; height: number; ink: number[] } | undefined> {
  const { data } = await sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${svgText}</svg>`))
    .ensureAlpha()
    .extractChannel(3)
    .raw()
    .toBuffer({ resolveWithObject: true });
  let x0 = W;
  let y0 = H;
  let x1 = -1;
  let y1 = -1;
  const ink: number[] = [];
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      if (data[y * W + x] > 40) {
        ink.push(y * W + x);
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
  return x1 < 0 ? undefined : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1, ink };
}

/**
 * The header a scanner writes beside the identifiers it burns in (`--header-ids`): name, ID,
 * accession number and birth date taken from the image's identifier items.
 */
function headerOf(ids: string[]): { tag: number; vr: string; value: string }[] {
  const out = new Map<number, { tag: number; vr: string; value: string }>();
  for (const t of ids) {
    const name = /^([A-Z]+)(?:\^|, )([A-Z]+)$/.exec(t);
    const date = /(\d{2})\/(\d{2})\/(\d{4})$/.exec(t);
    if (name) out.set(0x00100010, { tag: 0x00100010, vr: 'PN', value: `${name[1]}^${name[2]}` });
    else if (date) out.set(0x00100030, { tag: 0x00100030, vr: 'DA', value: `${date[3]}${date[2]}${date[1]}` });
    else if (t.startsWith('ACC')) out.set(0x00080050, { tag: 0x00080050, vr: 'SH', value: t.slice(4) });
    else out.set(0x00100020, { tag: 0x00100020, vr: 'LO', value: t.replace(/^\D+/, '') });
  }
  return [...out.values()];
}

/** One image: 4–7 text items in rows, half of them identifiers; `headerIds`: the header holds them too. */
export async function makeImage(i: number, seed: number, headerIds = false): Promise<BenchImage> {
  const r = rng(seed * 7919 + i);
  const bg = BACKGROUNDS[i % BACKGROUNDS.length];
  const encoding = ENCODINGS[Math.floor(i / BACKGROUNDS.length) % ENCODINGS.length];
  const px = background(bg, r);
  const items: string[] = [];
  const gold: GoldBox[] = [];
  const ids: string[] = [];
  let y = 6;
  const n = 4 + Math.floor(r() * 4);
  for (let k = 0; k < n && y < H - 10; k++) {
    const size = pick(r, SIZES);
    const isId = k % 2 === 0;
    const text = isId ? identifier(r) : pick(r, ANNOTATION);
    if (isId) ids.push(text);
    const approx = Math.ceil(text.length * size * 0.65);
    if (y + size * 1.4 > H) break;
    const x = 4 + Math.floor(r() * Math.max(1, W - approx - 8));
    const font = pick(r, FONTS);
    const fg = bg === 'inverse' ? 0 : pick(r, [255, 235, 200]);
    const label = bg === 'inverse' ? `<rect x="${x - 4}" y="${y}" width="${approx + 8}" height="${Math.ceil(size * 1.35)}" fill="rgb(235,235,235)"/>` : '';
    const t = `<text x="${x}" y="${y + size}" font-family="${font}" font-size="${size}" fill="rgb(${fg},${fg},${fg})">${esc(text)}</text>`;
    const box = await inkBox(t);
    if (box) gold.push({ ...box, size, identifier: isId });
    items.push(label + t);
    y += Math.ceil(size * 1.5) + 4 + Math.floor(r() * 30);
  }
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${items.join('')}</svg>`);
  const grey = await sharp(px, { raw: { width: W, height: H, channels: 1 } })
    .composite([{ input: svg }])
    .greyscale()
    .removeAlpha()
    .raw()
    .toBuffer();
  return { name: `img${i}-${bg}-${encoding}`, background: bg, encoding, gold, dicom: toDicom(grey.subarray(0, W * H), encoding, i, headerIds ? headerOf(ids) : []) };
}

/** Grey pixels as an ultrasound DICOM image of the given encoding (MONOCHROME1 stored inverted, so it looks the same). */
function toDicom(grey: Buffer, encoding: Encoding, i: number, header: { tag: number; vr: string; value: string }[]): Buffer {
  let px: Buffer = grey;
  if (encoding === 'MONOCHROME1') px = Buffer.from(grey.map((v) => 255 - v));
  if (encoding === 'RGB') {
    px = Buffer.alloc(W * H * 3);
    for (let p = 0; p < W * H; p++) px[p * 3] = px[p * 3 + 1] = px[p * 3 + 2] = grey[p];
  }
  const spp = encoding === 'RGB' ? 3 : 1;
  return buildDicom({
    sopClassUID: '1.2.840.10008.5.1.4.1.1.6.1',
    elements: (
      [
        { tag: 0x00080016, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.6.1' },
        { tag: 0x00080018, vr: 'UI', value: `2.25.${1000 + i}` },
        { tag: 0x00080060, vr: 'CS', value: 'US' },
        ...(header.some((h) => h.tag === 0x00100010) ? [] : [{ tag: 0x00100010, vr: 'PN', value: 'Bench^Patient' }]),
        ...header,
        { tag: 0x00280002, vr: 'US', value: [spp] },
        { tag: 0x00280004, vr: 'CS', value: encoding },
        ...(spp === 3 ? [{ tag: 0x00280006, vr: 'US', value: [0] }] : []),
        { tag: 0x00280010, vr: 'US', value: [H] },
        { tag: 0x00280011, vr: 'US', value: [W] },
        { tag: 0x00280100, vr: 'US', value: [8] },
        { tag: 0x00280101, vr: 'US', value: [8] },
        { tag: 0x00280102, vr: 'US', value: [7] },
        { tag: 0x00280103, vr: 'US', value: [0] },
        { tag: 0x7fe00010, vr: 'OB', value: px },
      ] as FixtureElement[]
    ).sort((a, b) => a.tag - b.tag),
  });
}
