// UIDs: every UID the profile remaps is gone from every output (file meta included); one input
// UID became one output UID across the run, and distinct input UIDs distinct output UIDs;
// well-known UIDs are left alone.

import { metaContext } from '../../dicom/values.js';
import { isWellKnownUID, normalizeUID } from '../../pseudo/uid.js';
import type { Found, PairContext, StartCheck } from '../check.js';
import type { Pair } from '../pair.js';
import { strings, walkMeta } from '../scan.js';
import * as T from '../../dicom/tags.generated.js';

export const uids: StartCheck = ({ rules }) => {
  /** Input UIDs the profile remaps, and those it keeps somewhere (excluded from the global search). */
  const remappedIn = new Set<string>();
  const keptIn = new Set<string>();
  const mapping = new Map<string, Map<string, string>>(); // in → out → where
  const reverse = new Map<string, Map<string, string>>(); // out → in → where
  const outUids: { pair: Pair; path: string; value: string }[] = [];

  const record = (u: string, o: string, where: string): void => {
    const m = mapping.get(u) ?? mapping.set(u, new Map()).get(u)!;
    if (!m.has(o)) m.set(o, where);
    const r = reverse.get(o) ?? reverse.set(o, new Map()).get(o)!;
    if (!r.has(u)) r.set(u, where);
  };

  /** Same path in input and output: remapped where the profile says so, consistently. */
  function* samePath(p: PairContext): Generator<Found> {
    const { at, sure, pair } = p;
    for (const [path, info] of p.inElements) {
      if (info.vr !== 'UI') continue;
      const out = p.outElements.get(path);
      const inValues = (info.values ?? []).map(normalizeUID);
      const outValues = (out?.values ?? []).map(normalizeUID);
      for (const [i, u] of inValues.entries()) {
        if (!u) continue;
        const o = out ? outValues[i] : undefined;
        if (isWellKnownUID(u)) {
          if (o !== undefined && o !== u) yield { code: 'UID_MAPPING_INCONSISTENT', ...at, path, message: `well-known UID ${u} was changed to ${o}` };
          continue;
        }
        const remapped = info.expect.kind !== 'keep' && info.expect.kind !== 'clean';
        if (remapped && o !== undefined && o !== '') {
          if (o === u) yield { code: 'UID_NOT_REMAPPED', ...at, path, message: `UID kept as it was (${info.expect.origin})` };
          else if (sure) record(u, o, `${pair.output} ${path}`);
        }
      }
    }
  }

  /** The meta's UIDs follow the dataset's. */
  function* meta(p: PairContext): Generator<Found> {
    const { fin, fout, at, pair } = p;
    const mi = fin.meta?.get(T.MediaStorageSOPInstanceUID);
    const mo = fout.meta?.get(T.MediaStorageSOPInstanceUID);
    const miv = mi && strings(mi, metaContext(fin))?.[0];
    const mov = mo && strings(mo, metaContext(fout))?.[0];
    const sopRemapped = rules.expect({ tag: T.SOPInstanceUID, vr: 'UI' }, p.read).kind === 'uid'; // not under retainUIDs
    if (miv && mov && !isWellKnownUID(miv) && sopRemapped) {
      // Not recorded in the mapping: an input's meta may disagree with its dataset, and the output's
      // meta rightly follows the output's dataset (checked by the meta check).
      if (normalizeUID(miv) === normalizeUID(mov)) yield { code: 'UID_NOT_REMAPPED', ...at, path: '(0002,0003)', message: 'MediaStorageSOPInstanceUID kept as it was' };
    }
    for (const v of walkMeta(fout)) {
      const u = v.el.vr === 'UI' ? strings(v.el, v.ctx)?.[0] : undefined;
      if (u && !isWellKnownUID(u)) outUids.push({ pair, path: v.path, value: normalizeUID(u) });
    }
  }

  return {
    pair(p) {
      for (const info of p.inputs) {
        if (info.vr !== 'UI' || !info.values) continue;
        for (const u of info.values.map(normalizeUID)) {
          if (!u || isWellKnownUID(u)) continue;
          if (info.expect.kind === 'keep' || info.expect.kind === 'clean') keptIn.add(u);
          else remappedIn.add(u);
        }
      }
      return {
        element({ el, path, values }) {
          if (el.vr !== 'UI') return [];
          for (const u of (values ?? []).map(normalizeUID)) {
            if (u && !isWellKnownUID(u)) outUids.push({ pair: p.pair, path, value: u });
          }
          return [];
        },
        *done() {
          yield* samePath(p);
          yield* meta(p);
        },
      };
    },

    *end() {
      for (const { pair, path, value } of outUids) {
        if (remappedIn.has(value) && !keptIn.has(value)) {
          yield { code: 'UID_NOT_REMAPPED', input: pair.input, output: pair.output, path, message: `an input UID the profile remaps is still here (${value})` };
        }
      }
      for (const [u, outs] of mapping) {
        if (outs.size > 1) {
          const where = [...outs.entries()].map(([o, w]) => `${o} at ${w}`).join('; ');
          yield {
            code: 'UID_MAPPING_INCONSISTENT',
            path: [...outs.values()][1].split(' ').pop(),
            output: [...outs.values()][1].split(' ')[0],
            message: `input UID ${u} became ${outs.size} different UIDs: ${where}`,
          };
        }
      }
      for (const [o, ins] of reverse) {
        if (ins.size > 1) {
          const w = [...ins.values()][1];
          yield { code: 'UID_COLLISION', output: w.split(' ')[0], path: w.split(' ').pop(), message: `${ins.size} different input UIDs became the same UID ${o}` };
        }
      }
    },
  };
};
