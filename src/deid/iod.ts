import type { DataSet } from '../dicom/dataset.js';
import { IOD_ATTRIBUTE_TYPES, NESTED_ATTRIBUTE_TYPES, REQUIRED_IF_PRESENT, SOP_CLASS_IOD } from '../profile/iod-types.generated.js';
import type { Action, SimpleCode } from './types.js';

/** An attribute's Type in a module of PS3.3 (5.4): required with a value, required, optional; C: conditionally. */
export type AttributeType = '1' | '1C' | '2' | '2C' | '3';

export interface Iod {
  name: string;
  /** The attribute's Type in the IOD's modules; undefined when no module of the IOD holds it. */
  typeOf(tag: number): AttributeType | undefined;
  /** True when a module the IOD requires (usage M) holds the attribute. */
  inMandatoryModule(tag: number): boolean;
  /**
   * The Type of an attribute inside sequence items, by the tags from the top (sequences first,
   * the attribute last): the IOD's own where its modules differ, else the one every IOD holding
   * that path agrees on (macros); undefined when the extraction lacks the path.
   */
  typeAt(chain: readonly number[]): AttributeType | undefined;
}

/** Bounded memo: a file asks for the same few hundred tags, every file of a run the same ones. */
const MEMO_MAX = 1 << 16;
function remember<K, V>(memo: Map<K, V>, key: K, value: V): V {
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(key, value);
  return value;
}

const hexMemo = new Map<number, string>();
const hex = (tag: number): string => hexMemo.get(tag) ?? remember(hexMemo, tag, (tag >>> 0).toString(16).toUpperCase().padStart(8, '0'));

/**
 * The IOD of a dataset, from the generated PS3.3 facts: its SOP Class's, or for a DICOMDIR
 * record (no SOP Class; a Directory Record Type) the keys of that record type; undefined when the
 * facts lack it.
 */
export function iodOf(sopClassUid: string | undefined, directoryRecordType?: string): Iod | undefined {
  const name = sopClassUid ? SOP_CLASS_IOD[sopClassUid] : directoryRecordType ? `Directory Record ${directoryRecordType.trim()}` : undefined;
  if (!name) return undefined;
  // One per IOD for the thread's life: its lookups are asked for every element of every file.
  if (!iods.has(name)) iods.set(name, makeIod(name));
  return iods.get(name);
}

const iods = new Map<string, Iod | undefined>();

/** What the memos below hold for an attribute no module of the IOD has (PS3.3 facts never say ''). */
const NONE = '';

function makeIod(name: string): Iod | undefined {
  const types = IOD_ATTRIBUTE_TYPES[name];
  if (!types) return undefined;
  // One lookup per call: an absent attribute is remembered as NONE, not as undefined.
  const rawMemo = new Map<number, string>();
  const typeMemo = new Map<number, AttributeType | typeof NONE>();
  const raw = (tag: number): string | undefined => {
    let r = rawMemo.get(tag);
    if (r === undefined) {
      const h = hex(tag);
      r = remember(rawMemo, tag, types[h] ?? types[`${h.slice(0, 2)}xx${h.slice(4)}`] ?? NONE);
    }
    return r === NONE ? undefined : r;
  };
  const typeOf = (tag: number): AttributeType | undefined => {
    let t = typeMemo.get(tag);
    if (t === undefined) t = remember(typeMemo, tag, (raw(tag)?.replace(/u$/, '') as AttributeType | undefined) ?? NONE);
    return t === NONE ? undefined : t;
  };
  return {
    name,
    typeOf,
    inMandatoryModule: (tag) => raw(tag)?.endsWith('u') === false,
    typeAt: (chain) => {
      if (chain.length < 2) return chain.length === 1 ? (raw(chain[0]!)?.replace(/u$/, '') as AttributeType | undefined) : undefined;
      const key = chain.map(hex).join('/');
      return (types[key] ?? NESTED_ATTRIBUTE_TYPES[key]) as AttributeType | undefined;
    },
  };
}

