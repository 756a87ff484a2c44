import { PseudoError } from './errors.js';
import { DOMAIN, hmac } from './hmac.js';
import { memoized } from './memo.js';

/**
 * Date shifting and age capping for PS3.15 "Retain Longitudinal Temporal Information with
 * Modified Dates" and "Retain Patient Characteristics".
 *
 * Calendar arithmetic is done on proleptic Gregorian day numbers (no `Date`, so no time zone,
 * DST or two-digit-year surprises). Years 0001–9999 are valid; a date that would leave that range
 * is DATE_INVALID. Functions return values without padding; the caller pads to even length.
 */

export interface DayRange {
  min: number;
  max: number;
}

/**
 * The keyed per-patient date offset: an integer uniform on [min, max] (inclusive) from the first
 * 64 bits of HMAC(secret, "date-offset", patientKey) reduced modulo the range size (bias below
 * size / 2^64, i.e. nil for any realistic range). `min === max` gives that value. Deterministic:
 * every file, worker and run of one patient gets the same offset, so intervals are preserved.
 * `patientKey` is normally the original Patient ID (surrounding spaces and NULs are ignored).
 */
export function dateOffsetDays(key: Buffer, patientKey: string, range: DayRange): number {
  const { min, max } = range;
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min > max) {
    throw new PseudoError({ code: 'RANGE_INVALID', message: `date offset range [${min}, ${max}] must be integers with min <= max` });
  }
  const size = BigInt(max) - BigInt(min) + 1n;
  const k = patientKey.replace(/^[ \0]+|[ \0]+$/g, '');
  const u = memoized(key, DOMAIN.dateOffset, k, () => hmac(key, DOMAIN.dateOffset, k).readBigUInt64BE(0));
  return min + Number(u % size);
}

// ---------------------------------------------------------------------------------------------
// Day numbers (after H. Hinnant's public-domain "chrono-compatible low-level date algorithms").

function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(n: number): [number, number, number] {
  const z = n + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeap(y) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

function invalid(what: string, value: string, why: string): PseudoError {
  return new PseudoError({ code: 'DATE_INVALID', message: `invalid ${what} ${JSON.stringify(value)}: ${why}` });
}

function checkDays(days: number): void {
  if (!Number.isSafeInteger(days)) throw new PseudoError({ code: 'RANGE_INVALID', message: `date shift ${days} is not an integer number of days` });
}

function checkYear(y: number, what: string, value: string): void {
  if (y < 1 || y > 9999) throw invalid(what, value, `year ${y} is outside 0001-9999`);
}

/** Round half away from zero, so that shifting by +d and by -d are exact inverses. */
function roundSym(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/** Split a DICOM multi-valued string on backslashes, apply `f` to each non-empty value. */
function eachValue(value: string, f: (v: string) => string): string {
  return value
    .split('\\')
    .map((v) => v.replace(/^[ \0]+|[ \0]+$/g, ''))
    .map((v) => (v === '' ? '' : f(v)))
    .join('\\');
}

// ---------------------------------------------------------------------------------------------
// DA

const DA_PATTERN = /^(\d{4})(\.?)(\d{2})\2(\d{2})$/;

function shiftOneDA(v: string, days: number, whole: string): string {
  const m = DA_PATTERN.exec(v);
  if (!m) throw invalid('DA', whole, 'expected YYYYMMDD (or legacy YYYY.MM.DD)');
  const y = Number(m[1]);
  const mo = Number(m[3]);
  const d = Number(m[4]);
  checkYear(y, 'DA', whole);
  if (mo < 1 || mo > 12) throw invalid('DA', whole, `month ${m[3]}`);
  if (d < 1 || d > daysInMonth(y, mo)) throw invalid('DA', whole, `day ${m[4]} of ${m[1]}-${m[3]}`);
  const [ny, nm, nd] = civilFromDays(daysFromCivil(y, mo, d) + days);
  checkYear(ny, 'DA', whole);
  const sep = m[2];
  return `${pad(ny, 4)}${sep}${pad(nm, 2)}${sep}${pad(nd, 2)}`;
}

/**
 * Shift a DA value by `days`. Accepts `YYYYMMDD`, the ACR-NEMA form `YYYY.MM.DD` (the form is
 * kept), query ranges `A-B`, `-B`, `A-` (each given end shifted) and backslash-separated multiple
 * values. Padding is removed; an empty value stays empty. Anything else (including partial dates
 * like `2024` and placeholders like `00000000`) throws PseudoError DATE_INVALID for the caller to
 * handle, e.g. by removing the value.
 */
export function shiftDA(value: string, days: number): string {
  checkDays(days);
  return eachValue(value, (v) => {
    const dash = v.indexOf('-');
    if (dash < 0) return shiftOneDA(v, days, value);
    if (v.indexOf('-', dash + 1) >= 0 || v === '-') throw invalid('DA', value, 'not a date or a date range');
    const a = v.slice(0, dash).trim();
    const b = v.slice(dash + 1).trim();
    return `${a === '' ? '' : shiftOneDA(a, days, value)}-${b === '' ? '' : shiftOneDA(b, days, value)}`;
  });
}

// ---------------------------------------------------------------------------------------------
// DT

const DT_PATTERN = /^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(\.\d{1,6})?)?)?)?)?)?([+-]\d{4})?$/;

/** Average Gregorian year and month, in days: used to round a day offset at YYYY / YYYYMM precision. */
const YEAR_DAYS = 365.2425;
const MONTH_DAYS = YEAR_DAYS / 12;

