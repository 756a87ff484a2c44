// The patient's own identifiers, taken from the input before any rule runs, that no kept text
// value may carry (scrub.ts). The policy is docs/precedence.md's "Identifiers in kept values";
// src/verify/checks/residual-needles.ts holds the verifier's own reading of the same policy.
import type { DataSet, Element } from '../dicom/dataset.js';
import { lookup } from '../dicom/dictionary.js';
import { isPrivateCreator, type Tag } from '../dicom/tag.js';
import { datasetContext, decodeStrings, type ValueContext } from '../dicom/values.js';
import { isStringVR } from '../dicom/vr.js';
import { dateForms } from '../detect/header.js';
import { fold } from '../detect/fold.js';
import type { Label } from '../detect/index.js';
import { isSafePrivate } from './safe-private.js';
import { EQUIPMENT_TAGS, findTerms, foldText, type Term, type TermKind } from './scrub-match.js';
import { isCommonWord } from '../detect/common-words.js';
import type { CompiledRules } from './rules.js';
import * as T from '../dicom/tags.generated.js';

/** IDs whose copies are searched inside longer text. */
const ID_TAGS = new Set<Tag>([T.PatientID, T.OtherPatientIDs, T.AccessionNumber]);
/** Matched only as the whole phrase, never word by word ("FUJI PHOTO FILM CO." shares words with many a name). */
const PHRASE_TAGS = new Map<Tag, Label>([
  [T.InstitutionName, 'ORGANIZATION'],
  [T.InstitutionAddress, 'ADDRESS'],
  [T.InstitutionalDepartmentName, 'ORGANIZATION'],
  [T.PatientAddress, 'ADDRESS'],
]);
const SOURCE_TAGS = new Set<Tag>([...ID_TAGS, ...PHRASE_TAGS.keys(), T.PatientBirthDate]);
/**
 * Kept values of these VRs (never scrubbed) are read for coincidences with the terms. Not DS and
 * IS: an RT structure set holds hundreds of thousands of them, and a number can only coincide
 * with an all-digit ID. Longer values are not read either.
 */
const BENIGN_VRS = new Set(['CS', 'AE', 'DA', 'DT', 'TM', 'AS', 'UR']);
const BENIGN_MAX = 1024;

/** Placeholders an input may already hold (an earlier de-identification): no identifier. */
const PLACEHOLDER = /^([0.:\s*]+|19000101|ANONYMI[SZ]ED|ANONYMOUS|REMOVED|UNKNOWN|NONE|N\/A|DE-?IDENTIFIED)$/i;

/** A mask an earlier de-identification left (xxxxx, 0000000000): one letter or digit repeated (compared by code point, no Set). */
const isMask = (v: string): boolean => {
  const s = v.replace(/[^\p{L}\p{N}]/gu, '').toLowerCase();
  const first = s.codePointAt(0);
  for (let i = 0; i < s.length;) {
    const c = s.codePointAt(i)!;
    if (c !== first) return false;
    i += c > 0xffff ? 2 : 1;
  }
  return true;
};

/** A whole value long enough not to turn up by chance. */
const searchable = (v: string): boolean => v.length >= 4 && !PLACEHOLDER.test(v) && !isMask(v) && !isCommonWord(v) && !(/^[\d.:+\-\s]+$/.test(v) && v.length < 6);

/** A person-name component worth searching for on its own: 3 characters or more, not a common word. */
function usefulComponent(c: string): boolean {
  if (c.length < 3 || isMask(c) || isCommonWord(c)) return false;
  if (/^[\d\s.,:+\-/]+$/.test(c)) return c.replace(/\D/g, '').length >= 6;
  return /[A-Za-z\u00C0-\uFFFF]/.test(c);
}

/**
 * The terms of one file: every person name the rules do not keep (at any depth: patient,
 * physicians, operators, observers), whole and by component (split on ^ and =); Patient ID,
 * Other Patient IDs and Accession Number as written and without separators; the birth date in
 * the written forms src/detect knows; institution name, address and department, and the
 * patient's address, as whole phrases. `read` gives top-level originals (with a DICOMDIR record's
 * inherited ones).
 */
