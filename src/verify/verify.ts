// anon verify: an independent check of a de-identification run. It re-reads inputs and outputs
// and checks the outcomes against what the profile promises, read by its own simple rules
// (rules.ts), never by the de-identifier's code (src/deid/ is not imported anywhere here).

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { closeDicom, openDicom } from '../dicom/file.js';
import type { DicomFile } from '../dicom/part10.js';
import { formatTag, isPrivateCreator, type Tag } from '../dicom/tag.js';
import { fileContext, metaContext } from '../dicom/values.js';
import { isStringVR } from '../dicom/vr.js';
import { DEID_CODES } from '../profile/deid-codes.generated.js';
import { loadProfile, type OptionName } from '../profile/load.js';
import { isWellKnownUID, normalizeUID } from '../pseudo/uid.js';
import { dciodvfyAvailable, dciodvfyErrors } from './dciodvfy.js';
import { pairByContent, pairsFromJournal, type Pair } from './pair.js';
import { byteForms, embeddableId, isCommonWord, findEmbedded, findEmbeddedBytes, findWord, nameComponents } from './parts.js';
import { VerifyRules, type Expect, type TopReader } from './rules.js';
import { hashValue, rawBytes, strings, topString, walkFile, walkMeta } from './scan.js';
import type { Finding, FindingCode, Severity, VerifyOptions, VerifyResult } from './types.js';

export type { Finding, FindingCode, Severity, VerifyOptions, VerifyResult } from './types.js';

const T = {
  SOP_CLASS: 0x00080016,
  SOP_INSTANCE: 0x00080018,
  STUDY: 0x0020000d,
  SERIES: 0x0020000e,
  FRAME_OF_REFERENCE: 0x00200052,
  PATIENT_ID: 0x00100020,
  PATIENT_NAME: 0x00100010,
  IDENTITY_REMOVED: 0x00120062,
  METHOD: 0x00120063,
  METHOD_CODES: 0x00120064,
  LONGITUDINAL: 0x00280303,
  CODE_VALUE: 0x00080100,
  CODING_SCHEME: 0x00080102,
  MEDIA_SOP_CLASS: 0x00020002,
  MEDIA_SOP_INSTANCE: 0x00020003,
  TRANSFER_SYNTAX: 0x00020010,
} as const;
const PIXEL_TAGS = [0x7fe00010, 0x7fe00008, 0x7fe00009];
/** UIDs that define something (top level); every other non-well-known UID is a reference. */
const DEFINING = new Set<Tag>([T.SOP_INSTANCE, T.STUDY, T.SERIES, T.FRAME_OF_REFERENCE]);

const SEVERITY: Record<FindingCode, Severity> = {
  RESIDUAL_IDENTIFIER: 'error',
  PRIVATE_LEFT: 'error',
  ATTRIBUTE_LEFT: 'error',
  UID_NOT_REMAPPED: 'error',
  UID_MAPPING_INCONSISTENT: 'error',
  UID_COLLISION: 'error',
  REFERENCE_BROKEN: 'error',
  META_INCONSISTENT: 'error',
  DATE_SHIFT_INCONSISTENT: 'error',
  PIXEL_CHANGED: 'error',
  MARKS_MISSING: 'error',
  INVALID: 'error',
  UNPAIRED: 'warning',
};

/** First character and length: enough to find the leak, not enough to repeat it. */
export const maskValue = (v: string): string => `${v.slice(0, 1)}${'*'.repeat(Math.min(v.length - 1, 12))} (${v.length} chars)`;

const isAlnum = (c: number | undefined): boolean =>
  c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a));

/** `needle` in `hay` with no letter or digit on either side (so 1234567 is not found in 912345678). */
function findBounded(hay: Buffer, needle: Buffer): boolean {
  for (let at = hay.indexOf(needle); at >= 0; at = hay.indexOf(needle, at + 1)) {
    if (!isAlnum(hay[at - 1]) && !isAlnum(hay[at + needle.length])) return true;
  }
  return false;
}
function findBoundedText(hay: string, needle: string): boolean {
  const h = hay.toUpperCase();
  const n = needle.toUpperCase();
  for (let at = h.indexOf(n); at >= 0; at = h.indexOf(n, at + 1)) {
    if (!isAlnum(h.charCodeAt(at - 1) || undefined) && !isAlnum(h.charCodeAt(at + n.length) || undefined)) return true;
  }
  return false;
}

/**
 * Placeholders already in inputs (earlier de-identification) that a de-identifier's own dummies
 * repeat: finding them again says nothing.
 */
const PLACEHOLDER = /^([0.:\s]+|19000101|ANONYMI[SZ]ED|ANONYMOUS|REMOVED|UNKNOWN|NONE|N\/A|DE-?IDENTIFIED)$/i;

