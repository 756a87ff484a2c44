// Burned-in text, found, masked and checked: read the frames, mask the text the policy chooses,
// read the masked frames again. Only a second pass that reads nothing in the masks and no
// identifier anywhere lets the image be written as clean.
import type { DicomFile } from '../dicom/part10.js';
import { clipRect, readImageInfo, type MaskRegion, type Rect } from '../pixel/index.js';
import { coveredShare, fileDetectContext, identifierWords, isReadable, isText, isTextLine } from './classify.js';
import { frameText, type FrameText } from './frame-text.js';
import { frameGroupsReport, groupFrames } from './frames.js';
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

/** The frames given read, equal ones (by their rendered pixels) once. */
async function readFrames(f: DicomFile, frames: number[]): Promise<FrameText[]> {
  const out: FrameText[] = [];
  const seen = new Set<string>();
  for (const n of frames) {
    const t = await frameText(f, n);
    if (seen.has(t.hash)) continue;
    seen.add(t.hash);
    out.push(t);
  }
  return out;
}

const pad = (r: Rect, p: number, columns: number, rows: number): Rect | undefined =>
  clipRect({ x: r.x - p, y: r.y - p, width: r.width + 2 * p, height: r.height + 2 * p }, columns, rows);

/** Padded, wider than high: a glyph dropped at either end of a line (thin, faint) is masked too. */
const padLine = (r: Rect, p: number, glyph: number, columns: number, rows: number): Rect | undefined => {
  const px = Math.max(p, Math.round(1.2 * glyph));
  return clipRect({ x: r.x - px, y: r.y - p, width: r.width + 2 * px, height: r.height + 2 * p }, columns, rows);
};

/**
 * Masks of one row joined across small gaps: a line the cheap pass split where glyphs were too
 * faint to find (the gap is text too).
 */
export function joinRow(rs: Rect[]): Rect[] {
  const out = [...rs].sort((a, b) => a.x - b.x);
  for (let i = 0; i < out.length; i++) {
    for (let j = i + 1; j < out.length; j++) {
      const a = out[i];
      const b = out[j];
      const overlap = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
      const gap = Math.max(a.x, b.x) - Math.min(a.x + a.width, b.x + b.width);
      if (overlap < 0.5 * Math.min(a.height, b.height) || gap > Math.min(a.height, b.height)) continue;
      out[i] = union([a, b]);
      out.splice(j, 1);
      j = i;
    }
  }
  return out;
}

const union = (rs: Rect[]): Rect => {
  const x = Math.min(...rs.map((r) => r.x));
  const y = Math.min(...rs.map((r) => r.y));
  return { x, y, width: Math.max(...rs.map((r) => r.x + r.width)) - x, height: Math.max(...rs.map((r) => r.y + r.height)) - y };
};

const box = (frame: number, w: Rect & { confidence: number }, masked: boolean, label: string | undefined): OcrBox => ({
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
  // one frame per group of frames showing the same text region; more groups than the budget: OCR_BUDGET (quarantined)
  const first = await readFrames(
    f,
    (await groupFrames(f, s.maxFrames)).map((g) => g.frame),
  );
  const sampled = first.map((x) => x.frame);
  const boxes: OcrBox[] = [];
  const masks: Rect[] = [];
  /**
   * What to mask. All text: each text line whole, padded (the gaps between its words and any
   * glyph the recogniser dropped are masked too). Identifiers: each run of flagged words of a
   * line, padded. `only`: the words still to mask (later rounds).
   */
  const choose = (pass: FrameText[], already: Rect[], only?: Set<OcrWord>): Rect[] => {
    const chosen: Rect[] = [];
    for (const { frame, height, words, lines } of pass) {
      const ids = identifierWords(words, ctx);
      lines.forEach((line, k) => {
        const own = words.filter((w) => w.line === String(k)).sort((a, b) => a.x - b.x);
        if (only && !own.some((w) => only.has(w))) return;
        const textLine = s.policy === 'all' && isTextLine(line, own, s, height);
        const p = Math.max(s.padding, Math.round(line.glyph / 4));
        if (textLine) {
          const r = coveredShare(line, already) >= 0.9 ? undefined : padLine(union([line, ...own]), p, line.glyph, columns, rows);
          if (r) chosen.push(r);
          const shown = own.filter((w) => isText(w, s, height) || ids.has(w));
          if (shown.length) for (const w of shown) boxes.push(box(frame, w, r !== undefined, ids.get(w)));
          else boxes.push(box(frame, { ...line, confidence: Math.max(0, ...own.map((w) => w.confidence)) }, r !== undefined, undefined));
          return;
        }
        // Runs of consecutive identifier words, masked as one (the gap between "DOB" and the date).
        let run: OcrWord[] = [];
        const flush = (): void => {
          if (!run.length) return;
          const r = coveredShare(union(run), already) >= 0.9 ? undefined : pad(union(run), p, columns, rows);
          if (r) chosen.push(r);
          for (const w of run) boxes.push(box(frame, w, r !== undefined, ids.get(w)));
          run = [];
        };
        for (const w of own) {
          if (ids.has(w)) run.push(w);
          else {
            flush();
            if (isText(w, s, height)) boxes.push(box(frame, w, false, undefined));
          }
        }
        flush();
      });
    }
    return joinRow(chosen);
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
    const last = await readFrames(f, sampled);
    const covered = [...ruleRects, ...masks];
    const findings: string[] = [];
    const more = new Set<OcrWord>();
    for (const { frame, height, words, lines } of last) {
      const ids = identifierWords(words, ctx);
      for (const w of words) {
        const inside = coveredShare(w, covered) >= 0.25;
        const label = ids.get(w);
        const text = isText(w, s, height) || (s.policy === 'all' && isTextLine(lines[Number(w.line)], [w], s, height));
        if (inside && (isReadable(w, s) || label !== undefined))
          findings.push(`frame ${frame}: readable text left in a masked region at ${w.x},${w.y} (confidence ${Math.round(w.confidence)})`);
        else if (label !== undefined) {
          if (round < MASK_ROUNDS) more.add(w);
          else findings.push(`frame ${frame}: ${label} left at ${w.x},${w.y} (confidence ${Math.round(w.confidence)})`);
        } else if (s.policy === 'all' && text && !inside && round < MASK_ROUNDS) more.add(w);
        if (round === MASK_ROUNDS || findings.length) {
          if (!inside && (label !== undefined || text)) boxes.push(box(frame, w, false, label));
        }
      }
    }
    if (findings.length) return { outcome: 'quarantine', regions, check: { ...check(), verified: false, findings } };
    if (more.size === 0 || round >= MASK_ROUNDS) return { outcome: 'clean', regions, check: { ...check(), verified: true } };
    pending = choose(last, covered, more);
  }
}
