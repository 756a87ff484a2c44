// The verifier's own reading of a profile. Deliberately separate from src/deid/ (it must not share
// the de-identifier's rule code, or a bug there would agree with itself) and deliberately simple:
// it only needs to say, for an element, what the profile promises happens to its value.

import { lookup } from '../dicom/dictionary.js';
import { parseTag, type Tag } from '../dicom/tag.js';
import { tagForKeyword } from '../dicom/dictionary.js';
import type { Action, ActionCode, Condition, OptionName, ResolvedProfile, Rule } from '../profile/load.js';
import { SAFE_PRIVATE } from '../profile/safe-private.generated.js';

/**
 * What the profile promises for an element's value:
 *  keep    the value may stay as it is (K);
 *  remove  the element must be gone (X);
 *  replace the original value must not survive (Z, D, compound codes, replace/set/hash);
 *  uid     a UID that must be remapped (U, or C/D/Z on a UI value);
 *  shift   a date that must move by the patient's offset (C on DA/DT, shiftDate);
 *  clean   text cleaned of identifiers: parts of the value may legitimately survive (C on text).
 */
export type Expectation = 'keep' | 'remove' | 'replace' | 'uid' | 'shift' | 'clean';

export interface Expect {
  kind: Expectation;
  /** For shift: a fixed number of days (shiftDate with days), else the profile's range applies. */
  days?: number;
  /** Where it came from, for messages. */
  origin: string;
}

/** Reads a top-level attribute of the original file, for `when` conditions. */
export type TopReader = (tag: Tag) => string | undefined;

const RANK: Record<string, number> = { X: 5, Z: 4, D: 3, U: 2, C: 1, K: 0 };

/** Compound codes read conservatively: anything that may keep the value is "replace" at least. */
function simple(code: ActionCode): 'X' | 'Z' | 'D' | 'U' | 'C' | 'K' {
  switch (code) {
    case 'X':
    case 'Z':
    case 'D':
    case 'U':
    case 'C':
    case 'K':
      return code;
    case 'X/Z/U*':
      return 'K'; // the sequence stays; its items are judged by their own rows
    case 'X/Z':
      return 'Z';
    default:
      return 'D'; // Z/D, X/D, X/Z/D
  }
}

const rankOf = (a: Action): number => (typeof a === 'string' ? RANK[simple(a)] : 1);

interface Sel {
  kind: 'tag' | 'privateElement' | 'mask' | 'group' | 'privateAll' | 'vr' | 'otherwise';
  rule: Rule;
  tag?: Tag;
  mask?: number;
  value?: number;
  group?: number;
  creator?: string;
  byte?: number;
  vr?: string;
}

const ORDER: Sel['kind'][] = ['tag', 'privateElement', 'mask', 'group', 'privateAll', 'vr', 'otherwise'];

function selector(rule: Rule): Sel | undefined {
  const m = rule.match;
  if (m.tag !== undefined) {
    const t = parseTag(m.tag);
    return t === undefined ? undefined : { kind: 'tag', rule, tag: t };
  }
  if (m.keyword !== undefined) {
    const t = tagForKeyword(m.keyword);
    return t === undefined ? undefined : { kind: 'tag', rule, tag: t };
  }
  if (m.private === 'all') return { kind: 'privateAll', rule };
  if (m.private) {
    return {
      kind: 'privateElement',
      rule,
      creator: m.private.creator.trim(),
      byte: parseInt(m.private.element, 16) & 0xff,
      group: m.private.group ? parseInt(m.private.group, 16) : undefined,
    };
  }
  if (m.mask !== undefined) {
    const hex = m.mask.replace(/[^0-9a-fA-FxX]/g, '');
    let mask = 0;
    let value = 0;
    for (const c of hex) {
      const x = c === 'x' || c === 'X';
      mask = mask * 16 + (x ? 0 : 15);
      value = value * 16 + (x ? 0 : parseInt(c, 16));
    }
    return { kind: 'mask', rule, mask: mask >>> 0, value: value >>> 0 };
  }
  if (m.group !== undefined) return { kind: 'group', rule, group: parseInt(m.group, 16) };
  if (m.vr !== undefined) return { kind: 'vr', rule, vr: m.vr };
  if (m.otherwise) return { kind: 'otherwise', rule };
  return undefined;
}

function holds(c: Condition, read: TopReader): boolean {
  const t = parseTag(c.attribute) ?? tagForKeyword(c.attribute);
  const v = t === undefined ? undefined : read(t);
  if (c.present !== undefined && (v !== undefined) !== c.present) return false;
  if (c.equals !== undefined && v !== c.equals) return false;
  if (c.in !== undefined && (v === undefined || !c.in.includes(v))) return false;
  if (c.matches !== undefined) {
    try {
      if (v === undefined || !new RegExp(c.matches).test(v)) return false;
    } catch {
      return false;
    }
  }
  return true;
}

const SAFE = new Set(SAFE_PRIVATE.map((a) => `${a.group ?? '*'}|${a.creator}|${a.elementLow}`));

/** PS3.15 Table E.3.10-1, read on its own here (group, creator of the block, low byte). */
export function isSafePrivateElement(creator: string | undefined, tag: Tag): boolean {
  if (creator === undefined) return false;
  return SAFE.has(`${tag >>> 16}|${creator}|${tag & 0xff}`) || SAFE.has(`*|${creator}|${tag & 0xff}`);
}

