// Keyed pseudonyms for path components (folder and file names) that carry a patient's
// identifiers: the mirror layout keeps input paths, and a DICOMDIR names its files by them, so a
// folder called after the Patient ID would otherwise reach the output's file system.
import { DOMAIN, hmac } from './hmac.js';

/** Crockford base32: a subset of A–Z 0–9, so a pseudonym is a valid PS3.10 File ID component. */
const BASE32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** PS3.10 8.2: a File ID component is at most 8 characters; 8 × 5 = 40 bits. */
export const PATH_PSEUDONYM_LENGTH = 8;

/** Shortest identifier token looked for (the brief's "name components ≥ 2 characters"). */
const MIN_TOKEN = 2;
/**
 * Shortest token also looked for inside a word ("DOEJOHN" holds "DOE"): 4 characters, or 6 for
 * digits alone (a Philips study folder "S21570" holds the Study ID "2157" by chance as often as by
 * design, and dates hold any year). Shorter ones only as whole words.
 */
const insideWords = (t: string): boolean => t.length >= (/^\d+$/.test(t) ? 6 : 4);
/** A file name extension kept after the pseudonym ("SMITH.dcm" → "7K3M9QX2.dcm"). */
const EXTENSION = /^(.+?)(\.[A-Za-z0-9]{1,5})$/;

/** Upper case without accents: "Müller" and "MULLER" are the same token. */
const fold = (s: string): string =>
  s
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toUpperCase();
const words = (s: string): string[] =>
  fold(s)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
const compact = (s: string): string => words(s).join('');

/** HMAC(secret, "path-component", component) as 8 Crockford base32 characters. */
export function pathPseudonym(key: Buffer, component: string): string {
  const h = hmac(key, DOMAIN.pathComponent, component);
  let n = h.readBigUInt64BE(0) >> BigInt(64 - 5 * PATH_PSEUDONYM_LENGTH);
  let out = '';
  for (let i = 0; i < PATH_PSEUDONYM_LENGTH; i++) {
    out = BASE32[Number(n & 31n)] + out;
    n >>= 5n;
  }
  return out;
}

/**
 * The tokens a path is searched for, from a file's identifier values: IDs whole (compacted:
 * "KB-0099887" → "KB0099887"), names whole and by component ("Doe^John A." → DOEJOHNA, DOE, JOHN).
 */
export function pathTokens(ids: readonly string[], names: readonly string[]): string[] {
  const out = new Set<string>();
  const add = (v: string): void => {
    const c = compact(v);
    if (c.length >= MIN_TOKEN) out.add(c);
  };
  for (const id of ids) add(id);
  for (const name of names) {
    add(name);
    for (const part of name.split(/[\^=\s,]+/)) add(part);
  }
  return [...out];
}

/** True when `text` equals or contains a token: as a whole word, or inside a word for longer tokens (insideWords). */
export function holdsToken(text: string, tokens: readonly string[]): boolean {
  if (tokens.length === 0) return false;
  const ws = words(text);
  const all = ws.join('');
  return tokens.some((t) => ws.includes(t) || all === t || (insideWords(t) && all.includes(t)));
}

/**
 * A path component as it is written: itself when it holds none of the tokens, else its keyed
 * pseudonym (a short file name extension kept, when it holds no token itself). The same
 * component and key give the same result in every worker and run.
 */
export function pseudonymizeComponent(key: Buffer, component: string, tokens: readonly string[]): string {
  if (!holdsToken(component, tokens)) return component;
  const m = EXTENSION.exec(component);
  if (m && !holdsToken(m[2], tokens)) return pathPseudonym(key, m[1]) + m[2];
  return pathPseudonym(key, component);
}
