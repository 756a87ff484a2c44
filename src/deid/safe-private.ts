import { SAFE_PRIVATE } from '../profile/safe-private.generated.js';

/** Key: `${group}|${creator}|${elementLow}`; the table matches on creator, group and low byte. */
const SAFE = new Set(SAFE_PRIVATE.map((a) => `${a.group}|${a.creator}|${a.elementLow}`));

/**
 * Whether a private data element is in PS3.15 Table E.3.10-1 (Retain Safe Private Option):
 * matched by its group, the creator that reserved its block in this dataset, and its low byte.
 */
export function isSafePrivate(creator: string | undefined, tag: number, _vr: string): boolean {
  if (creator === undefined) return false;
  return SAFE.has(`${tag >>> 16}|${creator}|${tag & 0xff}`);
}
