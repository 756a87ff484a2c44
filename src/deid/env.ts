import { DetectSettingsError, IMPLICIT_SETTINGS, resolveSettings } from '../detect/settings.js';
import type { MappingRecorder } from '../pseudo/mapping.js';
import { DeidError } from './errors.js';
import { CompiledRules } from './rules.js';
import type { DeidEnv, ExplainEntry } from './state.js';
import type { EngineProfile, OptionName } from './types.js';

export { VERSION } from '../version.js';
import { VERSION } from '../version.js';

/**
 * Clean Recognizable Visual Features needs face and feature detection, which this engine does not
 * do: refused, never claimed. (Clean Pixel Data is done per image by mask rules, and its code is
 * added to the images actually cleaned.)
 */
const PIXEL_OPTIONS: OptionName[] = ['cleanRecognizableVisualFeatures'];

export interface EnvOptions {
  key: Buffer;
  pseudonymTable?: DeidEnv['pseudonymTable'];
  recorder?: MappingRecorder;
  explain?: (e: ExplainEntry) => void;
}

/**
 * Compiles a profile for de-identification. Fails before any file is touched when the profile
 * asks for something the engine cannot do (a file is never marked with an option not applied).
 */
export function createDeidEnv(profile: EngineProfile, opts: EnvOptions): DeidEnv {
  const unsupported = profile.options.filter((o) => PIXEL_OPTIONS.includes(o));
  if (unsupported.length) {
    throw new DeidError('DEID_UNSUPPORTED', `option ${unsupported.join(', ')} needs recognition of visual features, which this build does not do`);
  }
  let detect;
  try {
    detect = resolveSettings(profile.detect) ?? IMPLICIT_SETTINGS;
    // a rule's detect action is checked here too, not at its first file
    for (const l of profile.layers)
      for (const r of l.rules) for (const a of [r.action, ...Object.values(r.options ?? {})]) if (typeof a === 'object' && 'detect' in a) resolveSettings(detect, a.detect);
  } catch (e) {
    if (e instanceof DetectSettingsError) throw new DeidError('DEID_UNSUPPORTED', `detect: ${e.message}`);
    throw e;
  }
  return {
    key: opts.key,
    rules: new CompiledRules(profile),
    profile,
    pseudonymTable: opts.pseudonymTable,
    recorder: opts.recorder,
    version: VERSION,
    explain: opts.explain,
    detect,
  };
}
