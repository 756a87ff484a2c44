// References: a UID reference that resolved among the inputs (to a SOP instance, study, series or
// frame of reference one of them defines) resolves among the outputs too.

import { isWellKnownUID, normalizeUID } from '../../pseudo/uid.js';
import type { StartCheck } from '../check.js';
import type { Pair } from '../pair.js';
import type { Expect } from '../rules.js';
import { DEFINING } from '../tags.js';

interface UidRef {
  pair: Pair;
  path: string;
  inValue: string;
  outValue?: string;
  expect: Expect['kind'];
}

const definedUids = (values: string[] | undefined): string[] => (values ?? []).map(normalizeUID).filter((u) => u && !isWellKnownUID(u));

export const references: StartCheck = () => {
  const definedIn = new Set<string>();
  const definedOut = new Set<string>();
  const refs: UidRef[] = [];
  return {
    pair(p) {
      for (const info of p.inputs) {
        if (info.vr === 'UI' && info.depth === 0 && DEFINING.has(info.tag)) for (const u of definedUids(info.values)) definedIn.add(u);
      }
      return {
        element({ el, depth, values }) {
          if (el.vr === 'UI' && depth === 0 && DEFINING.has(el.tag)) for (const u of definedUids(values)) definedOut.add(u);
          return [];
        },
        done() {
          // Pairs made among look-alikes say nothing about where a reference went.
          if (!p.sure) return [];
          for (const [path, info] of p.inElements) {
            if (info.vr !== 'UI' || (info.depth === 0 && DEFINING.has(info.tag))) continue;
            const out = p.outElements.get(path);
            const outValues = (out?.values ?? []).map(normalizeUID);
            for (const [i, u] of (info.values ?? []).map(normalizeUID).entries()) {
              if (!u || isWellKnownUID(u)) continue;
              refs.push({ pair: p.pair, path, inValue: u, outValue: out ? outValues[i] : undefined, expect: info.underRemoved ? 'remove' : info.expect.kind });
            }
          }
          return [];
        },
      };
    },

    *end() {
      for (const r of refs) {
        if (!definedIn.has(r.inValue)) continue;
        const at = { input: r.pair.input, output: r.pair.output, path: r.path };
        if (r.outValue === undefined || r.outValue === '') {
          if (r.expect !== 'remove') yield { code: 'REFERENCE_BROKEN', ...at, message: 'a reference that resolved among the inputs is gone from the output' };
        } else if (!definedOut.has(r.outValue)) {
          yield { code: 'REFERENCE_BROKEN', ...at, message: `reference ${r.outValue} resolves to no output (the input's resolved)` };
        }
      }
    },
  };
};