/** A value worth searching for: long enough not to turn up by chance. */
function searchable(v: string): boolean {
  if (v.length < 4) return false;
  if (PLACEHOLDER.test(v)) return false;
  if (isCommonWord(v)) return false; // "patient" as an ROI's description
  if (/^[\d.:+\-\s]+$/.test(v) && v.length < 6) return false; // short numbers turn up everywhere
  return true;
}

/** Patient IDs searched for inside longer text too (PatientID, OtherPatientIDs, AccessionNumber). */
const EMBEDDED_ID_TAGS = new Set<Tag>([0x00100020, 0x00101000, 0x00080050]);
/**
 * Sources whose values identify the patient whatever they look like: their residuals are errors
 * even where a cleaned attribute of the input already held the same text.
 */
const PERSONAL_TAGS = new Set<Tag>([0x00100020, 0x00101000, 0x00080050, 0x00101090, 0x00101040, 0x00102154, 0x00102155, 0x00380010]);
const PERSONAL_VRS = new Set(['PN', 'DA', 'DT']);
/** VRs whose values are numbers, dates or times: an ID turning up inside them is chance. */
const NUMERIC_TEXT = new Set(['DS', 'IS', 'DA', 'DT', 'TM', 'AS']);
/** Shortest name component searched for in raw bytes (shorter ones turn up by chance). */
const RAW_COMPONENT_MIN = 5;

/** Days since 1970 of a DA or the date part of a DT, or undefined. */
function dayNumber(v: string): number | undefined {
  const m = /^(\d{4})\.?(\d{2})\.?(\d{2})/.exec(v);
  if (!m) return undefined;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3]);
  return Number.isNaN(ms) ? undefined : Math.round(ms / 86_400_000);
}

interface UidRef {
  pair: Pair;
  path: string;
  inValue: string;
  outValue?: string;
  expect: Expect['kind'];
}
interface DateRec {
  pair: Pair;
  path: string;
  patient: string;
  offset?: number;
  days?: number;
  note?: string;
}

