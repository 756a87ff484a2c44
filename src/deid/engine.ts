import { DataSet, Element } from '../dicom/dataset.js';
import { lookup } from '../dicom/dictionary.js';
import type { DicomFile } from '../dicom/part10.js';
import { formatTag, isPrivateCreator } from '../dicom/tag.js';
import { datasetContext, decodeStrings, type ValueContext } from '../dicom/values.js';
import { isStringVR } from '../dicom/vr.js';
import { ACTIONS } from './actions/index.js';
import { dummyNested } from './actions/dummy-nested.js';
import { applyParam } from './actions/param.js';
import { keptDoubt, misplaced, structuralDoubt } from './doubt.js';
import { DeidError } from './errors.js';
import { CODE_ATTRIBUTES } from './codes.js';
import { applyMarks } from './marks.js';
import { rebuildMeta } from './meta.js';
import { retypeUN } from './retype.js';
import { scrubTerms } from './scrub-terms.js';
import { COMPOUND, type Decision } from './rules.js';
import { conformIod, iodOf, required, resolveCompound, tagChain } from './iod.js';
import { FileState, type DeidEnv, type ElementCall } from './state.js';
import type { EntityFound } from '../detect/index.js';
import type { Action, SimpleCode } from './types.js';
import * as T from '../dicom/tags.generated.js';

export interface DeidResult {
  /** Count per kind of identifier removed or replaced. */
  entities: Record<string, number>;
  /** Identifiers found inside text values (profile detect section, detect actions). */
  found?: EntityFound[];
  warnings: string[];
  /** The warnings the user must see (console, journal, report): what an option could not do. */
  notices?: string[];
  datesShifted: boolean;
}

export const simpleCode = (a: Action): SimpleCode | undefined => (typeof a !== 'string' ? undefined : a in COMPOUND ? COMPOUND[a as keyof typeof COMPOUND] : (a as SimpleCode));

const describe = (a: Action): string => (typeof a === 'string' ? a : JSON.stringify(a));

const shortValue = (el: Element | undefined, ctx: ValueContext): string | undefined => {
  if (!el) return undefined;
  if (el.items) return `(sequence, ${el.items.length} items)`;
  if (el.fragments) return `(encapsulated, ${el.fragments.length} fragments)`;
  if (el.value === undefined) return `(${el.length} bytes, not loaded)`;
  try {
    const v = decodeStrings(el, ctx).join('\\');
    return v.length > 64 ? `${v.slice(0, 61)}...` : v;
  } catch {
    return `(${el.value.length} bytes)`;
  }
};

/**
 * De-identifies a parsed file in place: every element, at every depth, gets the action the
 * profile's rules decide (rules.ts has the precedence); then the marks and the file meta are set.
 * Throws DeidError when the file cannot be fully cleaned, so it is never written as if it were.
 */
