import { createDeidEnv } from '../deid/env.js';
import { DeidError } from '../deid/errors.js';
import type { DeidEnv, ExplainEntry } from '../deid/state.js';
import { UsageError } from '../errors.js';
import { loadProfile, ProfileError, withLayer, type OptionName, type ResolvedProfile, type Rule } from '../profile/load.js';
import { PseudoError } from '../pseudo/errors.js';
import { MappingRecorder } from '../pseudo/mapping.js';
import { pseudonymLookup } from '../pseudo/pseudonym-lookup.js';
import { readPseudonymTableData } from '../pseudo/pseudonym-table-data.js';
import { loadSecret } from '../pseudo/secret.js';
import type { DeidSpec } from './task.js';
import { ocrUnavailable } from '../ocr/available.js';

export interface DeidSetupOptions {
  /** Built-in names or files; several make one chain, the later ones taking precedence. */
  profile: string | string[];
  options?: string[];
  secretFile?: string;
  pseudonyms?: string;
  /** Record UID and patient ID mappings (for a MIDI-B export). */
  record?: boolean;
  explain?: (e: ExplainEntry) => void;
  /** OCR of burned-in text on top of the profile (anon run --ocr, --ocr-policy): sets pixels.detect "ocr". */
  ocr?: { policy?: 'all' | 'identifiers' };
  /** Rules built in code on top of the profile (a server job's own pseudonyms). */
  overlay?: { name: string; description?: string; rules: Rule[] };
}

export interface DeidSetup {
  profile: ResolvedProfile;
  /** What workers need, as data; undefined for a profile that changes nothing (files written as read). */
  spec?: DeidSpec;
  /** The compiled engine on this thread (explain, threads 0). */
  env?: DeidEnv;
  recorder?: MappingRecorder;
  notes: string[];
}

/** A profile that keeps everything and adds nothing: no engine pass is needed. */
export const isIdentity = (p: ResolvedProfile): boolean => !p.marks && p.layers.every((l) => l.rules.length === 0) && Object.values(p.defaults).every((a) => a === 'K');

/** The profile with OCR of burned-in text switched on (the flags win over the profile's own policy). */
export function withOcr(p: ResolvedProfile, ocr: DeidSetupOptions['ocr']): ResolvedProfile {
  if (!ocr) return p;
  return { ...p, pixels: { ...p.pixels, detect: 'ocr', ...(ocr.policy || p.pixels.ocr ? { ocr: { ...p.pixels.ocr, ...(ocr.policy ? { policy: ocr.policy } : {}) } } : {}) } };
}

/**
 * Everything a run needs before the first file: the profile (validated once, here), the secret,
 * the pseudonym table. Any problem is a UsageError (exit 2) raised before a file is touched.
 */
export function setupDeid(o: DeidSetupOptions): DeidSetup {
  try {
    const loaded = loadProfile(o.profile, { extraOptions: (o.options ?? []) as OptionName[] });
    const profile = withOcr(o.overlay ? withLayer(loaded, o.overlay) : loaded, o.ocr);
    if (profile.pixels.detect === 'ocr') {
      const missing = ocrUnavailable();
      if (missing) throw new UsageError(missing);
    }
    const notes: string[] = [];
    if (isIdentity(profile)) return { profile, notes };
    const secret = loadSecret({ secretFile: o.secretFile });
    notes.push(...secret.warnings);
    if (secret.source === 'created') notes.push(`created a per-user secret at ${secret.path} (mode 0600): keep it to reproduce these pseudonyms`);
    const recorder = o.record ? new MappingRecorder() : undefined;
    const pseudonyms = o.pseudonyms === undefined ? undefined : readPseudonymTableData(o.pseudonyms);
    const pseudonymTable = pseudonyms && pseudonymLookup(pseudonyms);
    const env = createDeidEnv(profile, { key: secret.key, pseudonymTable, recorder, explain: o.explain });
    const spec: DeidSpec = { profile, key: new Uint8Array(secret.key), pseudonyms };
    return { profile, spec, env, recorder, notes };
  } catch (e) {
    if (e instanceof ProfileError || e instanceof PseudoError || e instanceof DeidError) throw new UsageError(e.message);
    throw e;
  }
}
