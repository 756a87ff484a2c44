// Burned-in text, found, masked and checked: read the frames, mask the text the policy chooses,
// read the masked frames again. Only a second pass that reads nothing in the masks and no
// identifier anywhere lets the image be written as clean.
import type { DicomFile } from '../dicom/part10.js';
import { clipRect, readImageInfo, type MaskRegion, type Rect } from '../pixel/index.js';
import { alnum, coveredShare, FLOOR, fileDetectContext, isReadable, isText, isTextLine } from './classify.js';
import { frameText, type FrameText } from './frame-text.js';
import { frameGroupsReport, groupFrames } from './frames.js';
import { identifierLines, UNSURE } from './identifier-lines.js';
import type { OcrBox, OcrSettings, PixelCheck } from './types.js';
import { horizontalGap, verticalOverlap } from './row-geometry.js';

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
      const overlap = verticalOverlap(a, b);
      const gap = horizontalGap(a, b);
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
  identifier: label !== undefined && label !== UNSURE,
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
   * What to mask: each chosen line whole, padded (the gaps between its words and any glyph the
   * recogniser dropped are masked too). All text: every text line. Identifiers: every line that
   * holds an identifier, label and value (src/ocr/identifier-lines.ts). `only`: the lines still to
   * mask (later rounds), as frame:line keys.
   */
  const choose = (pass: FrameText[], already: Rect[], only?: Set<string>): Rect[] => {
    const chosen: Rect[] = [];
    for (const t of pass) {
      const { frame, height, words, lines } = t;
      const flagged = identifierLines(t, ctx, s, { unsure: s.policy === 'identifiers' });
      lines.forEach((line, k) => {
        if (only && !only.has(`${frame}:${k}`)) return;
        const own = words.filter((w) => w.line === String(k)).sort((a, b) => a.x - b.x);
        const label = flagged.get(k);
        const chosenLine = label !== undefined || (s.policy === 'all' && isTextLine(line, own, s, height));
        const p = Math.max(s.padding, Math.round(line.glyph / 4));
        if (!chosenLine) {
          for (const w of own) if (isText(w, s, height)) boxes.push(box(frame, w, false, undefined));
          return;
        }
        const r = coveredShare(line, already) >= 0.9 ? undefined : padLine(union([line, ...own]), p, line.glyph, columns, rows);
        if (r) chosen.push(r);
        const shown = own.filter((w) => isText(w, s, height) || label !== undefined);
        if (shown.length) for (const w of shown) boxes.push(box(frame, w, r !== undefined, label));
        else boxes.push(box(frame, { ...line, confidence: Math.max(0, ...own.map((w) => w.confidence)) }, r !== undefined, label));
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
    const more = new Set<string>();
    for (const t of last) {
      const { frame, height, words, lines } = t;
      const flagged = identifierLines(t, ctx, s, { unsure: s.policy === 'identifiers' });
      for (const w of words) {
        const inside = coveredShare(w, covered) >= 0.25;
        const label = flagged.get(Number(w.line));
        const text = isText(w, s, height) || (s.policy === 'all' && isTextLine(lines[Number(w.line)], [w], s, height));
        if (inside && (isReadable(w, s) || (label !== undefined && label !== UNSURE && w.confidence >= FLOOR && alnum(w.text) >= 2)))
          findings.push(`frame ${frame}: readable text left in a masked region at ${w.x},${w.y} (confidence ${Math.round(w.confidence)})`);
        else if (!inside && (label !== undefined || (s.policy === 'all' && text))) {
          if (round < MASK_ROUNDS) more.add(`${frame}:${w.line}`);
          else if (label !== undefined)
            findings.push(`frame ${frame}: ${label === UNSURE ? 'unreadable text' : label} left at ${w.x},${w.y} (confidence ${Math.round(w.confidence)})`);
        }
        if (round === MASK_ROUNDS || findings.length) {
          if (!inside && (label !== undefined || text)) boxes.push(box(frame, w, false, label));
        }
      }
      // flagged lines with no word outside the masks (an unsure row read as nothing)
      for (const [k, label] of flagged) {
        if (coveredShare(lines[k], covered) >= 0.5 || words.some((w) => w.line === String(k))) continue;
        if (round < MASK_ROUNDS) more.add(`${frame}:${k}`);
        else findings.push(`frame ${frame}: ${label === UNSURE ? 'unreadable text' : label} left at ${lines[k].x},${lines[k].y}`);
      }
    }
    if (findings.length) return { outcome: 'quarantine', regions, check: { ...check(), verified: false, findings } };
    if (more.size === 0 || round >= MASK_ROUNDS) return { outcome: 'clean', regions, check: { ...check(), verified: true } };
    pending = choose(last, covered, more);
  }
}