export function deidentify(f: DicomFile, env: DeidEnv): DeidResult {
  const st = new FileState(f, env);
  const iod = iodOf(st.read(T.SOPClassUID), st.read(T.DirectoryRecordType));
  st.iod = iod;
  // Taken before the walk: rules change nested values in place.
  st.scrubTerms = scrubTerms(f.dataset, st.top, st.rules, st.read);
  const walk = (ds: DataSet, inherited: ValueContext, path: string, cleaning = false, dummying = false): void => {
    const ctx = datasetContext(ds, inherited);
    const creators = new Map<number, string>();
    const opaque = new Set<Element>();
    const outOfOrder = misplaced(ds);
    for (const el of ds.elements) {
      if (!retypeUN(el, st.file.encoding)) opaque.add(el);
    }
    for (const el of ds.elements) {
      if (isPrivateCreator(el.tag) && el.value) {
        // A creator that is not text names no block: which rules apply to the block is unknown.
        if (!isStringVR(el.vr))
          throw new DeidError('DEID_FAILED', `private creator with VR ${el.vr}, not LO: its block cannot be identified`, `${path}${path ? '.' : ''}${formatTag(el.tag)}`);
        creators.set(((el.tag >>> 16) << 8) | (el.tag & 0xff), decodeStrings(el, ctx)[0] ?? '');
      }
    }
    for (const el of [...ds.elements]) {
      if (isPrivateCreator(el.tag)) continue; // kept or dropped with their blocks, below
      const here = `${path}${path ? '.' : ''}${formatTag(el.tag)}`;
      const creator = (el.tag >>> 16) & 1 ? creators.get(((el.tag >>> 16) << 8) | ((el.tag >>> 8) & 0xff)) : undefined;
      const doubt = structuralDoubt(el);
      const decision: Decision =
        el.tag >>> 16 === 0xfffe
          ? { action: 'X', origin: 'stray item or delimiter' } // structure left by a faulty writer: never kept
          : doubt !== undefined
            ? { action: 'X', origin: doubt }
            : st.rules.decide({ tag: el.tag, vr: el.vr, creator }, st.read);
      if (doubt !== undefined) st.warnings.push(`${here}: ${doubt}`);
      if (cleaning && decision.origin === 'defaults.public' && cleanable(el)) {
        // Inside a cleaned sequence (Content Sequence under Clean Structured Content…), values no
        // rule names are cleaned rather than kept: free text there is the likeliest leak.
        decision.action = 'C';
        decision.origin = 'inside a cleaned sequence';
      }
      if (path && iod) {
        // Inside a sequence: the same resolution from the attribute's Type in the item (its
        // macro), where the extraction has the path; otherwise the type-free choice stands.
        const type = iod.typeAt(tagChain(here));
        const resolved = resolveCompound(decision.action, type);
        if (resolved) {
          decision.origin += ` (${describe(decision.action)}: Type ${type} in its item, ${iod.name})`;
          decision.action = resolved;
        }
      } else if (iod) {
        // Top level: compound codes resolved from the attribute's Type in the IOD (iod.ts).
        const type = iod.typeOf(el.tag);
        const resolved = resolveCompound(decision.action, type);
        if (resolved) {
          decision.origin += ` (${describe(decision.action)}: Type ${type} in ${iod.name})`;
          decision.action = resolved;
        } else if (type && iod.inMandatoryModule(el.tag)) {
          // A required attribute of a required module, removed or emptied, would leave the output
          // invalid: a Type 1 one gets a dummy, a Type 2 one is emptied (in an optional module,
          // removal may take the whole module: overlays).
          const to = required(type, decision.action);
          if (to) {
            decision.origin += ` (${decision.action}: Type ${type} in ${iod.name}, so ${to})`;
            decision.action = to;
          }
        }
      }
      const nestedDummy = dummying && decision.origin === 'defaults.public';
      if (nestedDummy) {
        // Inside a replaced (D) sequence, attributes no rule names are not kept: dummy-nested.ts.
        decision.action = 'D';
        decision.origin = 'inside a replaced sequence';
      }
      if (opaque.has(el) && simpleCode(decision.action) !== 'X') {
        // A sequence whose bytes cannot be read cannot be cleaned: fail closed.
        st.warnings.push(`${here}: sequence encoded as UN could not be read: removed`);
        decision.action = 'X';
        decision.origin += ' (unreadable sequence)';
      }
      // Invalid VR bytes are never copied: a kept element is written again with the VR it was read as.
      if (el.badVR !== undefined) el.modified = true;
      const kept = simpleCode(decision.action) !== 'K' ? undefined : outOfOrder.has(el) ? 'out of ascending tag order (a changed tag?): removed' : keptDoubt(el);
      if (kept !== undefined) {
        // Fail closed: a kept value that cannot be what its header says may hold what it swallowed.
        st.warnings.push(`${here}: ${kept}`);
        decision.action = 'X';
        decision.origin += ` (${kept})`;
      }
      const call: ElementCall = { st, ds, el, ctx, path: here, decision, creator, walk, cleaning, dummying };
      const before = env.explain ? shortValue(el, ctx) : undefined;
      try {
        const code = simpleCode(decision.action);
        if (nestedDummy && code === 'D') dummyNested(call);
        else if (code) ACTIONS[code](call);
        else applyParam(call, decision.action as Exclude<Action, string>);
      } catch (e) {
        if (e instanceof DeidError) throw e;
        throw new DeidError('DEID_FAILED', `${(e as Error).message}`, here);
      }
      if (env.explain) {
        env.explain({
          path: here,
          tag: el.tag,
          keyword: lookup(el.tag)?.keyword ?? (creator !== undefined ? `private (${creator})` : ''),
          vr: el.vr,
          action: describe(decision.action),
          origin: decision.origin,
          before,
          after: shortValue(ds.get(el.tag), ctx),
        });
      }
    }
    dropEmptyPrivateBlocks(ds);
  };
  const overlays = overlayGroupsWithData(f.dataset);
  const original = new DataSet([...f.dataset.elements]);
  walk(f.dataset, st.top, '');
  dropOrphanedOverlays(f.dataset, overlays);
  // Under Clean Graphics the graphic rows are C: what is left of them was cleaned, not removed.
  st.graphicsCleaned = f.dataset.elements.some((e) => e.tag === T.GraphicAnnotationSequence || isOverlayGroup(e.tag >>> 16) || isCurveGroup(e.tag >>> 16));
  if (iod) for (const tag of conformIod(f.dataset, original, iod)) st.warnings.push(`${formatTag(tag)}: not required by ${iod.name} once de-identified: removed`);
  // The meta is rebuilt from validated values whether or not the profile marks the file.
  st.warnings.push(...rebuildMeta(f));
  if (env.profile.marks) applyMarks(st);
  return { entities: st.counts, found: st.found, warnings: st.warnings, ...(st.notices.length ? { notices: st.notices } : {}), datesShifted: st.datesShifted };
}

