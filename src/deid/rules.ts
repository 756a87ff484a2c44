import { AnonError } from '../errors.js';
import { lookup, tagForKeyword } from '../dicom/dictionary.js';
import { parseTag, type Tag } from '../dicom/tag.js';
import type { Action, ActionCode, Condition, EngineProfile, OptionName, Rule } from './types.js';

/**
 * Rule precedence (docs/precedence.md), first match wins:
 *  1. layers, most derived profile first (a profile's own rules beat those it extends);
 *  2. within a layer, the most specific selector: tag/keyword > private element > mask > group >
 *     all private > VR > otherwise; among rules of one selector, the first whose conditions hold;
 *  3. the matched rule's option column, when an option in effect has one (several: see OPTION_RANK);
 *  4. no rule in any layer: the profile's defaults (public K, unknown public X, private X).
 */
export type Selector = 'tag' | 'privateElement' | 'mask' | 'group' | 'privateAll' | 'vr' | 'otherwise';
export const SELECTOR_ORDER: readonly Selector[] = ['tag', 'privateElement', 'mask', 'group', 'privateAll', 'vr', 'otherwise'];

/**
 * When several options in effect give actions for one row, the more protective one wins: an
 * option that cleans (C) beats one that keeps (K). Parameterised actions rank as C.
 */
const OPTION_RANK: Record<string, number> = { X: 6, Z: 5, D: 4, U: 3, C: 2, K: 1 };
const rank = (a: Action): number => (typeof a === 'string' ? (OPTION_RANK[a] ?? 2) : 2);

export interface CompiledCondition {
  tag: Tag;
  test: (value: string | undefined) => boolean;
}

export interface CompiledRule {
  selector: Selector;
  action: Action;
  options?: Partial<Record<OptionName, Action>>;
  when?: CompiledCondition[];
  /** Where the rule came from, for explain and reports: "basic#rules[12] (row 13)". */
  origin: string;
}

/** What decided an element's fate. */
export interface Decision {
  action: Action;
  origin: string;
  /** The option whose column supplied the action, if any. */
  option?: OptionName;
}

interface Mask {
  mask: number;
  value: number;
  rule: CompiledRule;
}

class Layer {
  readonly byTag = new Map<Tag, CompiledRule[]>();
  /** Key: `${creator}|${elementByte}|${group or *}`. */
  readonly privateElements = new Map<string, CompiledRule[]>();
  readonly masks: Mask[] = [];
  readonly groups = new Map<number, CompiledRule[]>();
  readonly privateAll: CompiledRule[] = [];
  readonly byVR = new Map<string, CompiledRule[]>();
  readonly otherwise: CompiledRule[] = [];
}

const push = <K>(m: Map<K, CompiledRule[]>, k: K, r: CompiledRule): void => {
  const list = m.get(k);
  if (list) list.push(r);
  else m.set(k, [r]);
};

/** A profile rule the engine cannot compile (an unknown attribute in a condition): a usage problem. */
export class RuleError extends AnonError<'RULE_INVALID'> {
  constructor(
    message: string,
    readonly origin: string,
  ) {
    super('RULE_INVALID', `${origin}: ${message}`);
  }
}

function attributeTag(attr: string, origin: string): Tag {
  const tag = parseTag(attr) ?? tagForKeyword(attr);
  if (tag === undefined) throw new RuleError(`unknown attribute ${JSON.stringify(attr)} in a condition`, origin);
  return tag;
}

export function compileCondition(c: Condition, origin: string): CompiledCondition {
  const tag = attributeTag(c.attribute, origin);
  const re = c.matches !== undefined ? new RegExp(c.matches) : undefined;
  const inSet = c.in ? new Set(c.in) : undefined;
  return {
    tag,
    test: (v) => {
      if (c.present !== undefined && (v !== undefined) !== c.present) return false;
      if (c.equals !== undefined && v !== c.equals) return false;
      if (inSet && (v === undefined || !inSet.has(v))) return false;
      if (re && (v === undefined || !re.test(v))) return false;
      return true;
    },
  };
}

function parseMask(text: string): { mask: number; value: number } {
  const hex = text.replace(/[(),]/g, '');
  let mask = 0;
  let value = 0;
  for (const ch of hex) {
    mask = mask * 16 + (ch === 'x' || ch === 'X' ? 0 : 15);
    value = value * 16 + (ch === 'x' || ch === 'X' ? 0 : parseInt(ch, 16));
  }
  return { mask: mask >>> 0, value: value >>> 0 };
}

function compileRule(rule: Rule, origin: string, layer: Layer): void {
  const m = rule.match;
  const base = { action: rule.action, options: rule.options, when: rule.when?.map((c) => compileCondition(c, origin)), origin };
  if (m.tag !== undefined || m.keyword !== undefined) {
    const tag = m.tag !== undefined ? parseTag(m.tag) : tagForKeyword(m.keyword!);
    if (tag === undefined) throw new RuleError(`unknown attribute ${JSON.stringify(m.tag ?? m.keyword)}`, origin);
    push(layer.byTag, tag, { selector: 'tag', ...base });
  } else if (m.private === 'all') {
    layer.privateAll.push({ selector: 'privateAll', ...base });
  } else if (m.private) {
    const key = `${m.private.creator.trim()}|${parseInt(m.private.element, 16)}|${m.private.group ? parseInt(m.private.group, 16) : '*'}`;
    push(layer.privateElements, key, { selector: 'privateElement', ...base });
  } else if (m.mask !== undefined) {
    layer.masks.push({ ...parseMask(m.mask), rule: { selector: 'mask', ...base } });
  } else if (m.group !== undefined) {
    push(layer.groups, parseInt(m.group, 16), { selector: 'group', ...base });
  } else if (m.vr !== undefined) {
    push(layer.byVR, m.vr, { selector: 'vr', ...base });
  } else if (m.otherwise) {
    layer.otherwise.push({ selector: 'otherwise', ...base });
  } else {
    throw new RuleError('a rule must have exactly one selector', origin);
  }
}

