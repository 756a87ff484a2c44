// Residual identifiers: values the profile removes or replaces, found again anywhere in the
// output (any depth, private blocks, UN values, raw bytes) as whole values, words in text or
// bytes; else the parts of removed person names and patient IDs inside text or bytes.

import { isStringVR } from '../../dicom/vr.js';
import { findBounded, findBoundedText } from '../bounded.js';
import type { Found, PairContext, StartCheck } from '../check.js';
import { maskValue } from '../mask-value.js';
import { findEmbedded, findEmbeddedBytes, findWord } from '../parts.js';
import { rawBytes } from '../scan.js';
import { PIXEL_TAGS } from '../tags.js';
import { residualNeedles, type Needles } from './residual-needles.js';

/** VRs whose values are numbers, dates or times: an ID turning up inside them is chance. */
const NUMERIC_TEXT = new Set(['DS', 'IS', 'DA', 'DT', 'TM', 'AS']);

export const residual: StartCheck = () => ({
  pair(p) {
    const n = residualNeedles(p.inputs);
    return {
      *element(v) {
        const { el, path } = v;
        if (el.vr === 'UI' || (PIXEL_TAGS.includes(el.tag) && v.depth === 0)) return;
        if (v.values) yield* inText(p, n, path, el.vr, v.values);
        else if (!isStringVR(el.vr) && !el.items) {
          const raw = rawBytes(el, v.ctx);
          if (raw) yield* inBytes(p, n, path, el.vr, raw);
        }
      },
    };
  },
});

/**
 * A residual found in an attribute the profile cleans, where the input held the same text: the
 * cleaner judged that text not identifying. For values that identify the patient whatever they
 * look like (names, IDs, dates) it stays an error; for others (a private copy of a protocol name)
 * it is a warning.
 */
function leak(p: PairContext, n: Needles, outPath: string, value: string, f: Omit<Found, 'code'>): Found {
  const info = n.personal.has(value) ? undefined : p.inElements.get(outPath);
  const cleanedHere = info?.expect.kind === 'clean' && (info.values ?? []).some((x) => findBoundedText(x, value));
  if (cleanedHere) {
    return { code: 'RESIDUAL_IDENTIFIER', ...f, message: `${f.message} (a cleaned attribute of the input held the same text and the cleaner kept it)`, severity: 'warning' };
  }
  return { code: 'RESIDUAL_IDENTIFIER', ...f };
}

function* inText(p: PairContext, n: Needles, path: string, vr: string, values: string[]): Generator<Found> {
  const { at } = p;
  let found = false;
  for (const x of values) {
    const X = x.toUpperCase();
    const from = n.residual.get(X);
    if (from !== undefined) {
      yield leak(p, n, path, X, {
        ...at,
        path,
        message:
          path === from ? 'the original value is still here, though the profile removes or replaces it' : `holds the value of ${from}, which the profile removes or replaces`,
        value_hint: maskValue(x),
      });
      found = true;
      continue;
    }
    for (const needle of n.needles) {
      if (needle !== X && findBoundedText(x, needle)) {
        yield leak(p, n, path, needle, {
          ...at,
          path,
          message: `contains the value of ${n.residual.get(needle)}, which the profile removes or replaces`,
          value_hint: maskValue(needle),
        });
        found = true;
      }
    }
  }
  if (found) return;
  const numeric = NUMERIC_TEXT.has(vr);
  for (const x of values) {
    const X = x.toUpperCase();
    for (const [comp, from] of n.components) {
      if (findWord(X, comp))
        yield {
          code: 'RESIDUAL_IDENTIFIER',
          ...at,
          path,
          message: `contains a part of the person name in ${from}, which the profile removes or replaces`,
          value_hint: maskValue(comp),
        };
    }
    if (numeric) continue;
    for (const [id, from] of n.ids) {
      if (findEmbedded(X, id))
        yield { code: 'RESIDUAL_IDENTIFIER', ...at, path, message: `contains the ID in ${from}, which the profile removes or replaces`, value_hint: maskValue(id) };
    }
  }
}

function* inBytes(p: PairContext, n: Needles, path: string, vr: string, raw: Buffer): Generator<Found> {
  const { at } = p;
  let found = false;
  for (const { v, b } of n.rawNeedles) {
    if (findBounded(raw, b)) {
      yield {
        code: 'RESIDUAL_IDENTIFIER',
        ...at,
        path,
        message: `raw bytes (${vr}) contain the value of ${n.residual.get(v)}, which the profile removes or replaces`,
        value_hint: maskValue(v),
      };
      found = true;
    }
  }
  if (found) return;
  for (const { c, b } of n.rawComponents) {
    if (findBounded(raw, b))
      yield {
        code: 'RESIDUAL_IDENTIFIER',
        ...at,
        path,
        message: `raw bytes (${vr}) contain a part of the person name in ${n.components.get(c)}, which the profile removes or replaces`,
        value_hint: maskValue(c),
      };
  }
  for (const { id, b } of n.rawIds) {
    if (findEmbeddedBytes(raw, b))
      yield {
        code: 'RESIDUAL_IDENTIFIER',
        ...at,
        path,
        message: `raw bytes (${vr}) contain the ID in ${n.ids.get(id)}, which the profile removes or replaces`,
        value_hint: maskValue(id),
      };
  }
}
