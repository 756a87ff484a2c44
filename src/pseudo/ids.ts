import { PseudoError } from './errors.js';
import { DOMAIN, hmac } from './hmac.js';
import { memoized } from './memo.js';

/**
 * Crockford base32 (digits and upper-case letters without I, L, O, U): codes are easy to read
 * aloud and to copy, and never look like words.
 */
const BASE32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Characters of a patient code: 12 × 5 = 60 bits, so 10^6 patients collide with p ≈ 4e-7. */
export const PATIENT_CODE_LENGTH = 12;

/** A prefix must be safe in both LO (Patient ID) and PN (Patient Name): no `\`, `^`, `=`, controls. */
const PREFIX_PATTERN = /^[A-Za-z0-9_.-]{0,16}$/;

function checkPrefix(prefix: string): void {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new PseudoError({
      code: 'PREFIX_INVALID',
      message: `pseudonym prefix ${JSON.stringify(prefix)} must be at most 16 of A-Z a-z 0-9 _ . -`,
    });
  }
}

/** LO value normalisation: leading/trailing spaces are not significant (PS3.5 6.2); NUL padding is stripped. */
function normalizeLO(value: string): string {
  return value.replace(/^[ \0]+|[ \0]+$/g, '');
}

/** The patient code shared by the pseudonymous Patient ID and Patient Name. */
export function patientCode(key: Buffer, patientId: string): string {
  const id = normalizeLO(patientId);
  return memoized(key, DOMAIN.patient, id, () => codeOf(hmac(key, DOMAIN.patient, id)));
}

function codeOf(h: Buffer): string {
  let n = h.readBigUInt64BE(0) >> BigInt(64 - 5 * PATIENT_CODE_LENGTH);
  let out = '';
  for (let i = 0; i < PATIENT_CODE_LENGTH; i++) {
    out = BASE32[Number(n & 31n)] + out;
    n >>= 5n;
  }
  return out;
}

/**
 * Pseudonymous Patient ID: `prefix` + 12 Crockford base32 characters from
 * HMAC(secret, "patient", PatientID), e.g. `ANON7K3M9QX2TB4R` (≤ 28 characters; fits LO 64).
 * The original is normalised like an LO value (surrounding spaces and NULs removed). An empty
 * original stays empty: hashing it would give every ID-less file one shared pseudonym and link
 * unrelated patients.
 */
export function pseudoPatientId(key: Buffer, patientId: string, prefix = 'ANON'): string {
  checkPrefix(prefix);
  if (normalizeLO(patientId) === '') return '';
  return prefix + patientCode(key, patientId);
}

/**
 * Pseudonymous Patient Name, keyed on the *Patient ID* (not on the name) so every file of one
 * patient gets the same name however the name was spelt: `prefix^code`, i.e. family name
 * `prefix`, given name the same code as in `pseudoPatientId` (`ANON^7K3M9QX2TB4R` ↔
 * `ANON7K3M9QX2TB4R`). Without a prefix the name is the code alone (a family name only).
 * An empty Patient ID gives an empty name (see `pseudoPatientId`).
 */
export function pseudoPatientName(key: Buffer, patientId: string, prefix = 'ANON'): string {
  checkPrefix(prefix);
  if (normalizeLO(patientId) === '') return '';
  const code = patientCode(key, patientId);
  return prefix === '' ? code : `${prefix}^${code}`;
}

export interface PseudoValueOptions {
  /** Text put before the hex (same rules as the patient prefix; default none). */
  prefix?: string;
  /** Number of hex characters wanted, 8–64 (default 16 = 64 bits); cut further to fit `maxLen`. */
  length?: number;
}

/**
 * The profile's `hash` action: `prefix` + lower-case hex of HMAC(secret, "hash:" + domain, value),
 * `length` hex characters long, cut so the whole fits `maxLen` (the VR's maximum length). The
 * value is stripped of trailing spaces and NULs (padding) first; an empty value stays empty.
 * Throws LENGTH_INVALID when fewer than 8 hex characters (32 bits) would remain.
 * `domain` separates uses (e.g. the attribute keyword), so equal values of different attributes
 * can be made unlinkable, or linkable by passing the same domain.
 */
export function pseudoValue(key: Buffer, domain: string, value: string, maxLen: number, opts: PseudoValueOptions = {}): string {
  const prefix = opts.prefix ?? '';
  const length = opts.length ?? 16;
  checkPrefix(prefix);
  if (!Number.isInteger(length) || length < 8 || length > 64) {
    throw new PseudoError({ code: 'LENGTH_INVALID', message: `hash length ${length} must be an integer from 8 to 64` });
  }
  if (!Number.isInteger(maxLen) || maxLen < 1) {
    throw new PseudoError({ code: 'LENGTH_INVALID', message: `maximum length ${maxLen} must be a positive integer` });
  }
  const v = value.replace(/[ \0]+$/, '');
  if (v === '') return '';
  const room = Math.min(length, maxLen - prefix.length);
  if (room < 8) {
    throw new PseudoError({
      code: 'LENGTH_INVALID',
      message: `a hash of at least 8 hex characters after prefix ${JSON.stringify(prefix)} does not fit in ${maxLen} characters`,
    });
  }
  return (
    prefix +
    hmac(key, DOMAIN.hashPrefix + domain, v)
      .toString('hex')
      .slice(0, room)
  );
}
