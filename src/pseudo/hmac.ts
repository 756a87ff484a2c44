import { createHmac } from 'node:crypto';

/**
 * Domain-separated HMAC-SHA256 under the project secret: the MAC of `domain + "\0" + value`
 * (both UTF-8). Every purpose (UIDs, patient codes, date offsets, hashed values) uses its own
 * domain, so two purposes never share an output even for the same input value. A domain may not
 * contain NUL, which keeps the encoding unambiguous.
 *
 * This is the only source of "randomness" in pseudonymisation: results are a pure function of
 * (secret, domain, value), so workers, runs and machines agree without sharing state.
 */
export function hmac(key: Buffer, domain: string, value: string): Buffer {
  if (domain.includes('\0')) throw new TypeError('hmac: the domain may not contain NUL');
  return createHmac('sha256', key).update(domain, 'utf8').update('\0', 'utf8').update(value, 'utf8').digest();
}

/** Domains used by this package (documented here so that no two purposes ever share one). */
export const DOMAIN = {
  uid: 'uid',
  patient: 'patient',
  dateOffset: 'date-offset',
  /** Folder and file names that carry identifiers (src/pseudo/path-component.ts). */
  pathComponent: 'path-component',
  /** `pseudoValue` prefixes the caller's domain with this, so it can never equal one of the above. */
  hashPrefix: 'hash:',
} as const;
