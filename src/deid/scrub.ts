// Kept text values scrubbed of the patient's own identifiers (issue 12). A value the profile keeps
// (K, at any depth, safe private elements included) may still carry a copy of the patient's name
// or ID typed in by someone (a window explanation, a position reference, a content description):
// the copy is replaced like Clean Descriptors replaces what it finds, or, when the value was
// nothing but identifiers, the attribute is removed or emptied as its Type allows. The policy is
// in docs/precedence.md ("Identifiers in kept values").
import type { Element } from '../dicom/dataset.js';
import { decodeStrings } from '../dicom/values.js';
import type { Span } from '../detect/index.js';
import { remove } from './actions/remove.js';
import { zero } from './actions/zero.js';
import { tagChain } from './iod.js';
import { EQUIPMENT_TAGS, findTerms, foldText, SCRUBBED_VRS, type Term } from './scrub-match.js';
import { setStrings, writeVR, type ElementCall } from './state.js';
import { replaceFound } from './text-detect.js';

/** What is left of a value once its spans are cut out holds no letter or digit. */
const onlySpans = (text: string, spans: Span[]): boolean => {
  let rest = '';
  let at = 0;
  for (const s of spans) {
    rest += text.slice(at, s.start);
    at = s.end;
  }
  return !/[\p{L}\p{N}]/u.test(rest + text.slice(at));
};

/**
 * Scrubs one kept leaf value (called by the K action). Values of other VRs, the equipment's
 * attributes and files without terms are left as they are.
 */
export function scrubKept(call: ElementCall): void {
  const { st, el, path } = call;
  const terms = st.scrubTerms;
  if (terms.length === 0 || el.items || el.fragments || EQUIPMENT_TAGS.has(el.tag)) return;
  const vr = writeVR(el);
  if (vr === 'UN') return scrubOpaque(call, terms);
  if (!SCRUBBED_VRS.has(vr) || !el.value?.length) return;
  let values: string[];
  try {
    values = decodeStrings(el, call.ctx);
  } catch {
    return; // not text of its VR: keptDoubt (doubt.ts) has already removed such values
  }
  const found = values.map((v) => findTerms(v, foldText(v), terms));
  if (found.every((s) => s.length === 0)) return;
  const mode = st.env.detect.replacement;
  const next = values.map((v, i) => replaceFound(st.detection, v, vr, path, i, found[i]!, mode));
  const labels = [...new Set(found.flat().map((s) => s.label))].join(', ');
  const whole = values.every((v, i) => v.trim() === '' || (found[i]!.length > 0 && onlySpans(v, found[i]!)));
  if (!whole) {
    setStrings(call.ds, el, next, call.ctx, vr);
    st.warnings.push(`${path}: the patient's ${labels} in a kept value: replaced`);
    return;
  }
  // Nothing but identifiers: as little as the attribute's Type allows is left.
  const type = (el.tag >>> 16) & 1 ? undefined : path.includes('[') ? st.iod?.typeAt(tagChain(path)) : st.iod?.typeOf(el.tag);
  if (type === '1' || type === '1C') {
    setStrings(call.ds, el, next, call.ctx, vr);
    st.warnings.push(`${path}: the patient's ${labels} in a kept value: replaced (Type ${type})`);
  } else if (type === '2' || type === '2C') {
    zero(call);
    st.warnings.push(`${path}: the patient's ${labels} in a kept value: emptied (Type ${type})`);
  } else {
    remove(call);
    st.warnings.push(`${path}: the patient's ${labels} in a kept value: removed (${type ? `Type ${type}` : 'no Type'})`);
  }
}

/** A kept value of unknown VR (a safe private element read as UN): text holding a term is removed. */
function scrubOpaque(call: ElementCall, terms: readonly Term[]): void {
  const el: Element = call.el;
  if (!el.value?.length || el.value.length > 64 * 1024) return;
  const text = el.value.toString('latin1');
  const spans = findTerms(text, foldText(text), terms);
  if (spans.length === 0) return;
  for (const s of spans) call.st.detection.found.push({ path: call.path, start: s.start, end: s.end, label: s.label, score: 1, detector: 'header' });
  remove(call);
  call.st.warnings.push(`${call.path}: the patient's ${[...new Set(spans.map((s) => s.label))].join(', ')} in a kept value of unknown VR: removed`);
}

/**
 * A value a C action has cleaned, searched once more for the patient's identifiers: the
 * detectors know the top-level names, the terms also the names of observers and physicians nested
 * in sequences. Only replacement here: the cleaned attribute stays.
 */
export function scrubCleaned(st: ElementCall['st'], text: string, vr: string, path: string, index: number): string {
  if (st.scrubTerms.length === 0 || !SCRUBBED_VRS.has(vr)) return text;
  const spans = findTerms(text, foldText(text), st.scrubTerms);
  return spans.length ? replaceFound(st.detection, text, vr, path, index, spans, st.env.detect.replacement) : text;
}
