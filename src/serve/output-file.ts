// An output file of a job, opened for download the way the job wrote it: below the destination,
// one component at a time, never through a symlink someone placed there since.

import { closeSync, constants, openSync } from 'node:fs';
import { fdPath, openConfined } from '../io/confined.js';
import type { ServeConfig } from './config.js';
import { destinationParts, toLocalPath } from './paths.js';
import type { JobRow } from './store.js';

/** A read descriptor of `rel` (a '/'-separated path below the job's destination); undefined if it cannot be opened safely. */
export function openOutput(cfg: ServeConfig, j: JobRow, rel: string): number | undefined {
  const parts = rel.split('/');
  const name = parts.pop();
  if (!j.destination_path || !name) return undefined;
  try {
    const dest = destinationParts(toLocalPath(j.destination_path, cfg, 'destination_path'), cfg);
    const dir = openConfined(dest.base, [...dest.parts, ...parts], false);
    try {
      return openSync(fdPath(dir, name), constants.O_RDONLY | constants.O_NOFOLLOW);
    } finally {
      closeSync(dir);
    }
  } catch {
    return undefined;
  }
}