class Collector {
  readonly findings: Finding[] = [];
  readonly counts: Partial<Record<FindingCode, number>> = {};
  /** Findings of error severity, by code. */
  readonly errorCounts: Partial<Record<FindingCode, number>> = {};
  errors = 0;
  warnings = 0;
  private seen = new Set<string>();
  constructor(private readonly max: number) {}
  add(code: FindingCode, f: Omit<Finding, 'code' | 'severity'>, severity: Severity = SEVERITY[code]): void {
    const key = `${code}|${f.output ?? f.input ?? ''}|${f.path ?? ''}|${f.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.counts[code] = (this.counts[code] ?? 0) + 1;
    if (severity === 'error') {
      this.errors++;
      this.errorCounts[code] = (this.errorCounts[code] ?? 0) + 1;
    } else this.warnings++;
    if (this.findings.length < this.max) this.findings.push({ code, severity, ...f });
  }
}

interface RunState {
  rules: VerifyRules;
  profile: ReturnType<typeof loadProfile>;
  c: Collector;
  useDciodvfy: boolean;
  /** Input UIDs the profile remaps, and those it keeps somewhere (excluded from the global search). */
  remappedIn: Set<string>;
  keptIn: Set<string>;
  mapping: Map<string, Map<string, string>>; // in → out → where
  reverse: Map<string, Map<string, string>>; // out → in → where
  definedIn: Set<string>;
  definedOut: Set<string>;
  refs: UidRef[];
  outUids: { pair: Pair; path: string; value: string }[];
  dates: DateRec[];
  /** Pairs made among look-alikes (content pairing): run-wide UID checks leave them out. */
  ambiguous: Set<string>;
}

/** Verifies pairs of (input, output) files. */
export async function verifyPairs(pairs: Pair[], opts: VerifyOptions & { pairing: 'journal' | 'content'; unpaired?: { inputs: string[]; outputs: string[]; ambiguous: Pair[] } }): Promise<VerifyResult> {
  const started = Date.now();
  const profile = loadProfile(opts.profile ?? 'basic', { extraOptions: (opts.options ?? []) as OptionName[] });
  const rules = new VerifyRules(profile);
  const c = new Collector(opts.maxFindings ?? 10_000);
  const useDciodvfy = opts.dciodvfy === true || ((opts.dciodvfy ?? 'auto') === 'auto' && dciodvfyAvailable());
  const st: RunState = {
    rules, profile, c, useDciodvfy,
    remappedIn: new Set(), keptIn: new Set(), mapping: new Map(), reverse: new Map(),
    definedIn: new Set(), definedOut: new Set(), refs: [], outUids: [], dates: [],
    ambiguous: new Set((opts.unpaired?.ambiguous ?? []).map((p) => `${p.input}\0${p.output}`)),
  };
  for (const f of opts.unpaired?.inputs ?? []) c.add('UNPAIRED', { input: f, message: 'no output was found for this DICOM input' });
  for (const f of opts.unpaired?.outputs ?? []) c.add('UNPAIRED', { output: f, message: 'no input was found for this output' });
  for (const p of opts.unpaired?.ambiguous ?? []) {
    c.add('UNPAIRED', { input: p.input, output: p.output, message: 'paired among several files with the same content key: UID checks rest on path order' }, 'warning');
  }
  for (const pair of pairs) await verifyPair(pair, st);
  runWideChecks(st);
  // Residual identifiers of error severity (a warning one is text a cleaned attribute already held).
  const residual = c.errorCounts.RESIDUAL_IDENTIFIER ?? 0;
  return {
    ok: c.errors === 0,
    profile: profile.name,
    options: profile.options,
    pairing: opts.pairing,
    pairs: pairs.length,
    unpaired_inputs: opts.unpaired?.inputs.length ?? 0,
    unpaired_outputs: opts.unpaired?.outputs.length ?? 0,
    dciodvfy: useDciodvfy,
    summary: { errors: c.errors, warnings: c.warnings, residual_identifiers: residual, by_code: c.counts },
    findings: c.findings,
    ...(c.findings.length < c.errors + c.warnings ? { findings_truncated_at: c.findings.length } : {}),
    duration_seconds: Math.round((Date.now() - started) / 10) / 100,
  };
}

async function verifyPair(pair: Pair, st: RunState): Promise<void> {
  const { c } = st;
  let fin: DicomFile | undefined;
  let fout: DicomFile | undefined;
  try {
    try {
      fin = await openDicom(pair.input);
    } catch (e) {
      c.add('UNPAIRED', { input: pair.input, output: pair.output, message: `the input cannot be read any more: ${(e as Error).message}` }, 'warning');
      return;
    }
    try {
      fout = await openDicom(pair.output);
    } catch (e) {
      c.add('INVALID', { input: pair.input, output: pair.output, message: `the output does not parse: ${(e as Error).message}` });
      return;
    }
    checkPair(pair, fin, fout, st);
  } finally {
    if (fin) closeDicom(fin);
    if (fout) closeDicom(fout);
  }
  if (st.useDciodvfy) {
    const [a, b] = await Promise.all([dciodvfyErrors(pair.input), dciodvfyErrors(pair.output)]);
    for (const e of b) {
      if (!a.has(e)) c.add('INVALID', { input: pair.input, output: pair.output, message: `dciodvfy: ${e} (not in the input)` }, 'warning');
    }
  }
}

function checkPair(pair: Pair, fin: DicomFile, fout: DicomFile, st: RunState): void {
  const { rules, c } = st;
  const at = { input: pair.input, output: pair.output };
  const inTop = new Map<Tag, string | undefined>();
  const read: TopReader = (tag) => {
    if (!inTop.has(tag)) inTop.set(tag, topString(fin, tag));
    return inTop.get(tag);
  };
  // One date offset per patient: keyed by Patient ID, else Name, else the study (as documented).
  const patient = read(T.PATIENT_ID) || read(T.PATIENT_NAME) || read(0x0020000d) || '(no patient id)';
  const sure = !st.ambiguous.has(`${pair.input}\0${pair.output}`);

  // ---- the input: what must not survive, what is kept, UIDs and dates to follow
  const residual = new Map<string, string>(); // value (upper case) → input path it came from
  const original = new Map<string, string>(); // value (upper case) → as found
  const kept = new Set<string>();
  /** Residual values from sources that identify the patient whatever they look like. */
  const personal = new Set<string>();
  /** Name components (upper case) of removed or replaced PN values → input path. */
  const components = new Map<string, string>();
  /** Patient IDs (upper case) of removed or replaced ID attributes → input path. */
  const ids = new Map<string, string>();
  const inElements = new Map<string, { expect: Expect; vr: string; values?: string[]; underRemoved: boolean }>();
  /** Paths of sequences the profile removes or empties: what is under them may go. */
  const removedSeqs: string[] = [];
  for (const v of walkFile(fin)) {
    const { el, path } = v;
    if (isPrivateCreator(el.tag) || (el.tag & 0xffff) === 0) continue;
    const expect = rules.expect({ tag: el.tag, vr: el.vr, creator: v.creator }, read);
    const values = strings(el, v.ctx);
    const underRemoved = removedSeqs.some((p) => path.startsWith(`${p}[`));
    inElements.set(path, { expect, vr: el.vr, values, underRemoved });
    if (el.items && (expect.kind === 'remove' || expect.kind === 'replace')) removedSeqs.push(path);
    if (!values) continue;
    if (el.vr === 'UI') {
      for (const u of values.map(normalizeUID)) {
        if (!u || isWellKnownUID(u)) continue;
        if (expect.kind === 'keep' || expect.kind === 'clean') st.keptIn.add(u);
        else st.remappedIn.add(u);
        if (v.depth === 0 && DEFINING.has(el.tag)) st.definedIn.add(u);
      }
      continue;
    }
    if (expect.kind === 'keep') for (const x of values) kept.add(x.toUpperCase());
    if (expect.kind === 'remove' || expect.kind === 'replace') {
      const isPersonal = PERSONAL_VRS.has(el.vr) || PERSONAL_TAGS.has(el.tag);
      for (const x of values) {
        if (el.vr === 'PN') for (const comp of nameComponents(x)) if (!components.has(comp)) components.set(comp, path);
        if (EMBEDDED_ID_TAGS.has(el.tag) && embeddableId(x) && !ids.has(x.toUpperCase())) ids.set(x.toUpperCase(), path);
        if (!searchable(x)) continue;
        residual.set(x.toUpperCase(), path);
        original.set(x.toUpperCase(), x);
        if (isPersonal) personal.add(x.toUpperCase());
      }
    }
  }
  // What the profile keeps elsewhere in the input is not the de-identifier's leak.
  for (const k of kept) residual.delete(k);
  for (const r of [...residual.keys()]) {
    for (const k of kept) {
      if (k.length > r.length && findBoundedText(k, r)) {
        residual.delete(r);
        break;
      }
    }
  }
  // Likewise name components and IDs the input holds in attributes the profile keeps (a phantom
  // named after its manufacturer, say): their turning up says nothing.
  for (const comp of [...components.keys()]) {
    for (const k of kept) {
      if (findWord(k, comp)) {
        components.delete(comp);
        break;
      }
    }
  }
  for (const id of [...ids.keys()]) {
    for (const k of kept) {
      if (findEmbedded(k, id)) {
        ids.delete(id);
        break;
      }
    }
  }
  const rawComponents = [...components.keys()].filter((c) => c.length >= RAW_COMPONENT_MIN).flatMap((c) => byteForms(c).map((b) => ({ c, b })));
  const rawIds = [...ids.keys()].flatMap((id) => byteForms(id).map((b) => ({ id, b })));
  /**
   * A residual found in an attribute the profile cleans, where the input held the same text: the
   * cleaner judged that text not identifying. For values that identify the patient whatever they
   * look like (names, IDs, dates) it stays an error; for others (a private copy of a protocol name)
   * it is a warning.
   */
  const cleanedHere = (outPath: string, n: string): boolean => {
    if (personal.has(n)) return false;
    const info = inElements.get(outPath);
    if (!info || info.expect.kind !== 'clean') return false;
    return (info.values ?? []).some((x) => findBoundedText(x, n));
  };
  const leak = (outPath: string, n: string, f: Omit<Finding, 'code' | 'severity'>): void => {
    if (cleanedHere(outPath, n)) {
      c.add('RESIDUAL_IDENTIFIER', { ...f, message: `${f.message} (a cleaned attribute of the input held the same text and the cleaner kept it)` }, 'warning');
    } else {
      c.add('RESIDUAL_IDENTIFIER', f);
    }
  };
  const needles = [...residual.keys()].filter((v) => v.length >= 6);
  const rawNeedles = needles.flatMap((v) => {
    const orig = original.get(v) ?? v;
    const forms = new Map<string, Buffer>();
    for (const s of new Set([orig, v, orig.toLowerCase()])) {
      for (const enc of ['latin1', 'utf8'] as const) {
        const b = Buffer.from(s, enc);
        forms.set(b.toString('hex'), b);
      }
    }
    return [...forms.values()].map((b) => ({ v, b }));
  });

  // ---- the output, element by element
  const outElements = new Map<string, { vr: string; values?: string[] }>();
  for (const v of walkFile(fout)) {
    const { el, path } = v;
    const values = strings(el, v.ctx);
    outElements.set(path, { vr: el.vr, values });
    const priv = ((el.tag >>> 16) & 1) === 1;
    if (isPrivateCreator(el.tag)) continue;
    // leftovers
    const expect = rules.expect({ tag: el.tag, vr: el.vr, creator: v.creator }, read);
    if (priv && expect.kind !== 'keep') {
      c.add('PRIVATE_LEFT', { ...at, path, message: `private element${v.creator ? ` of "${v.creator}"` : ' with no creator'} is not allowed (${expect.origin})` });
    } else if (!priv && expect.kind === 'remove' && (el.tag & 0xffff) !== 0) {
      c.add('ATTRIBUTE_LEFT', { ...at, path, message: `the profile removes this attribute (${expect.origin})` });
    }
    // UIDs
    if (el.vr === 'UI') {
      for (const u of (values ?? []).map(normalizeUID)) {
        if (!u || isWellKnownUID(u)) continue;
        st.outUids.push({ pair, path, value: u });
        if (v.depth === 0 && DEFINING.has(el.tag)) st.definedOut.add(u);
      }
      continue;
    }
    if (PIXEL_TAGS.includes(el.tag) && v.depth === 0) continue;
    // residual identifiers: whole values, words in text, raw bytes; then name components and IDs
    // inside text or bytes, where the whole values were not found
    if (values) {
      let found = false;
      for (const x of values) {
        const X = x.toUpperCase();
        const from = residual.get(X);
        if (from !== undefined) {
          leak(path, X, { ...at, path, message: path === from ? 'the original value is still here, though the profile removes or replaces it' : `holds the value of ${from}, which the profile removes or replaces`, value_hint: maskValue(x) });
          found = true;
          continue;
        }
        for (const n of needles) {
          if (n !== X && findBoundedText(x, n)) {
            leak(path, n, { ...at, path, message: `contains the value of ${residual.get(n)}, which the profile removes or replaces`, value_hint: maskValue(n) });
            found = true;
          }
        }
      }
      if (!found) {
        const numeric = NUMERIC_TEXT.has(el.vr);
        for (const x of values) {
          const X = x.toUpperCase();
          for (const [comp, from] of components) {
            if (findWord(X, comp)) c.add('RESIDUAL_IDENTIFIER', { ...at, path, message: `contains a part of the person name in ${from}, which the profile removes or replaces`, value_hint: maskValue(comp) });
          }
          if (numeric) continue;
          for (const [id, from] of ids) {
            if (findEmbedded(X, id)) c.add('RESIDUAL_IDENTIFIER', { ...at, path, message: `contains the ID in ${from}, which the profile removes or replaces`, value_hint: maskValue(id) });
          }
        }
      }
    } else if (!isStringVR(el.vr) && !el.items) {
      const raw = rawBytes(el, v.ctx);
      if (raw) {
        let found = false;
        for (const { v: n, b } of rawNeedles) {
          if (findBounded(raw, b)) {
            c.add('RESIDUAL_IDENTIFIER', { ...at, path, message: `raw bytes (${el.vr}) contain the value of ${residual.get(n)}, which the profile removes or replaces`, value_hint: maskValue(n) });
            found = true;
          }
        }
        if (!found) {
          for (const { c: comp, b } of rawComponents) {
            if (findBounded(raw, b)) c.add('RESIDUAL_IDENTIFIER', { ...at, path, message: `raw bytes (${el.vr}) contain a part of the person name in ${components.get(comp)}, which the profile removes or replaces`, value_hint: maskValue(comp) });
          }
          for (const { id, b } of rawIds) {
            if (findEmbeddedBytes(raw, b)) c.add('RESIDUAL_IDENTIFIER', { ...at, path, message: `raw bytes (${el.vr}) contain the ID in ${ids.get(id)}, which the profile removes or replaces`, value_hint: maskValue(id) });
          }
        }
      }
    }
  }

  // ---- same-path comparisons: UIDs remapped, references, dates shifted
  for (const [path, info] of inElements) {
    if (info.vr !== 'UI' && info.expect.kind !== 'shift') continue;
    // Under a sequence the profile removes or replaces by a dummy (D), dates are not shifted: they go.
    if (info.vr !== 'UI' && info.underRemoved) continue;
    const out = outElements.get(path);
    if (info.vr === 'UI') {
      const inValues = (info.values ?? []).map(normalizeUID);
      const outValues = (out?.values ?? []).map(normalizeUID);
      const depth = (path.match(/\]/g) ?? []).length;
      const tag = parseInt(path.slice(-10, -6) + path.slice(-5, -1), 16);
      inValues.forEach((u, i) => {
        if (!u) return;
        const o = out ? outValues[i] : undefined;
        if (isWellKnownUID(u)) {
          if (o !== undefined && o !== u) c.add('UID_MAPPING_INCONSISTENT', { ...at, path, message: `well-known UID ${u} was changed to ${o}` });
          return;
        }
        const remapped = info.expect.kind !== 'keep' && info.expect.kind !== 'clean';
        if (remapped && o !== undefined && o !== '') {
          if (o === u) c.add('UID_NOT_REMAPPED', { ...at, path, message: `UID kept as it was (${info.expect.origin})` });
          else if (sure) record(st, u, o, `${pair.output} ${path}`);
        }
        if (sure && !(depth === 0 && DEFINING.has(tag))) st.refs.push({ pair, path, inValue: u, outValue: o, expect: info.underRemoved ? 'remove' : info.expect.kind });
      });
      continue;
    }
    // shifted dates
    const inValues = info.values ?? [];
    const outValues = out?.values ?? [];
    inValues.forEach((x, i) => {
      const a = dayNumber(x);
      if (a === undefined) return;
      const o = outValues[i];
      const b = o === undefined ? undefined : dayNumber(o);
      st.dates.push({ pair, path, patient, offset: b === undefined ? undefined : b - a, days: info.expect.days, note: o === undefined ? 'removed instead of shifted' : b === undefined ? 'not a date any more' : undefined });
    });
  }
  // the meta's UIDs follow the dataset's
  const mi = fin.meta?.get(T.MEDIA_SOP_INSTANCE);
  const mo = fout.meta?.get(T.MEDIA_SOP_INSTANCE);
  const miv = mi && strings(mi, metaContext(fin))?.[0];
  const mov = mo && strings(mo, metaContext(fout))?.[0];
  const sopRemapped = rules.expect({ tag: T.SOP_INSTANCE, vr: 'UI' }, read).kind === 'uid'; // not under retainUIDs
  if (miv && mov && !isWellKnownUID(miv) && sopRemapped) {
    // Not recorded in the mapping: an input's meta may disagree with its dataset, and the output's
    // meta rightly follows the output's dataset (checked in checkMeta).
    if (normalizeUID(miv) === normalizeUID(mov)) c.add('UID_NOT_REMAPPED', { ...at, path: '(0002,0003)', message: 'MediaStorageSOPInstanceUID kept as it was' });
  }
  for (const v of walkMeta(fout)) {
    const u = v.el.vr === 'UI' ? strings(v.el, v.ctx)?.[0] : undefined;
    if (u && !isWellKnownUID(u)) st.outUids.push({ pair, path: v.path, value: normalizeUID(u) });
  }

  checkMeta(pair, fout, c, fin);
  checkMarks(pair, fout, st);
  checkPixels(pair, fin, fout, c);
}

function topMeta(f: DicomFile, tag: Tag): string | undefined {
  const el = f.meta?.get(tag);
  const v = el ? strings(el, metaContext(f))?.[0] : undefined;
  return v === undefined ? undefined : normalizeUID(v);
}

function record(st: RunState, u: string, o: string, where: string): void {
  const m = st.mapping.get(u) ?? st.mapping.set(u, new Map()).get(u)!;
  if (!m.has(o)) m.set(o, where);
  const r = st.reverse.get(o) ?? st.reverse.set(o, new Map()).get(o)!;
  if (!r.has(u)) r.set(u, where);
}

function checkMeta(pair: Pair, f: DicomFile, c: Collector, fin: DicomFile): void {
  const at = { input: pair.input, output: pair.output };
  if (!f.meta) {
    c.add('META_INCONSISTENT', { ...at, message: 'the output has no file meta information' });
    return;
  }
  const mctx = metaContext(f);
  const ctx = fileContext(f);
  const get = (tag: Tag, meta: boolean): string | undefined => {
    const el = (meta ? f.meta! : f.dataset).get(tag);
    if (!el) return undefined;
    const c = meta ? mctx : ctx;
    // A UID left as UN (as some inputs hold it) is read from its bytes.
    const v = strings(el, c)?.[0] ?? (el.vr === 'UN' ? rawBytes(el, c)?.toString('latin1').split('\\')[0] : undefined);
    return normalizeUID(v ?? '');
  };
  const pairsToCheck: [Tag, Tag, string][] = [
    [T.MEDIA_SOP_INSTANCE, T.SOP_INSTANCE, 'MediaStorageSOPInstanceUID ≠ SOPInstanceUID'],
    [T.MEDIA_SOP_CLASS, T.SOP_CLASS, 'MediaStorageSOPClassUID ≠ SOPClassUID'],
  ];
  for (const [m, d, what] of pairsToCheck) {
    const a = get(m, true);
    const b = get(d, false);
    if (b === undefined || a === b) continue;
    // A SOP class mismatch the input already had is the input's (the engine does not promise to fix it).
    const inherited = m === T.MEDIA_SOP_CLASS && topMeta(fin, m) === a && topString(fin, d) !== a;
    const msg = a === undefined ? `${formatTag(m)} is missing` : what;
    c.add('META_INCONSISTENT', { ...at, path: formatTag(m), message: inherited ? `${msg} (as in the input)` : msg }, inherited ? 'warning' : 'error');
  }
  if (!get(T.TRANSFER_SYNTAX, true)) {
    const inherited = fin.meta !== undefined && !topMeta(fin, T.TRANSFER_SYNTAX);
    c.add('META_INCONSISTENT', { ...at, path: formatTag(T.TRANSFER_SYNTAX), message: `no Transfer Syntax UID${inherited ? ' (as in the input)' : ''}` }, inherited ? 'warning' : 'error');
  }
  for (const t of [0x00020016, 0x00020017, 0x00020018, 0x00020100, 0x00020102]) {
    if (f.meta.get(t)) c.add('META_INCONSISTENT', { ...at, path: formatTag(t), message: 'source AE titles or private meta information left in the file meta' });
  }
  if (f.preamble) {
    const pre = Buffer.alloc(128);
    f.source.readInto(pre, 0, 0, 128);
    if (pre.some((b) => b !== 0)) c.add('META_INCONSISTENT', { ...at, message: 'the preamble is not zeroed (it can hold anything)' }, 'warning');
  }
}

function checkMarks(pair: Pair, f: DicomFile, st: RunState): void {
  if (!st.profile.marks) return;
  const at = { input: pair.input, output: pair.output };
  const c = st.c;
  const ctx = fileContext(f);
  const one = (tag: Tag): string | undefined => {
    const el = f.dataset.get(tag);
    return el ? strings(el, ctx)?.join('\\') : undefined;
  };
  if (one(T.IDENTITY_REMOVED) !== 'YES') c.add('MARKS_MISSING', { ...at, path: formatTag(T.IDENTITY_REMOVED), message: 'PatientIdentityRemoved is not YES' });
  if (!one(T.METHOD)) c.add('MARKS_MISSING', { ...at, path: formatTag(T.METHOD), message: 'DeidentificationMethod is missing' });
  const seq = f.dataset.get(T.METHOD_CODES);
  const codes = new Set<string>();
  for (const item of seq?.items ?? []) {
    const v = item.dataset.get(T.CODE_VALUE);
    const s = item.dataset.get(T.CODING_SCHEME);
    if (v && s) codes.add(`${strings(v, ctx)?.[0]}|${strings(s, ctx)?.[0]}`);
  }
  const options = new Set(st.profile.options);
  for (const code of DEID_CODES) {
    if (code.option !== null && !options.has(code.option)) continue;
    if (code.option === 'cleanPixelData') continue; // claimed per image, where pixels were masked (checkPixels)
    if (!codes.has(`${code.codeValue}|${code.codingSchemeDesignator}`)) {
      c.add('MARKS_MISSING', { ...at, path: formatTag(T.METHOD_CODES), message: `DeidentificationMethodCodeSequence lacks ${code.codeValue} (${code.codeMeaning})` });
    }
  }
  const lt = one(T.LONGITUDINAL);
  const allowed = options.has('retainLongFullDates') ? ['UNMODIFIED'] : options.has('retainLongModifiedDates') ? ['MODIFIED'] : st.rules.shiftsDates ? ['MODIFIED', 'REMOVED'] : ['REMOVED'];
  if (lt === undefined || !allowed.includes(lt)) {
    c.add('MARKS_MISSING', { ...at, path: formatTag(T.LONGITUDINAL), message: `LongitudinalTemporalInformationModified is ${lt === undefined ? 'missing' : `"${lt}"`}, expected ${allowed.join(' or ')}` });
  }
}

function checkPixels(pair: Pair, fin: DicomFile, fout: DicomFile, c: Collector): void {
  // An image whose pixels were masked says so: code 113101 and BurnedInAnnotation NO. Any other
  // image must keep its pixel data exactly.
  const codes = fout.dataset.get(T.METHOD_CODES)?.items ?? [];
  const masked = codes.some((it) => it.dataset.get(0x00080100)?.value?.toString('latin1').trim() === '113101');
  if (masked) {
    const bia = fout.dataset.get(0x00280301)?.value?.toString('latin1').trim();
    if (bia !== 'NO') c.add('MARKS_MISSING', { input: pair.input, output: pair.output, path: formatTag(0x00280301), message: `pixels masked (113101) but BurnedInAnnotation is ${bia === undefined ? 'missing' : `"${bia}"`}` });
    return;
  }
  for (const tag of PIXEL_TAGS) {
    const a = fin.dataset.get(tag);
    if (!a) continue;
    const b = fout.dataset.get(tag);
    const same = b !== undefined && hashValue(a, fin.body) === hashValue(b, fout.body);
    if (!same) c.add('PIXEL_CHANGED', { input: pair.input, output: pair.output, path: formatTag(tag), message: b ? 'pixel data differs from the input (no mask applies)' : 'pixel data is missing from the output' });
  }
}

function runWideChecks(st: RunState): void {
  const { c } = st;
  // every remapped input UID is gone from every output
  for (const { pair, path, value } of st.outUids) {
    if (st.remappedIn.has(value) && !st.keptIn.has(value)) {
      c.add('UID_NOT_REMAPPED', { input: pair.input, output: pair.output, path, message: `an input UID the profile remaps is still here (${value})` });
    }
  }
  // one input UID → one output UID; distinct inputs → distinct outputs
  for (const [u, outs] of st.mapping) {
    if (outs.size > 1) {
      const where = [...outs.entries()].map(([o, w]) => `${o} at ${w}`).join('; ');
      c.add('UID_MAPPING_INCONSISTENT', { path: [...outs.values()][1].split(' ').pop(), output: [...outs.values()][1].split(' ')[0], message: `input UID ${u} became ${outs.size} different UIDs: ${where}` });
    }
  }
  for (const [o, ins] of st.reverse) {
    if (ins.size > 1) {
      const w = [...ins.values()][1];
      c.add('UID_COLLISION', { output: w.split(' ')[0], path: w.split(' ').pop(), message: `${ins.size} different input UIDs became the same UID ${o}` });
    }
  }
  // references that resolved among the inputs resolve among the outputs
  for (const r of st.refs) {
    if (!st.definedIn.has(r.inValue)) continue;
    const at = { input: r.pair.input, output: r.pair.output, path: r.path };
    if (r.outValue === undefined || r.outValue === '') {
      if (r.expect !== 'remove') c.add('REFERENCE_BROKEN', { ...at, message: 'a reference that resolved among the inputs is gone from the output' });
    } else if (!st.definedOut.has(r.outValue)) {
      c.add('REFERENCE_BROKEN', { ...at, message: `reference ${r.outValue} resolves to no output (the input's resolved)` });
    }
  }
  // dates: one offset per patient, within the profile's range, never zero
  const { min, max } = st.profile.pseudonyms.dateShiftDays;
  const byPatient = new Map<string, DateRec[]>();
  for (const d of st.dates) (byPatient.get(d.patient) ?? byPatient.set(d.patient, []).get(d.patient)!).push(d);
  for (const recs of byPatient.values()) {
    const tally = new Map<number, number>();
    for (const d of recs) {
      const ok = d.offset !== undefined && (d.days !== undefined ? d.offset === d.days : d.offset >= min && d.offset <= max && d.offset !== 0);
      if (ok && d.days === undefined) tally.set(d.offset!, (tally.get(d.offset!) ?? 0) + 1);
    }
    const usual = [...tally.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    for (const d of recs) {
      const at = { input: d.pair.input, output: d.pair.output, path: d.path };
      if (d.offset === undefined) {
        c.add('DATE_SHIFT_INCONSISTENT', { ...at, message: `date ${d.note}` });
      } else if (d.days !== undefined) {
        if (d.offset !== d.days) c.add('DATE_SHIFT_INCONSISTENT', { ...at, message: `moved by ${d.offset} days, the profile says ${d.days}` });
      } else if (d.offset === 0) {
        c.add('DATE_SHIFT_INCONSISTENT', { ...at, message: `date left unshifted${usual !== undefined ? ` (the patient's other dates moved by ${usual} days)` : ''}` });
      } else if (d.offset < min || d.offset > max) {
        c.add('DATE_SHIFT_INCONSISTENT', { ...at, message: `moved by ${d.offset} days, outside the profile's range ${min}..${max}` });
      } else if (usual !== undefined && d.offset !== usual) {
        c.add('DATE_SHIFT_INCONSISTENT', { ...at, message: `moved by ${d.offset} days, the patient's other dates by ${usual}` });
      }
    }
  }
}

/** Reads the profile and options a run recorded in its report (report.json), if any. */
function runSettings(reportDir: string): { profile?: string; options?: string[] } {
  const p = join(reportDir, 'report.json');
  if (!existsSync(p)) return {};
  try {
    const r = JSON.parse(readFileSync(p, 'utf8')) as { profile?: string; options?: { deidentification_options?: string[] } };
    return { profile: r.profile, options: r.options?.deidentification_options };
  } catch {
    return {};
  }
}

const isBuiltin = (name: string): boolean => !/[/\\]|\.json$/i.test(name);

/**
 * Verifies the run recorded in a report folder (journal.ndjson, report.json): its pairs come from
 * the journal; profile and options from `opts`, else from the report (a built-in profile name).
 * For `anon run --verify`.
 */
export async function verifyReportDir(reportDir: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const settings = runSettings(reportDir);
  const profile = opts.profile ?? (settings.profile && isBuiltin(settings.profile) ? settings.profile : 'basic');
  const pairs = pairsFromJournal(join(reportDir, 'journal.ndjson'));
  return verifyPairs(pairs, { ...opts, profile, options: opts.options ?? settings.options ?? [], pairing: 'journal' });
}

export interface VerifyRunArgs extends VerifyOptions {
  /** Input tree (or file); with `journal`, optional. */
  input?: string;
  /** Output tree (or file); with `journal`, optional. */
  output?: string;
  /** A run's report folder (holding journal.ndjson), or the journal file itself. */
  journal?: string;
}

/** Verifies a run: paired through its journal when given, else by content between two trees. */
export async function verifyRun(args: VerifyRunArgs): Promise<VerifyResult> {
  if (args.journal) {
    const j = resolve(args.journal);
    const dir = statSync(j).isDirectory() ? j : resolve(j, '..');
    const result = await verifyReportDir(dir, args);
    return result;
  }
  if (!args.input || !args.output) throw new TypeError('verifyRun: give an input and an output, or a journal');
  const settings = { profile: args.profile ?? 'basic', options: args.options ?? [] };
  const rules = new VerifyRules(loadProfile(settings.profile, { extraOptions: settings.options as OptionName[] }));
  const p = await pairByContent(resolve(args.input), resolve(args.output), rules);
  return verifyPairs(p.pairs, { ...args, ...settings, pairing: 'content', unpaired: { inputs: p.unpairedInputs, outputs: p.unpairedOutputs, ambiguous: p.ambiguous } });
}

