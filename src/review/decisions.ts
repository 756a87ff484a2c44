// Release and reject. Release de-identifies the input through the per-file job with the reviewed
// rectangles as masks (fail closed: processFile quarantines what it cannot clean, and an image
// with no rectangle stays quarantined); only a written output takes the file out of quarantine.
// Every decision is a line of review-log.ndjson beside the source's own records.

import { appendFileSync, copyFileSync, existsSync, mkdirSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { DeidEnv } from '../deid/state.js';
import type { Layout } from '../job/layout.js';
import { processFile } from '../job/process-file.js';
import type { FileOutcome } from '../job/outcome.js';
import { ReviewError } from './errors.js';
import { REVIEW_LOG } from './sources.js';
import type { Box, QuarantinedItem, ReviewLogEntry } from './types.js';

const MAX_NOTE = 2000;

function appendLog(root: string, e: ReviewLogEntry): void {
  appendFileSync(join(root, REVIEW_LOG), JSON.stringify(e) + '\n', { mode: 0o600 });
}

/** Renames, or across file systems copies and unlinks; never over an existing file. */
function move(src: string, dst: string): void {
  if (existsSync(dst)) throw new ReviewError('REVIEW_CONFLICT', `${basename(dst)} already exists in the released folder`);
  mkdirSync(dirname(dst), { recursive: true });
  try {
    renameSync(src, dst);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    copyFileSync(src, dst);
    unlinkSync(src);
  }
}

/**
 * A watch quarantine's original and its reason go to the sibling `released/` folder (the watch
 * puts done/, failed/ and quarantine/ side by side). A run's inputs are never moved: the log says
 * they were released.
 */
function leaveQuarantine(item: QuarantinedItem): string | undefined {
  if (item.source.kind !== 'watch') return undefined;
  const rel = relative(item.source.root, item.path);
  const dst = join(dirname(item.source.root), 'released', rel);
  move(item.path, dst);
  if (existsSync(item.path + '.reason.json')) move(item.path + '.reason.json', dst + '.reason.json');
  return dst;
}

export interface ReleaseContext {
  out: string;
  env?: DeidEnv;
  /** a server job's destination, opened confined; its layout and the image's name in the job (default hierarchy) */
  outFd?: number;
  layout?: Layout;
  rel?: string;
}

export type ReleaseResult = { released: true; entry: ReviewLogEntry } | { released: false; outcome: FileOutcome };

export async function release(item: QuarantinedItem, boxes: Box[], reviewer: string, ctx: ReleaseContext): Promise<ReleaseResult> {
  if (boxes.length === 0) throw new ReviewError('REVIEW_INVALID', 'draw at least one rectangle: an image with burned-in text is released only with its masks');
  const masks = boxes.map((b) => ({ x: b.x, y: b.y, width: b.width, height: b.height, ...(b.frame ? { frames: [b.frame] } : {}) }));
  const outcome = await processFile(item.path, ctx.rel ?? basename(item.path), {
    out: ctx.out,
    outFd: ctx.outFd,
    layout: ctx.layout ?? 'hierarchy',
    env: ctx.env,
    masks,
    noClobber: true,
    noOverwrite: true,
  });
  if (outcome.status !== 'written') return { released: false, outcome };
  const moved = leaveQuarantine(item);
  const entry: ReviewLogEntry = {
    id: item.id,
    input: item.path,
    action: 'released',
    reviewer,
    at: new Date().toISOString(),
    output: outcome.output,
    ...(moved ? { moved_to: moved } : {}),
    masks: boxes,
  };
  appendLog(item.source.root, entry);
  return { released: true, entry };
}

/** The file stays quarantined; the note says why. */
export function reject(item: QuarantinedItem, note: string, reviewer: string): ReviewLogEntry {
  const entry: ReviewLogEntry = { id: item.id, input: item.path, action: 'rejected', reviewer, at: new Date().toISOString(), note: note.slice(0, MAX_NOTE) };
  appendLog(item.source.root, entry);
  return entry;
}