/** In cleaned content, codes (and the character set) are kept; text, names, dates and UIDs are cleaned. */
const cleanable = (el: Element): boolean =>
  !CODE_ATTRIBUTES.has(el.tag) && el.tag !== T.SpecificCharacterSet && ['LO', 'SH', 'ST', 'LT', 'UT', 'UC', 'PN', 'DA', 'DT', 'UI', 'AS'].includes(el.vr);

const isOverlayGroup = (g: number): boolean => g >= 0x6000 && g <= 0x601e && (g & 1) === 0;
const isCurveGroup = (g: number): boolean => g >= 0x5000 && g <= 0x501e && (g & 1) === 0;
const overlayData = (g: number): number => ((g << 16) | 0x3000) >>> 0;

function overlayGroupsWithData(ds: DataSet): number[] {
  const groups = new Set<number>();
  for (const e of ds.elements) if (isOverlayGroup(e.tag >>> 16) && e.tag === overlayData(e.tag >>> 16)) groups.add(e.tag >>> 16);
  return [...groups];
}

/**
 * An overlay plane whose Overlay Data (60xx,3000) the rules removed is removed whole: its rows,
 * columns and origin alone would leave the Overlay Plane module invalid.
 */
function dropOrphanedOverlays(ds: DataSet, hadData: number[]): void {
  for (const g of hadData) {
    if (ds.has(overlayData(g))) continue;
    for (const e of [...ds.elements]) if (e.tag >>> 16 === g) ds.remove(e);
  }
}

/** A private creator stays only while its block still holds an element. */
function dropEmptyPrivateBlocks(ds: DataSet): void {
  const creators = ds.elements.filter((el) => isPrivateCreator(el.tag));
  if (creators.length === 0) return;
  // One pass for the blocks in use (group and block byte), rather than a pass per creator.
  const used = new Set<number>();
  for (const e of ds.elements) if (!isPrivateCreator(e.tag)) used.add(((e.tag >>> 16) << 8) | ((e.tag >>> 8) & 0xff));
  for (const el of creators) if (!used.has(((el.tag >>> 16) << 8) | (el.tag & 0xff))) ds.delete(el.tag);
}
