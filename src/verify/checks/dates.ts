// Dates: every date the profile shifts moved, by one offset per patient, within the profile's
// range (or by its fixed number of days), never by zero.

import type { Found, StartCheck } from '../check.js';
import type { Pair } from '../pair.js';

interface DateRec {
  pair: Pair;
  path: string;
  patient: string;
  offset?: number;
  days?: number;
  note?: string;
}

/** Days since 1970 of a DA or the date part of a DT, or undefined. */
function dayNumber(v: string): number | undefined {
  const m = /^(\d{4})\.?(\d{2})\.?(\d{2})/.exec(v);
  if (!m) return undefined;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3]);
  return Number.isNaN(ms) ? undefined : Math.round(ms / 86_400_000);
}

export const dates: StartCheck = ({ profile }) => {
  const recs: DateRec[] = [];
  return {
    pair: ({ pair, patient, inElements, outElements }) => ({
      done() {
        for (const [path, info] of inElements) {
          // Under a sequence the profile removes or replaces by a dummy (D), dates are not shifted: they go.
          if (info.vr === 'UI' || info.expect.kind !== 'shift' || info.underRemoved) continue;
          const outValues = outElements.get(path)?.values ?? [];
          (info.values ?? []).forEach((x, i) => {
            const a = dayNumber(x);
            if (a === undefined) return;
            const o = outValues[i];
            const b = o === undefined ? undefined : dayNumber(o);
            recs.push({
              pair,
              path,
              patient,
              offset: b === undefined ? undefined : b - a,
              days: info.expect.days,
              note: o === undefined ? 'removed instead of shifted' : b === undefined ? 'not a date any more' : undefined,
            });
          });
        }
        return [];
      },
    }),

    *end() {
      const { min, max } = profile.pseudonyms.dateShiftDays;
      const byPatient = new Map<string, DateRec[]>();
      for (const d of recs) (byPatient.get(d.patient) ?? byPatient.set(d.patient, []).get(d.patient)!).push(d);
      for (const list of byPatient.values()) yield* patientDates(list, min, max);
    },
  };
};

function* patientDates(recs: DateRec[], min: number, max: number): Generator<Found> {
  const tally = new Map<number, number>();
  for (const d of recs) {
    const ok = d.offset !== undefined && (d.days !== undefined ? d.offset === d.days : d.offset >= min && d.offset <= max && d.offset !== 0);
    if (ok && d.days === undefined) tally.set(d.offset!, (tally.get(d.offset!) ?? 0) + 1);
  }
  const usual = [...tally.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  for (const d of recs) {
    const at = { input: d.pair.input, output: d.pair.output, path: d.path };
    if (d.offset === undefined) {
      yield { code: 'DATE_SHIFT_INCONSISTENT', ...at, message: `date ${d.note}` };
    } else if (d.days !== undefined) {
      if (d.offset !== d.days) yield { code: 'DATE_SHIFT_INCONSISTENT', ...at, message: `moved by ${d.offset} days, the profile says ${d.days}` };
    } else if (d.offset === 0) {
      yield { code: 'DATE_SHIFT_INCONSISTENT', ...at, message: `date left unshifted${usual !== undefined ? ` (the patient's other dates moved by ${usual} days)` : ''}` };
    } else if (d.offset < min || d.offset > max) {
      yield { code: 'DATE_SHIFT_INCONSISTENT', ...at, message: `moved by ${d.offset} days, outside the profile's range ${min}..${max}` };
    } else if (usual !== undefined && d.offset !== usual) {
      yield { code: 'DATE_SHIFT_INCONSISTENT', ...at, message: `moved by ${d.offset} days, the patient's other dates by ${usual}` };
    }
  }
}
