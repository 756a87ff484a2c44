import { createDeidEnv } from '../deid/env.js';
import { DeidError } from '../deid/errors.js';
import type { DeidEnv, ExplainEntry } from '../deid/state.js';
import { loadProfile, ProfileError, type OptionName, type ResolvedProfile } from '../profile/load.js';
import { PseudoError } from '../pseudo/errors.js';
import { MappingRecorder } from '../pseudo/mapping.js';
import { readPseudonymTable } from '../pseudo/pseudonym-table.js';
import { loadSecret } from '../pseudo/secret.js';
import { UsageError } from './run.js';

export interface DeidSetupOptions {
  profile: string;
  options?: string[];
  secretFile?: string;
  pseudonyms?: string;
  /** Record UID and patient ID mappings (for a MIDI-B export). */
  record?: boolean;
  explain?: (e: ExplainEntry) => void;
}

export interface DeidSetup {
  profile: ResolvedProfile;
  /** Undefined for a profile that changes nothing (identity): files are written as read. */
  env?: DeidEnv;
  recorder?: MappingRecorder;
  notes: string[];
}

/** A profile that keeps everything and adds nothing: no engine pass is needed. */
export const isIdentity = (p: ResolvedProfile): boolean =>
  !p.marks && p.layers.every((l) => l.rules.length === 0) && Object.values(p.defaults).every((a) => a === 'K');

/**
 * Everything a run needs before the first file: the profile (validated), the secret, the
 * pseudonym table. Any problem is a UsageError (exit 2) raised before a file is touched.
 */
export function setupDeid(o: DeidSetupOptions): DeidSetup {
  try {
    const profile = loadProfile(o.profile, { extraOptions: (o.options ?? []) as OptionName[] });
    const notes: string[] = [];
    if (isIdentity(profile)) return { profile, notes };
    const secret = loadSecret({ secretFile: o.secretFile });
    notes.push(...secret.warnings);
    if (secret.source === 'created') notes.push(`created a per-user secret at ${secret.path} (mode 0600): keep it to reproduce these pseudonyms`);
    const recorder = o.record ? new MappingRecorder() : undefined;
    const pseudonymTable = o.pseudonyms ? readPseudonymTable(o.pseudonyms) : undefined;
    const env = createDeidEnv(profile, { key: secret.key, pseudonymTable, recorder, explain: o.explain });
    return { profile, env, recorder, notes };
  } catch (e) {
    if (e instanceof ProfileError || e instanceof PseudoError || e instanceof DeidError) throw new UsageError(e.message);
    throw e;
  }
}