/** Parse and shift one DT; undefined when `v` is not a DT (so range splitting can try elsewhere). */
function tryShiftOneDT(v: string, days: number, whole: string): string | undefined {
  const m = DT_PATTERN.exec(v);
  if (!m) return undefined;
  const [, ys, mos, ds, hs, mis, ss, , tz] = m;
  const y = Number(ys);
  checkYear(y, 'DT', whole);
  if (mos !== undefined && (Number(mos) < 1 || Number(mos) > 12)) throw invalid('DT', whole, `month ${mos}`);
  if (ds !== undefined && (Number(ds) < 1 || Number(ds) > daysInMonth(y, Number(mos)))) throw invalid('DT', whole, `day ${ds} of ${ys}-${mos}`);
  if (hs !== undefined && Number(hs) > 23) throw invalid('DT', whole, `hour ${hs}`);
  if (mis !== undefined && Number(mis) > 59) throw invalid('DT', whole, `minute ${mis}`);
  if (ss !== undefined && Number(ss) > 60) throw invalid('DT', whole, `second ${ss}`);
  if (tz !== undefined) {
    const h = Number(tz.slice(1, 3));
    const mi = Number(tz.slice(3, 5));
    if (h > 14 || mi > 59) throw invalid('DT', whole, `UTC offset ${tz}`);
  }
  let date: string;
  if (ds !== undefined) {
    const [ny, nm, nd] = civilFromDays(daysFromCivil(y, Number(mos), Number(ds)) + days);
    checkYear(ny, 'DT', whole);
    date = `${pad(ny, 4)}${pad(nm, 2)}${pad(nd, 2)}`;
  } else if (mos !== undefined) {
    const months = y * 12 + (Number(mos) - 1) + roundSym(days / MONTH_DAYS);
    const ny = Math.floor(months / 12);
    checkYear(ny, 'DT', whole);
    date = `${pad(ny, 4)}${pad((months % 12) + 1, 2)}`;
  } else {
    const ny = y + roundSym(days / YEAR_DAYS);
    checkYear(ny, 'DT', whole);
    date = pad(ny, 4);
  }
  const dateLen = ds !== undefined ? 8 : mos !== undefined ? 6 : 4;
  return date + v.slice(dateLen);
}

/**
 * Shift a DT value (`YYYY[MM[DD[HH[MM[SS[.F{1-6}]]]]]][&ZZXX]`) by `days`.
 *
 * - With day precision or finer, the calendar date moves by exactly `days`; the time of day, the
 *   fraction and the UTC offset are kept character for character (a whole-day shift never changes
 *   the time, and the offset describes the clock, not the patient).
 * - With only `YYYYMM` or `YYYY`, the value moves at its own precision: by `days / 30.436875`
 *   months or `days / 365.2425` years, rounded half away from zero. So precision is never
 *   invented, every value of a patient moves by the same amount, and shifting by `+d` then `-d`
 *   returns the original. A shift smaller than half a month (year) leaves such a value unchanged,
 *   which reveals no more than the coarse value already does.
 *
 * Query ranges `A-B`, `-B`, `A-` and backslash-separated values are handled; a `-` is read as a
 * UTC offset sign when the whole value is a valid single DT (`20240101-0500`), as a range
 * separator otherwise. Empty stays empty; invalid values throw PseudoError DATE_INVALID.
 */
export function shiftDT(value: string, days: number): string {
  checkDays(days);
  return eachValue(value, (v) => {
    let firstError: unknown;
    const attempt = (part: string): string | undefined => {
      if (part === '') return '';
      try {
        return tryShiftOneDT(part, days, value);
      } catch (e) {
        firstError ??= e;
        return undefined;
      }
    };
    const single = attempt(v);
    if (single !== undefined && single !== '') return single;
    for (let i = v.indexOf('-'); i >= 0; i = v.indexOf('-', i + 1)) {
      const a = v.slice(0, i).trim();
      const b = v.slice(i + 1).trim();
      if (a === '' && b === '') break;
      const sa = attempt(a);
      const sb = sa === undefined ? undefined : attempt(b);
      if (sa !== undefined && sb !== undefined) return `${sa}-${sb}`;
    }
    throw firstError ?? invalid('DT', value, 'expected YYYY[MM[DD[HH[MM[SS[.F{1-6}]]]]]][&ZZXX] or a range of those');
  });
}

// ---------------------------------------------------------------------------------------------
// AS

const AS_PATTERN = /^(\d{3})([DWMY])$/;

/**
 * Cap an Age String for the Retain Patient Characteristics option (PS3.15 E.3): an age of 90
 * years or more becomes `090Y`, following HIPAA Safe Harbor (45 CFR 164.514(b)(2)(i)(C)), which
 * allows ages only up to 89 and aggregates older ones into "90 or older". Age is counted in
 * completed years whatever the unit (`093Y` → `090Y`; `1079M` would be 89 but three digits stop at
 * `999M` = 83 years, and weeks and days stop well below, so in practice only `Y` values are capped).
 * Other ages are returned unchanged, an empty value stays empty, and a value that is not
 * `nnnD|W|M|Y` throws PseudoError AGE_INVALID.
 */
export function ageOver89(as: string): string {
  const v = as.replace(/^[ \0]+|[ \0]+$/g, '');
  if (v === '') return '';
  const m = AS_PATTERN.exec(v);
  if (!m) throw new PseudoError({ code: 'AGE_INVALID', message: `invalid AS ${JSON.stringify(as)}: expected nnnD, nnnW, nnnM or nnnY` });
  const n = Number(m[1]);
  const years = m[2] === 'Y' ? n : m[2] === 'M' ? Math.floor(n / 12) : Math.floor((m[2] === 'W' ? n * 7 : n) / YEAR_DAYS);
  return years >= 90 ? '090Y' : as;
}
