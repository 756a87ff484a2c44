// The safety net of the per-file job: before an output takes its name, its raw bytes are searched
// for the identifier values a second, tolerant reading of the input found (src/dicom/
// identifier-scan.ts). That reading shares nothing with the parse the engine worked from, so an
// input the codec misread cannot carry its own identifiers through unseen.

import { inflateRawSync } from 'node:zlib';
import { simpleCode } from '../deid/engine.js';
import { DeidError } from '../deid/errors.js';
import type { DeidEnv } from '../deid/state.js';
import { implicitVR, lookup } from '../dicom/dictionary.js';
import { findIdentifiers, IDENTIFIER_TAGS, scanIdentifiers, type Identifier } from '../dicom/identifier-scan.js';
import type { DataSet } from '../dicom/dataset.js';
import type { DicomFile } from '../dicom/part10.js';
import { readPrefix } from '../dicom/part10.js';
import { BufferSource, FileSource, readRange, type ByteSource } from '../dicom/source.js';
import { PIXEL_DATA } from '../dicom/tag.js';
import { isStringVR } from '../dicom/vr.js';
import * as T from '../dicom/tags.generated.js';

/** Above this size an input's pixel data is not scanned for tags (cost, and chance hits). */
const SCAN_PIXELS_UNDER = 64 * 1024 * 1024;
/** Largest inflated output searched (a deflated output is searched inflated). */
const MAX_INFLATED_SEARCH = 1024 * 1024 * 1024;

/**
 * The identifier values of the input the profile does not keep, read by the tolerant scan: the
 * dataset's bytes (inflated, for a deflated file) and whatever precedes them.
 */
export function inputIdentifiers(f: DicomFile, env: DeidEnv): Identifier[] {
  const m = memo(env);
  const tags = (m.scanned ??= IDENTIFIER_TAGS.filter((tag) => !keptAlways(env, tag, implicitVR(tag), m.kept)));
  if (tags.length === 0) return [];
  const px = f.dataset.get(PIXEL_DATA);
  const skip = f.body.size > SCAN_PIXELS_UNDER && px?.span ? px.span : undefined;
  const ids = scanIdentifiers(f.body, { tags, skip });
  if (f.body !== f.source && f.bodyStart > 0) ids.push(...scanIdentifiers(new BufferSource(readRange(f.source, 0, f.bodyStart)), { tags }));
  if (ids.length === 0) return ids;
  const kept = keptValues(f.dataset, env, (m.scannedSet ??= new Set(tags)));
  return ids.filter((i) => !kept.has(i.value));
}

/**
 * What the safety net asks of a profile, per run: its answers depend on the tag and VR only (no
 * condition can hold with no attribute to read), so each is decided once per thread, not per file.
 */
interface Memo {
  /** Tag and VR → kept; the VR is part of the key (a tag met with another VR is decided again). */
  kept: Map<number, { vr: string; kept: boolean }>;
  scanned?: number[];
  scannedSet?: ReadonlySet<number>;
}
const memos = new WeakMap<DeidEnv['rules'], Memo>();
const memo = (env: DeidEnv): Memo => {
  let m = memos.get(env.rules);
  if (!m) memos.set(env.rules, (m = { kept: new Map() }));
  return m;
};

/** Whether the profile keeps the public attribute `tag` (as `vr`) whatever the file holds. */
function keptAlways(env: DeidEnv, tag: number, vr: string, m = memo(env).kept): boolean {
  const hit = m.get(tag);
  if (hit?.vr === vr) return hit.kept;
  const kept = simpleCode(env.rules.decide({ tag, vr }, () => undefined).action) === 'K';
  if (m.size < 65_536) m.set(tag, { vr, kept }); // bounded: odd files may carry any tag
  return kept;
}

/**
 * The whole values of public attributes the profile keeps (an options such as Retain Institution
 * Identity may keep a string that is also an ID elsewhere): finding them again is no leak. Whole
 * values only, so a kept element that swallowed a name, header bytes and all, is still caught.
 */
function keptValues(ds: DataSet, env: DeidEnv, identifierTags: ReadonlySet<number>, out = new Set<string>()): Set<string> {
  const decided = memo(env).kept;
  for (const el of ds.elements) {
    for (const it of el.items ?? []) keptValues(it.dataset, env, identifierTags, out);
    // A DICOMDIR's File IDs are no kept copy: their identifying components are renamed (job/layout.ts).
    if (!el.value || el.value.length > 1024 || !isStringVR(el.vr) || (el.tag >>> 16) & 1 || identifierTags.has(el.tag) || el.tag === T.ReferencedFileID) continue;
    if (!keptAlways(env, el.tag, el.vr, decided)) continue;
    for (const v of el.value.toString('latin1').split('\\')) out.add(v.replace(/^[ ]+|[ \0]+$/g, ''));
  }
  return out;
}

/** Throws DEID_RESIDUAL when the output at `path` holds any of `ids`. */
export function checkOutput(path: string, ids: readonly Identifier[]): void {
  if (ids.length === 0) return;
  const out = new FileSource(path);
  try {
    checkSource(out, ids);
  } finally {
    out.close();
  }
}

/** The same on an output assembled in memory: exactly the bytes about to be written. */
export function checkOutputBytes(bytes: Buffer, ids: readonly Identifier[]): void {
  if (ids.length > 0) checkSource(new BufferSource(bytes), ids);
}

function checkSource(out: ByteSource, ids: readonly Identifier[]): void {
  const found = new Set(findIdentifiers(out, ids));
  const prefix = readPrefix(out);
  if (prefix.deflated) {
    const body = new BufferSource(inflateRawSync(readRange(out, prefix.bodyStart, out.size - prefix.bodyStart), { maxOutputLength: MAX_INFLATED_SEARCH }));
    for (const id of findIdentifiers(body, ids)) found.add(id);
  }
  if (found.size === 0) return;
  // The values themselves stay out of the message: it lands in reports and journals.
  const what = [...new Set([...found].map((i) => lookup(i.tag)?.keyword ?? String(i.tag)))].join(', ');
  throw new DeidError('DEID_RESIDUAL', `the output still holds ${found.size} identifier value(s) of its input (${what}), found by the independent byte scan: not written`);
}
