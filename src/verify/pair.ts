// Pairing inputs with outputs.
//
// Through a run journal (journal.ndjson in a report folder): every "written" entry is a pair (the
// last entry of an input wins, as on resume).
//
// By content, given two trees: an output's UIDs are keyed pseudonyms of the input's, so they
// cannot be matched without the secret. Files are matched instead on what de-identification keeps:
//   strong key = SOP Class UID, Instance Number, Rows, Columns, Number of Frames, a SHA-256 of the
//                pixel data (7FE0,0010/0008/0009), and the top-level public non-UID attributes the
//                profile keeps (K), with their values;
//   weak key   = the same without the kept attributes (in case a kept value was legitimately changed).
// A key shared by several files on one side pairs them in path order (identical content: the checks
// hold either way) — reported as a warning, since the UID checks then rest on that order.

import { readdirSync, statSync, type Stats } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { closeDicom, openDicom } from '../dicom/file.js';
import { fileContext } from '../dicom/values.js';
import { Journal } from '../job/journal.js';
import { hashValue, strings, walkFile } from './scan.js';
import type { VerifyRules } from './rules.js';
import { PIXEL_TAGS } from './tags.js';
import * as T from '../dicom/tags.generated.js';

export interface Pair {
  input: string;
  output: string;
}

export function pairsFromJournal(journalFile: string): Pair[] {
  const last = new Map<string, Pair | undefined>();
  for (const e of Journal.read(journalFile)) {
    last.set(e.input, e.status === 'written' ? { input: e.input, output: e.output } : undefined);
  }
  return [...last.values()].filter((p): p is Pair => p !== undefined);
}

/**
 * Every regular file under a path (a file is itself), sorted. A link is followed as a reader of the
 * tree would follow it (a link in an output tree to a file with identity is a leak to report), but a
 * folder is entered once however many links lead to it (a link loop ended the listing with ELOOP
 * after 40 levels, or never with two), and a link to nothing is no file.
 */
export function listFiles(root: string): string[] {
  const st = statSync(root);
  if (!st.isDirectory()) return [root];
  const out: string[] = [];
  const entered = new Set<string>();
  const visit = (dir: string, s: Stats): void => {
    const id = `${s.dev}:${s.ino}`;
    if (entered.has(id)) return;
    entered.add(id);
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.anonflow-tmp')) continue;
      const p = join(dir, name);
      let e: Stats | undefined;
      try {
        e = statSync(p, { throwIfNoEntry: false });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ELOOP') throw err;
      }
      if (e?.isDirectory()) visit(p, e);
      else if (e?.isFile()) out.push(p);
    }
  };
  visit(root, st);
  return out;
}

const KEY_TAGS = [T.SOPClassUID, T.InstanceNumber, T.Rows, T.Columns, T.NumberOfFrames];
/** Attributes the engine sets whatever the input held: left out of the kept-attribute key. */
const SET_BY_DEID = new Set([
  T.PatientIdentityRemoved,
  T.DeidentificationMethod,
  T.DeidentificationMethodCodeSequence,
  T.LongitudinalTemporalInformationModified,
  T.BurnedInAnnotation,
  T.RecognizableVisualFeatures,
  T.SpecificCharacterSet,
]);

interface Keys {
  strong: string;
  weak: string;
}

async function keysOf(file: string, rules: VerifyRules): Promise<Keys | undefined> {
  let f;
  try {
    f = await openDicom(file);
  } catch {
    return undefined; // not DICOM (skipped by the run) or unreadable: not paired
  }
  try {
    const ctx = fileContext(f);
    const weak = createHash('sha256');
    for (const t of KEY_TAGS) {
      const el = f.dataset.get(t);
      weak.update(`${t}=`);
      if (el) weak.update(el.value ?? Buffer.alloc(0));
      weak.update('\n');
    }
    for (const t of PIXEL_TAGS) {
      const el = f.dataset.get(t);
      if (el) weak.update(`${t}#${hashValue(el, f.body)}\n`);
    }
    const strong = createHash('sha256');
    const w = weak.digest('hex');
    strong.update(w);
    const read = (): undefined => undefined;
    // Kept values at any depth, under sequences that are kept themselves (with their paths).
    const dropped: string[] = [];
    for (const { el, path, depth } of walkFile(f)) {
      const group = el.tag >>> 16;
      if (dropped.some((p) => path.startsWith(`${p}[`))) continue;
      const kind = group & 1 ? 'remove' : rules.expect({ tag: el.tag, vr: el.vr }, read).kind;
      if (el.items) {
        if (kind !== 'keep') dropped.push(path);
        continue;
      }
      if (group & 1 || group === 0x0002 || el.vr === 'UI' || el.vr === 'AS' || (depth === 0 && SET_BY_DEID.has(el.tag)) || (el.tag & 0xffff) === 0) continue;
      if (kind !== 'keep') continue;
      const v = strings(el, ctx);
      if (v === undefined) continue;
      strong.update(`${path}=${v.join('\\')}\n`);
    }
    return { strong: strong.digest('hex'), weak: w };
  } finally {
    closeDicom(f);
  }
}

export interface ContentPairing {
  pairs: Pair[];
  unpairedInputs: string[];
  unpairedOutputs: string[];
  /** Pairs made among files that share a key (several candidates on a side). */
  ambiguous: Pair[];
}

/** Pairs the DICOM files of two trees by content (see the header of this file). */
export async function pairByContent(inputRoot: string, outputRoot: string, rules: VerifyRules): Promise<ContentPairing> {
  const load = async (root: string): Promise<{ file: string; keys: Keys }[]> => {
    const out: { file: string; keys: Keys }[] = [];
    for (const file of listFiles(root)) {
      const keys = await keysOf(file, rules);
      if (keys) out.push({ file, keys });
    }
    return out;
  };
  const ins = await load(inputRoot);
  const outs = await load(outputRoot);
  const pairs: Pair[] = [];
  const ambiguous: Pair[] = [];
  let restIn = ins;
  let restOut = outs;
  for (const which of ['strong', 'weak'] as const) {
    const byKey = new Map<string, { i: string[]; o: string[] }>();
    for (const x of restIn) (byKey.get(x.keys[which]) ?? byKey.set(x.keys[which], { i: [], o: [] }).get(x.keys[which])!).i.push(x.file);
    for (const x of restOut) (byKey.get(x.keys[which]) ?? byKey.set(x.keys[which], { i: [], o: [] }).get(x.keys[which])!).o.push(x.file);
    const pairedIn = new Set<string>();
    const pairedOut = new Set<string>();
    for (const { i, o } of byKey.values()) {
      if (!i.length || !o.length) continue;
      // Several inputs may share one output (duplicates written once); extra outputs stay unpaired.
      for (let k = 0; k < i.length; k++) {
        const p = { input: i[k], output: o[Math.min(k, o.length - 1)] };
        pairs.push(p);
        if (i.length > 1 || o.length > 1) ambiguous.push(p);
        pairedIn.add(p.input);
        pairedOut.add(p.output);
      }
    }
    restIn = restIn.filter((x) => !pairedIn.has(x.file));
    restOut = restOut.filter((x) => !pairedOut.has(x.file));
  }
  return { pairs, ambiguous, unpairedInputs: restIn.map((x) => x.file), unpairedOutputs: restOut.map((x) => x.file) };
}
