// Lists quarantined inputs from the folders anonflow already writes, read-only: a watch
// quarantine folder (each original beside its `<name>.reason.json`) or a run's report folder
// (journal.ndjson, else report.json). Review decisions go to review-log.ndjson in that folder.

import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { walk } from '../io/walk.js';
import { Journal } from '../job/journal.js';
import { ReviewError } from './errors.js';
import type { OcrBox, QuarantinedItem, ReviewLogEntry, ReviewSource } from './types.js';

const SIDE = '.reason.json';
export const REVIEW_LOG = 'review-log.ndjson';
/** Entries a quarantine folder may hold before listing stops (a bound, not a limit anyone should meet). */
const MAX_ENTRIES = 200_000;

export const itemId = (path: string): string => createHash('sha256').update(resolve(path)).digest('hex').slice(0, 16);

/** What kind of folder a review path is; anything else is refused. */
export function reviewSource(path: string): ReviewSource {
  const root = resolve(path);
  let st;
  try {
    st = statSync(root);
  } catch {
    throw new ReviewError('REVIEW_SOURCE', `${path} does not exist`);
  }
  if (!st.isDirectory()) throw new ReviewError('REVIEW_SOURCE', `${path} is not a folder (give a watch quarantine folder or a run's report folder)`);
  const run = existsSync(join(root, 'journal.ndjson')) || existsSync(join(root, 'report.json'));
  return { kind: run ? 'run' : 'watch', root };
}

/** Only well-formed boxes of an OCR record survive (the field is optional and written by another room). */
export function readBoxes(v: unknown): OcrBox[] {
  if (!Array.isArray(v)) return [];
  const out: OcrBox[] = [];
  for (const b of v) {
    if (!b || typeof b !== 'object') continue;
    const { x, y, width, height, frame, confidence, masked, identifier } = b as Record<string, unknown>;
    if (![x, y, width, height].every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)) continue;
    out.push({
      x: x as number,
      y: y as number,
      width: width as number,
      height: height as number,
      ...(typeof frame === 'number' ? { frame } : {}),
      ...(typeof confidence === 'number' ? { confidence } : {}),
      ...(typeof masked === 'boolean' ? { masked } : {}),
      ...(typeof identifier === 'boolean' ? { identifier } : {}),
    });
  }
  return out;
}

/** The last decision per item id (a later line wins). */
export function readReviewLog(root: string): Map<string, ReviewLogEntry> {
  const m = new Map<string, ReviewLogEntry>();
  const file = join(root, REVIEW_LOG);
  if (!existsSync(file)) return m;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      const e = JSON.parse(line) as ReviewLogEntry;
      if (typeof e.id === 'string') m.set(e.id, e);
    } catch {
      /* a line cut by a crash */
    }
  }
  return m;
}

/**
 * The sidecars below a quarantine folder, by the inputs' own walk without following a link: the
 * watch moves a link it refuses into quarantine as it is, and a link is no image of this folder to
 * show (readdir's own recursion would enter a linked folder, wherever it points). What the walk
 * cannot read (a folder the watch moves meanwhile) is simply not listed.
 */
async function sidecars(root: string): Promise<string[]> {
  const found: string[] = [];
  let seen = 0;
  for await (const f of walk([root], { followSymlinks: false })) {
    if (++seen > MAX_ENTRIES) break;
    if (f.rel.endsWith(SIDE)) found.push(f.rel);
  }
  return found.sort();
}

/** Only a regular file is an image to review: a quarantined link, FIFO or folder is listed by nothing. */
const regularFile = (path: string): boolean => lstatSync(path, { throwIfNoEntry: false })?.isFile() === true;

async function watchItems(src: ReviewSource): Promise<QuarantinedItem[]> {
  const names = await sidecars(src.root);
  const out: QuarantinedItem[] = [];
  for (const rel of names) {
    const path = join(src.root, rel.slice(0, -SIDE.length));
    if (!regularFile(path)) continue;
    let side: { reason?: unknown; pixels?: { boxes?: unknown } } = {};
    try {
      side = JSON.parse(readFileSync(join(src.root, rel), 'utf8'));
    } catch {
      /* a sidecar cut short: the file is still quarantined, with an unknown reason */
    }
    out.push({
      id: itemId(path),
      path,
      source: src,
      reason: typeof side.reason === 'string' ? side.reason : 'unknown (no reason recorded)',
      boxes: readBoxes(side.pixels?.boxes),
    });
  }
  return out;
}

/** A run's quarantine read from its journal, kept while the journal is unchanged (a server lists many jobs' at each request). */
const runCache = new Map<string, { stamp: string; items: QuarantinedItem[] }>();
const RUN_CACHE_ENTRIES = 256;

function runItems(src: ReviewSource): QuarantinedItem[] {
  const st = statSync(join(src.root, 'journal.ndjson'), { throwIfNoEntry: false }) ?? statSync(join(src.root, 'report.json'), { throwIfNoEntry: false });
  const stamp = st ? `${st.ino}:${st.size}:${st.mtimeMs}` : '';
  const hit = runCache.get(src.root);
  if (hit && hit.stamp === stamp) return hit.items.map((i) => ({ ...i, source: src }));
  const items = readRunItems(src);
  runCache.delete(src.root);
  runCache.set(src.root, { stamp, items });
  if (runCache.size > RUN_CACHE_ENTRIES) runCache.delete(runCache.keys().next().value as string);
  return items;
}

function readRunItems(src: ReviewSource): QuarantinedItem[] {
  const last = new Map<string, { reason: string; boxes: OcrBox[] } | null>();
  const journal = join(src.root, 'journal.ndjson');
  if (existsSync(journal)) {
    for (const e of Journal.read(journal)) {
      // the OCR room records its boxes under `pixels` (src/ocr/types.ts PixelCheck)
      last.set(e.input, e.status === 'quarantined' ? { reason: e.reason, boxes: readBoxes(e.pixels?.boxes) } : null);
    }
  } else {
    const report = JSON.parse(readFileSync(join(src.root, 'report.json'), 'utf8')) as {
      quarantined?: { path: string; reason: string; pixels?: { boxes?: unknown } }[];
    };
    for (const q of report.quarantined ?? []) last.set(q.path, { reason: q.reason, boxes: readBoxes(q.pixels?.boxes) });
  }
  const out: QuarantinedItem[] = [];
  for (const [input, q] of last) {
    if (!q) continue;
    const path = resolve(input);
    out.push({ id: itemId(path), path, source: src, reason: q.reason, boxes: q.boxes });
  }
  return out;
}

/**
 * Every quarantined input of the sources, with its last review decision. Released ones are left
 * out (they have left quarantine); rejected ones stay, with their note.
 */
export async function listItems(sources: ReviewSource[]): Promise<QuarantinedItem[]> {
  const out: QuarantinedItem[] = [];
  for (const src of sources) {
    const log = readReviewLog(src.root);
    for (const item of src.kind === 'watch' ? await watchItems(src) : runItems(src)) {
      const review = log.get(item.id);
      if (review?.action === 'released') continue;
      out.push(review ? { ...item, review } : item);
    }
  }
  return out;
}