/** The public tags of an element path ("(0040,A730)[0].(0008,1150)"): the chain typeAt takes. */
export function tagChain(path: string): number[] {
  // A scan rather than a regular expression: called for every element inside a sequence.
  const chain: number[] = [];
  for (let i = path.indexOf('('); i >= 0 && i + 10 < path.length; i = path.indexOf('(', i + 1)) {
    if (path[i + 5] !== ',' || path[i + 10] !== ')') continue;
    const g = path.slice(i + 1, i + 5);
    const e = path.slice(i + 6, i + 10);
    if (HEX4.test(g) && HEX4.test(e)) chain.push(parseInt(g + e, 16) >>> 0);
  }
  return chain;
}
const HEX4 = /^[0-9A-F]{4}$/;

/**
 * Table E.1-1a's compound codes, resolved from the attribute's Type in the instance's IOD: what
 * the IOD does not need is removed (X), a Type 2 attribute is emptied (Z) where the code allows,
 * and a Type 1 attribute gets a dummy (D). Conditional Types count as their base Type: the
 * condition held when the attribute was written (conformIod drops those whose condition the
 * de-identification removed). X/Z/U* sequences are kept with their UIDs remapped by their own
 * rows (references stay useful); left without items where the IOD does not require them, conformIod
 * removes them (an empty Type 3 sequence is invalid).
 */
export function resolveCompound(action: Action, type: AttributeType | undefined): SimpleCode | undefined {
  // Not in the extraction's tables for this IOD: its tables miss macros and functional groups
  // (Enhanced General Equipment's Device Serial Number, Content Date in Multi-frame Functional
  // Groups), so absence proves nothing: the type-free choice of rules.ts (COMPOUND) stands.
  if (typeof action !== 'string' || type === undefined) return undefined;
  const required = type === '1' || type === '1C' ? 1 : type === '2' || type === '2C' ? 2 : 3;
  switch (action) {
    case 'X/Z':
      return required === 1 ? 'D' : required === 2 ? 'Z' : 'X';
    // Always D: the extraction misses macros and functional groups where a Z/D attribute is Type 1
    // (Content Date in Multi-frame Functional Groups), and a dummy is valid whatever the Type.
    case 'Z/D':
      return 'D';
    case 'X/D':
      return required === 3 ? 'X' : 'D';
    case 'X/Z/D':
      return required === 1 ? 'D' : required === 2 ? 'Z' : 'X';
    case 'X/Z/U*':
      return 'K';
    default:
      return undefined;
  }
}

/**
 * After the top-level walk: conditional attributes whose condition was another attribute's
 * presence (ResponsiblePersonRole on ResponsiblePerson) go when that attribute went or was
 * emptied; top-level sequences left without items go where the IOD makes them Type 3.
 * Returns what was removed, for the warnings.
 */
/** REQUIRED_IF_PRESENT by tag number: looked up for every top-level element of every file. */
const requiredIfPresent = new Map(Object.entries(REQUIRED_IF_PRESENT).map(([k, v]) => [parseInt(k, 16) >>> 0, parseInt(v, 16) >>> 0]));

export function conformIod(ds: DataSet, original: DataSet, iod: Iod): number[] {
  const removed: number[] = [];
  for (const el of [...ds.elements]) {
    const tag = requiredIfPresent.get(el.tag);
    if (tag !== undefined) {
      const now = ds.get(tag);
      if (original.has(tag) && (!now || now.length === 0 || now.items?.length === 0)) {
        ds.remove(el);
        removed.push(el.tag);
        continue;
      }
    }
    if (el.items && el.items.length === 0 && iod.typeOf(el.tag) === '3') {
      {
        ds.remove(el);
        removed.push(el.tag);
      }
    }
  }
  return removed;
}

/**
 * What a plain X or Z becomes for a required attribute: Type 1 → D; Type 2 removed → Z. The
 * conditional Types are left as the row says: whether their condition holds is not in the facts.
 */
export function required(type: AttributeType, action: Action): SimpleCode | undefined {
  if (type === '1' && (action === 'X' || action === 'Z')) return 'D';
  if (type === '2' && action === 'X') return 'Z';
  return undefined;
}
