import { hasTableVR, safePrivateRow } from '../profile/safe-private-vr.js';

/**
 * Whether a private data element is in PS3.15 Table E.3.10-1 (Retain Safe Private Option):
 * matched by its group, the creator that reserved its block in this dataset, and its low byte,
 * and written with the table's VR (a name written as UT where the table says FD is not safe).
 */
export function isSafePrivate(creator: string | undefined, tag: number, vr: string, value?: Buffer): boolean {
  const row = safePrivateRow(creator, tag);
  return row !== undefined && hasTableVR(row, vr, value);
}
