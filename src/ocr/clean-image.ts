// Burned-in text, found, masked and checked: recognise the frames, mask the text the policy
// chooses, recognise the masked frames again. Only a second pass that reads nothing in the masks
// and no identifier anywhere lets the image be written as clean.
import type { DicomFile } from '../dicom/part10.js';
import { clipRect, readImageInfo, type MaskRegion, type Rect } from '../pixel/index.js';
import { coveredShare, fileDetectContext, identifierWords, isReadable, isText } from './classify.js';
import { recognize } from './engine.js';
import { distinctFrames, frameGroupsReport, ocrFrame } from './frames.js';
import type { OcrBox, OcrSettings, OcrWord, PixelCheck } from './types.js';

export interface OcrCleanOptions {
  settings: OcrSettings;
  /** Regions a mask rule of the profile applies anyway (masked with the boxes found). */
  ruleRegions: MaskRegion[];
  /** Masks the regions in every frame, with the profile's codecs (throws PixelError when it cannot). */
  mask: (regions: MaskRegion[]) => Promise<void>;
}

export interface OcrCleanResult {
  /** clean: masked and verified; unchanged: no text to mask (pixels untouched); quarantine: findings. */
  outcome: 'clean' | 'unchanged' | 'quarantine';
  /** Everything masked (rule regions and boxes). */
  regions: MaskRegion[];
  check: PixelCheck;
}

/** Rounds of masking: the second masks text the first pass missed beside what it masked. */
const MASK_ROUNDS = 2;

type FrameWords = { frame: number; height: number; words: OcrWord[] };

async function readFrames(f: DicomFile, frames: number[] | undefined, max: number): Promise<FrameWords[]> {
  const out: FrameWords[] = [];
  const scan = async (fr: Awaited<ReturnType<typeof ocrFrame>>): Promise<void> => {
    const words: OcrWord[] = [];
    // Both renderings are read; a word both read is kept once (the brighter rendering's first).
    for (const [tag, png] of [
      ['b', fr.bright],
      ['g', fr.png],
    ] as const) {
      for (const w of await recognize(png)) {
        const r = {
          ...w,
          line: `${tag}${w.line}`,
          x: Math.floor(w.x / fr.scale),
          y: Math.floor(w.y / fr.scale),
          width: Math.ceil(w.width / fr.scale),
          height: Math.ceil(w.height / fr.scale),
        };
        if (tag === 'g' && coveredShare(r, words) >= 0.5) continue;
        words.push(r);
      }
    }
    out.push({ frame: fr.frame, height: fr.height, words });
  };
  if (frames) for (const n of frames) await scan(await ocrFrame(f, n));
  else for await (const fr of distinctFrames(f, max)) await scan(fr);
  return out;
}

const pad = (r: Rect, p: number, columns: number, rows: number): Rect | undefined =>
  clipRect({ x: r.x - p, y: r.y - p, width: r.width + 2 * p, height: r.height + 2 * p }, columns, rows);

const box = (frame: number, w: OcrWord, masked: boolean, label: string | undefined): OcrBox => ({
  frame,
  x: w.x,
  y: w.y,
  width: w.width,
  height: w.height,
  confidence: Math.round(w.confidence * 10) / 10,
  masked,
  identifier: label !== undefined,
  ...(label ? { label } : {}),
});

/** Finds, masks and verifies the burned-in text of one image (see the file comment). */
export async function ocrCleanImage(f: DicomFile, o: OcrCleanOptions): Promise<OcrCleanResult> {
  const s = o.settings;
  const { columns, rows, frames } = readImageInfo(f);
  const ctx = fileDetectContext(f);
  const first = await readFrames(f, undefined, s.maxFrames);
  const sampled = first.map((x) => x.frame);
  const boxes: OcrBox[] = [];
  const masks: Rect[] = [];
  const choose = (pass: FrameWords[], already: Rect[]): Rect[] => {
    const chosen: Rect[] = [];
    for (const { frame, height, words } of pass) {
      const ids = identifierWords(words, ctx);
      for (const w of words) {
        const label = ids.get(w);
        if (!isText(w, s, height) && label === undefined) continue;
        if (coveredShare(w, already) >= 0.9) continue;
        const take = s.policy === 'all' || label !== undefined;
        const r = take ? pad(w, s.padding, columns, rows) : undefined;
        if (r) chosen.push(r);
        boxes.push(box(frame, w, r !== undefined, label));
      }
    }
    return chosen;
  };
  const ruleRects = o.ruleRegions.filter((r): r is Rect & { kind?: 'rect' } => r.kind !== 'outsideUltrasound');
  const regions: MaskRegion[] = [...o.ruleRegions];
  let pending = choose(first, ruleRects);
  const check = (): PixelCheck => ({
    method: 'ocr',
    policy: s.policy,
    frames,
    frames_ocr: sampled,
    ...frameGroupsReport(f),
    boxes,
    found: boxes.length,
    masked: boxes.filter((b) => b.masked).length,
    left: boxes.filter((b) => !b.masked).length,
  });
  if (pending.length === 0 && o.ruleRegions.length === 0) return { outcome: 'unchanged', regions: [], check: { ...check(), verified: true } };
  for (let round = 1; ; round++) {
    if (pending.length || round === 1) {
      masks.push(...pending);
      const now = [...(round === 1 ? o.ruleRegions : []), ...pending];
      regions.push(...pending);
      if (now.length) await o.mask(now);
    }
    const last = await readFrames(f, sampled, s.maxFrames);
    const covered = [...ruleRects, ...masks];
    const findings: string[] = [];
    const more: Rect[] = [];
    for (const { frame, height, words } of last) {
      const ids = identifierWords(words, ctx);
      for (const w of words) {
        const inside = coveredShare(w, covered) >= 0.25;
        const label = ids.get(w);
        if (inside && (isReadable(w, s) || label !== undefined))
          findings.push(`frame ${frame}: readable text left in a masked region at ${w.x},${w.y} (confidence ${Math.round(w.confidence)})`);
        else if (label !== undefined) {
          if (round < MASK_ROUNDS) more.push(w);
          else findings.push(`frame ${frame}: ${label} left at ${w.x},${w.y} (confidence ${Math.round(w.confidence)})`);
        } else if (s.policy === 'all' && isText(w, s, height) && round < MASK_ROUNDS) more.push(w);
        if (round === MASK_ROUNDS || findings.length) {
          if (!inside && (label !== undefined || isText(w, s, height))) boxes.push(box(frame, w, false, label));
        }
      }
    }
    if (findings.length) return { outcome: 'quarantine', regions, check: { ...check(), verified: false, findings } };
    if (more.length === 0 || round >= MASK_ROUNDS) return { outcome: 'clean', regions, check: { ...check(), verified: true } };
    pending = choose(
      last.map((x) => ({ ...x, words: x.words.filter((w) => more.includes(w)) })),
      covered,
    );
  }
}