export interface Subject {
  tag: Tag;
  vr: string;
  /** The private creator reserving the block of a private element. */
  creator?: string;
}

/** The profile, read for the verifier. */
export class VerifyRules {
  private readonly layers: Sel[][];
  private readonly options: Set<OptionName>;
  readonly shiftsDates: boolean;

  constructor(readonly profile: ResolvedProfile) {
    this.options = new Set(profile.options);
    this.layers = profile.layers.map((l) => l.rules.map(selector).filter((s): s is Sel => s !== undefined));
    // Whether any rule could shift a date: decides which LongitudinalTemporalInformationModified values are right.
    this.shiftsDates = this.options.has('retainLongModifiedDates') || this.layers.some((l) => l.some((s) => typeof s.rule.action === 'object' && 'shiftDate' in s.rule.action));
  }

  /** The action in effect for a subject: the rule's own, or its most protective option column in effect. */
  action(s: Subject, read: TopReader): { action: Action; origin: string } {
    const rule = this.match(s, read);
    if (!rule) {
      const group = s.tag >>> 16;
      if (group === 0xfffe) return { action: 'X', origin: 'stray item or delimiter' };
      if (group & 1) return { action: this.profile.defaults.private, origin: 'defaults.private' };
      if (lookup(s.tag) === undefined) return { action: this.profile.defaults.unknownPublic, origin: 'defaults.unknownPublic' };
      return { action: this.profile.defaults.public, origin: 'defaults.public' };
    }
    let action: Action = rule.action;
    let origin = rule.name ?? JSON.stringify(rule.match);
    let best = -1;
    for (const [opt, a] of Object.entries(rule.options ?? {}) as [OptionName, Action][]) {
      if (!this.options.has(opt)) continue;
      if (rankOf(a) > best) {
        best = rankOf(a);
        action = a;
        origin = `${rule.name ?? JSON.stringify(rule.match)} (${opt})`;
      }
    }
    return { action, origin };
  }

  private match(s: Subject, read: TopReader): Rule | undefined {
    const group = s.tag >>> 16;
    const priv = (group & 1) === 1;
    for (const layer of this.layers) {
      for (const kind of ORDER) {
        for (const sel of layer) {
          if (sel.kind !== kind) continue;
          let hit = false;
          switch (kind) {
            case 'tag':
              hit = sel.tag === s.tag;
              break;
            case 'privateElement':
              hit = priv && s.creator !== undefined && sel.creator === s.creator.trim() && sel.byte === (s.tag & 0xff) && (sel.group === undefined || sel.group === group);
              break;
            case 'mask':
              hit = (s.tag & sel.mask!) >>> 0 === sel.value;
              break;
            case 'group':
              hit = sel.group === group;
              break;
            case 'privateAll':
              hit = priv;
              break;
            case 'vr':
              hit = sel.vr === s.vr;
              break;
            case 'otherwise':
              hit = true;
              break;
          }
          if (hit && (!sel.rule.when || sel.rule.when.every((c) => holds(c, read)))) return sel.rule;
        }
      }
    }
    return undefined;
  }

  /** What must be true of the element's value after de-identification. */
  expect(subject: Subject, read: TopReader): Expect {
    // An explicit UN of a tag the dictionary knows is judged by its real VR (writers convert implicit files that way).
    const dictVR = subject.vr === 'UN' && ((subject.tag >>> 16) & 1) === 0 ? lookup(subject.tag)?.vr : undefined;
    const s: Subject = dictVR && /^[A-Z]{2}$/.test(dictVR) ? { ...subject, vr: dictVR } : subject;
    const { action, origin } = this.action(s, read);
    const priv = ((s.tag >>> 16) & 1) === 1;
    if (typeof action !== 'string') {
      if ('shiftDate' in action) return { kind: 'shift', days: action.shiftDate.days, origin };
      return { kind: s.vr === 'UI' ? 'uid' : 'replace', origin };
    }
    const code = simple(action);
    switch (code) {
      case 'K':
        return { kind: 'keep', origin };
      case 'X':
        return { kind: 'remove', origin };
      case 'U':
        return { kind: 'uid', origin };
      case 'Z':
      case 'D':
        return { kind: s.vr === 'UI' ? 'uid' : 'replace', origin };
      case 'C':
        if (priv)
          return isSafePrivateElement(s.creator, s.tag)
            ? { kind: 'keep', origin: `${origin}, safe private` }
            : { kind: 'remove', origin: `${origin}, not a safe private attribute` };
        if (s.vr === 'SQ') return { kind: 'keep', origin };
        if (s.vr === 'UI') return { kind: 'uid', origin };
        if (s.vr === 'DA' || s.vr === 'DT') return { kind: 'shift', origin };
        if (s.vr === 'TM' || s.vr === 'AS') return { kind: 'keep', origin };
        if (isText(s.vr)) return { kind: 'clean', origin };
        return { kind: 'remove', origin: `${origin} (no cleaning exists for ${s.vr})` };
    }
  }
}

const TEXT = new Set(['AE', 'CS', 'DS', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'UC', 'UR', 'UT']);
export const isText = (vr: string): boolean => TEXT.has(vr);
