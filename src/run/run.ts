// `anon run` as a library call: the profile, secret and pseudonym table are set up and checked once
// (a UsageError before any file is touched), then the inputs go through one batch of the pool.
import type { RunReport } from '../job/report.js';
import { setupDeid } from '../job/setup.js';
import { runBatch, type RunOptions } from '../pool/batch.js';

export interface DeidentifyOptions extends Omit<RunOptions, 'worker' | 'profileName' | 'profileOptions'> {
  /** Built-in profile names or files (default basic); several compose, the later taking precedence. */
  profile?: string | string[];
  /** PS3.15 E.3 options on top of the profile's own. */
  options?: string[];
  /** The project secret (default: ANON_SECRET, else the per-user secret). */
  secretFile?: string;
  /** An anonapi mapping CSV of pseudonyms. */
  pseudonyms?: string;
  /** Rectangles blanked in every image, on top of the profile's mask rules. */
  masks?: { x: number; y: number; width: number; height: number }[];
  /** Folder for review PNGs of masked and quarantined images. */
  previews?: string;
}

/** De-identifies every file under the inputs into `out`, and returns the run report. */
export async function run(o: DeidentifyOptions): Promise<RunReport> {
  const { profile, options, secretFile, pseudonyms, masks, previews, ...batch } = o;
  const setup = setupDeid({ profile: profile ?? 'basic', options, secretFile, pseudonyms, record: o.recorder !== undefined });
  return runBatch({
    ...batch,
    worker: { deid: setup.spec, record: o.recorder !== undefined, masks, previews },
    profileName: setup.profile.name,
    profileOptions: setup.profile.options,
  });
}