export function scrubTerms(ds: DataSet, ctx: ValueContext, rules: CompiledRules, read: (tag: Tag) => string | undefined): Term[] {
  const terms = new Map<string, Term>();
  const fromValue = (tag: Tag, vr: string, values: string[]): void => {
    for (const t of valueTerms(tag, vr, values)) if (!terms.has(t.folded)) terms.set(t.folded, t);
  };
  const seen = new Set<Tag>();
  /** Kept values the scrub never touches (the equipment's, codes, dates, numbers): see benign below. */
  const benign = new Set<string>();
  const visit = (set: DataSet, inherited: ValueContext, top: boolean): void => {
    const here = datasetContext(set, inherited);
    const creators = new Map<number, string>();
    for (const el of set.elements) {
      if (isPrivateCreator(el.tag) && el.value) creators.set(((el.tag >>> 16) << 8) | (el.tag & 0xff), safeStrings(el, here)[0] ?? '');
    }
    for (const el of set.elements) {
      if (el.items) {
        for (const it of el.items) visit(it.dataset, here, false);
        continue;
      }
      const vr = el.vr === 'UN' ? (lookup(el.tag)?.vr ?? 'UN') : el.vr;
      const source = vr === 'PN' || SOURCE_TAGS.has(el.tag);
      const unscrubbed = EQUIPMENT_TAGS.has(el.tag) || (BENIGN_VRS.has(vr) && el.tag !== T.ReferencedFileID);
      if (!source && !unscrubbed) continue;
      if (top && source) seen.add(el.tag);
      const creator = (el.tag >>> 16) & 1 ? creators.get(((el.tag >>> 16) << 8) | ((el.tag >>> 8) & 0xff)) : undefined;
      if (kept(rules, read, el.tag, vr, creator, el.value)) {
        if (unscrubbed && el.length <= BENIGN_MAX) for (const v of safeStrings(el, here)) benign.add(v);
        continue;
      }
      if (source) fromValue(el.tag, vr, safeStrings(el, here));
    }
  };
  visit(ds, ctx, true);
  // A DICOMDIR record's identifiers may sit in the records above it (DeidEnv.inherited).
  for (const tag of [T.PatientName, ...SOURCE_TAGS]) {
    if (seen.has(tag)) continue;
    const v = read(tag);
    if (v && !kept(rules, read, tag, tag === T.PatientName ? 'PN' : '', undefined, undefined)) fromValue(tag, tag === T.PatientName ? 'PN' : '', v.split('\\'));
  }
  const all = [...terms.values()].sort((a, b) => b.folded.length - a.folded.length);
  // A term that the input's own kept equipment attributes, codes, dates or numbers hold is taken
  // as naming what they name (a phantom named after its maker, a QA patient ID that is the
  // serial number, an institution that is the vendor): it is not searched for anywhere.
  const coincidences = new Set<Term>();
  for (const v of benign) for (const s of findTerms(v, foldText(v), all)) coincidences.add(s.term);
  return all.filter((t) => !coincidences.has(t));
}

/**
 * Entries kept before the memo of valueTerms starts over: a series repeats its patient's names,
 * IDs, birth date and institution in every file, so each is taken apart once per thread.
 */
const VALUE_TERMS_MAX = 4096;
const valueTermsMemo = new Map<string, readonly Term[]>();

/** The terms one element's values give, in the order they are added (a pure function of tag, VR and values; never mutated). */
function valueTerms(tag: Tag, vr: string, values: readonly string[]): readonly Term[] {
  let key = `${tag}|${vr}`;
  for (const v of values) key += `|${v.length}:${v}`;
  let found = valueTermsMemo.get(key);
  if (found === undefined) {
    found = Object.freeze(termsOf(tag, vr, values));
    if (valueTermsMemo.size >= VALUE_TERMS_MAX) valueTermsMemo.clear();
    valueTermsMemo.set(key, found);
  }
  return found;
}

function termsOf(tag: Tag, vr: string, values: readonly string[]): Term[] {
  const out: Term[] = [];
  const add = (text: string, label: Label, kind: TermKind): void => {
    const folded = fold(text.trim()).replace(/\s+/g, ' ');
    if (folded.length >= 3) out.push(Object.freeze({ folded, label, kind }));
  };
  for (const raw of values) {
    const v = raw.trim();
    if (!v) continue;
    if (vr === 'PN') {
      const whole = v.replace(/\^+$/, '');
      if (searchable(whole)) add(whole, 'PERSON', 'word');
      for (const part of v.split(/[=^]/)) {
        const c = part.trim().replace(/\s+/g, ' ');
        if (usefulComponent(c)) add(c, 'PERSON', 'word');
      }
    } else if (ID_TAGS.has(tag)) {
      if (isMask(v) || (!searchable(v) && v.length < 5)) continue;
      add(v, 'ID', 'id');
      const bare = v.replace(/[\s.\-/]/g, '');
      if (bare !== v && bare.length >= 5) add(bare, 'ID', 'id');
    } else if (tag === T.PatientBirthDate) {
      if (!PLACEHOLDER.test(v) && !isMask(v)) for (const f of dateForms(v)) add(f, 'DATE', 'word');
    } else {
      const label = PHRASE_TAGS.get(tag);
      if (label && searchable(v)) add(v, label, 'word');
    }
  }
  return out;
}

/** Whether the rules keep an element's value as it is (K, or a safe private element under C). */
function kept(rules: CompiledRules, read: (tag: Tag) => string | undefined, tag: Tag, vr: string, creator: string | undefined, value: Buffer | undefined): boolean {
  const a = rules.decide({ tag, vr, creator }, read).action;
  if (a === 'K') return true;
  if (a === 'C' && (tag >>> 16) & 1) return isSafePrivate(creator, tag, vr, value);
  return false;
}

/** Decoded values, read with the dictionary's VR where the element was written UN; none if undecodable. */
function safeStrings(el: Element, ctx: ValueContext): string[] {
  const vr = el.vr === 'UN' ? lookup(el.tag)?.vr : el.vr;
  if (!vr || !isStringVR(vr)) return [];
  try {
    return decodeStrings(vr === el.vr ? el : Object.assign(Object.create(Object.getPrototypeOf(el) as object) as Element, el, { vr }), ctx);
  } catch {
    return [];
  }
}
