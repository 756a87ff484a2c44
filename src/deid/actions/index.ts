import type { ElementCall } from '../state.js';
import type { SimpleCode } from '../types.js';
import { clean } from './clean.js';
import { dummy } from './dummy.js';
import { keep } from './keep.js';
import { remove } from './remove.js';
import { uid } from './uid.js';
import { zero } from './zero.js';

/** One module per PS3.15 action code; the Record makes the set exhaustive at compile time. */
export const ACTIONS: Record<SimpleCode, (call: ElementCall) => void> = {
  D: dummy,
  Z: zero,
  X: remove,
  K: keep,
  C: clean,
  U: uid,
};