/** Looks up an attribute of the top-level dataset, decoded, for conditions. */
export type AttributeReader = (tag: Tag) => string | undefined;

/** The element being decided. */
export interface Subject {
  tag: Tag;
  vr: string;
  /** The private creator of a private data element's block (undefined for public tags). */
  creator?: string;
}

export class CompiledRules {
  private readonly layers: Layer[] = [];
  readonly options: ReadonlySet<OptionName>;
  readonly conditionTags: Tag[];
  /** Per rule with option columns: the option action in effect (null: none), decided on first use. */
  private readonly optionChoice = new Map<CompiledRule, Decision | null>();

  constructor(readonly profile: EngineProfile) {
    this.options = new Set(profile.options);
    const tags = new Set<Tag>();
    for (const l of profile.layers) {
      const layer = new Layer();
      l.rules.forEach((r, i) => {
        compileRule(r, `${l.profile}#rules[${i}]${r.row ? ` (row ${r.row})` : ''}`, layer);
        for (const c of r.when ?? []) tags.add(attributeTag(c.attribute, l.profile));
      });
      this.layers.push(layer);
    }
    this.conditionTags = [...tags];
  }

  private pick(list: CompiledRule[] | undefined, read: AttributeReader): CompiledRule | undefined {
    if (!list) return undefined;
    for (const r of list) if (!r.when || r.when.every((c) => c.test(read(c.tag)))) return r;
    return undefined;
  }

  private matchLayer(layer: Layer, s: Subject, read: AttributeReader): CompiledRule | undefined {
    const group = s.tag >>> 16;
    const isPrivate = (group & 1) === 1;
    let r = this.pick(layer.byTag.get(s.tag), read);
    if (r) return r;
    if (isPrivate && s.creator !== undefined && layer.privateElements.size) {
      const byte = s.tag & 0xff;
      r = this.pick(layer.privateElements.get(`${s.creator}|${byte}|${group}`), read) ?? this.pick(layer.privateElements.get(`${s.creator}|${byte}|*`), read);
      if (r) return r;
    }
    for (const m of layer.masks) {
      if ((s.tag & m.mask) >>> 0 === m.value && (!m.rule.when || m.rule.when.every((c) => c.test(read(c.tag))))) return m.rule;
    }
    r = this.pick(layer.groups.get(group), read);
    if (r) return r;
    if (isPrivate) {
      r = this.pick(layer.privateAll, read);
      if (r) return r;
    }
    return this.pick(layer.byVR.get(s.vr), read) ?? this.pick(layer.otherwise, read);
  }

  /** The action for an element, and what decided it. */
  decide(s: Subject, read: AttributeReader): Decision {
    for (const layer of this.layers) {
      const rule = this.matchLayer(layer, s, read);
      if (rule) return this.withOptions(rule);
    }
    const group = s.tag >>> 16;
    if ((group & 1) === 1) return { action: this.profile.defaults.private, origin: 'defaults.private' };
    if (lookup(s.tag) === undefined || group === 0xfffe) {
      return { action: this.profile.defaults.unknownPublic, origin: 'defaults.unknownPublic' };
    }
    return { action: this.profile.defaults.public, origin: 'defaults.public' };
  }

  /** A fresh Decision (the engine amends it) from the rule's option choice, made once per rule. */
  private withOptions(rule: CompiledRule): Decision {
    if (!rule.options) return { action: rule.action, origin: rule.origin };
    let best = this.optionChoice.get(rule);
    if (best === undefined) {
      best = null;
      for (const [opt, action] of Object.entries(rule.options) as [OptionName, Action][]) {
        if (!this.options.has(opt)) continue;
        if (!best || rank(action) > rank(best.action)) best = { action, origin: `${rule.origin} option ${opt}`, option: opt };
      }
      this.optionChoice.set(rule, best);
    }
    return best ? { action: best.action, origin: best.origin, option: best.option } : { action: rule.action, origin: rule.origin };
  }
}

/**
 * Compound codes of Table E.1-1a keep the attribute when keeping it may be needed for IOD
 * conformance: without per-IOD type tables the engine takes the choice that is conformant
 * whatever the attribute's type, and is as private (an empty or dummy value carries nothing).
 * X/Z/U* sequences are kept and cleaned, their UID references remapped by their own rows (U).
 */
export const COMPOUND: Record<Exclude<ActionCode, 'D' | 'Z' | 'X' | 'K' | 'C' | 'U'>, 'D' | 'Z' | 'K'> = {
  'Z/D': 'D',
  'X/Z': 'Z',
  'X/D': 'D',
  'X/Z/D': 'D',
  'X/Z/U*': 'K',
};
