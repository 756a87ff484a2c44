// Every check of the verifier, in the order their findings are listed (per element, per pair,
// then run-wide). A new check is a module in this folder and one line here.

import type { StartCheck } from '../check.js';
import { dates } from './dates.js';
import { dciodvfy } from './dciodvfy.js';
import { leftovers } from './leftovers.js';
import { marks } from './marks.js';
import { meta } from './meta.js';
import { paths } from './paths.js';
import { pixels } from './pixels.js';
import { rawIdentifiers } from './raw-identifiers.js';
import { references } from './references.js';
import { residual } from './residual.js';
import { textIdentifiers } from './text-identifiers.js';
import { uids } from './uids.js';

export const CHECKS = {
  leftovers,
  residual,
  rawIdentifiers,
  textIdentifiers,
  uids,
  references,
  paths,
  dates,
  meta,
  marks,
  pixels,
  dciodvfy,
} as const satisfies Record<string, StartCheck>;

export type CheckName = keyof typeof CHECKS;
