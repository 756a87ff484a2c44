import { DOMAIN, hmac } from './hmac.js';
import { memoized } from './memo.js';

/** The DICOM root: SOP classes, transfer syntaxes, coding schemes, well-known frames of reference… */
const DICOM_ROOT = '1.2.840.10008.';

/** PS3.5 9.1: components of digits, no leading zero except "0" itself, separated by dots, ≤ 64 chars. */
export const UID_PATTERN = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;

/**
 * A UI value as stored: the value with its padding (trailing NUL or space, PS3.5 6.2) and any
 * stray surrounding whitespace removed. Hashing always starts from this form, so "1.2.3\0" and
 * "1.2.3" map to the same new UID.
 */
export function normalizeUID(uid: string): string {
  return uid.replace(/^[\s\0]+|[\s\0]+$/g, '');
}

/**
 * True for UIDs under the DICOM root `1.2.840.10008.` (SOP classes, transfer syntaxes, coding
 * schemes, application context, well-known frames of reference and SOP instances…). Those
 * identify kinds of things, not patients, and must never be remapped.
 */
export function isWellKnownUID(uid: string): boolean {
  return normalizeUID(uid).startsWith(DICOM_ROOT);
}

/**
 * The consistent replacement UID of PS3.15 action U: `2.25.` followed by the decimal value of the
 * first 128 bits of HMAC(secret, "uid", uid). `2.25` is the ITU-T X.667 arc for UUID-derived
 * UIDs, so no registered root is needed; the result has at most 44 characters and no leading
 * zeros (BigInt decimal never has one; a zero value would be the valid component "0").
 *
 * Input is normalised first (`normalizeUID`). Well-known UIDs (`isWellKnownUID`) and the empty
 * value are returned normalised but otherwise unchanged, so a caller can apply this to every UI
 * element without damaging SOP class or transfer syntax references.
 */
export function pseudoUID(key: Buffer, uid: string): string {
  const u = normalizeUID(uid);
  if (u === '' || u.startsWith(DICOM_ROOT)) return u;
  return memoized(key, DOMAIN.uid, u, () => '2.25.' + BigInt('0x' + hmac(key, DOMAIN.uid, u).subarray(0, 16).toString('hex')).toString(10));
}

/** True when `uid` follows PS3.5 9.1 (digits and dots, no leading zeros, at most 64 characters). */
export function isValidUID(uid: string): boolean {
  return uid.length > 0 && uid.length <= 64 && UID_PATTERN.test(uid);
}
