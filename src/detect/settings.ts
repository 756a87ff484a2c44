// Detection settings: defaults, the profile's `detect` section and the run's flags, merged and checked.
import { DETECTOR_NAMES, LABELS, type DetectorName, type DetectSettings, type Label, type LlmSettings } from './types.js';

/** Header, rules and names: fast, offline, no model. NER and the language model are opt-in. */
export const DEFAULT_DETECTORS: DetectorName[] = ['header', 'rules', 'names'];

export const DEFAULT_SETTINGS: DetectSettings = { detectors: DEFAULT_DETECTORS, piiTypes: [...LABELS], replacement: 'label', minScore: 0.5 };

/**
 * Cleaning text without a detect section or flags: the same detectors, but asterisks of the same
 * length, as cleaning always wrote (a value never grows, descriptors keep their shape).
 */
export const IMPLICIT_SETTINGS: DetectSettings = { ...DEFAULT_SETTINGS, replacement: 'mask' };

export class DetectSettingsError extends Error {}

/** A comma- or space-separated list, or repeated flags, as one list. */
const list = (v: string | string[] | undefined): string[] | undefined =>
  v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(/[\s,]+/)).filter(Boolean);

/** The run's flags (--detect, --pii-types, --detect-replacement, --llm-url, --llm-model) checked. */
export function settingsFromFlags(f: {
  detect?: string | string[];
  piiTypes?: string | string[];
  replacement?: string;
  llmUrl?: string;
  llmModel?: string;
}): Partial<DetectSettings> | undefined {
  const detectors = list(f.detect);
  const piiTypes = list(f.piiTypes)?.map((s) => s.toUpperCase());
  const out: Partial<DetectSettings> = {};
  if (detectors) {
    const bad = detectors.filter((d) => !(DETECTOR_NAMES as readonly string[]).includes(d));
    if (bad.length) throw new DetectSettingsError(`unknown detector ${bad.join(', ')} (detectors: ${DETECTOR_NAMES.join(', ')})`);
    out.detectors = detectors.length ? (detectors as DetectorName[]) : DEFAULT_DETECTORS; // a bare --detect: the defaults
  }
  if (piiTypes) {
    const bad = piiTypes.filter((p) => !(LABELS as readonly string[]).includes(p));
    if (bad.length) throw new DetectSettingsError(`unknown PII type ${bad.join(', ')} (types: ${LABELS.join(', ')})`);
    out.piiTypes = piiTypes as Label[];
  }
  if (f.replacement !== undefined) {
    if (!['label', 'surrogate', 'mask'].includes(f.replacement)) throw new DetectSettingsError(`--detect-replacement is label, surrogate or mask, not ${f.replacement}`);
    out.replacement = f.replacement as DetectSettings['replacement'];
  }
  if (f.llmUrl !== undefined || f.llmModel !== undefined) {
    if (!f.llmUrl || !f.llmModel) throw new DetectSettingsError('the language-model detector needs both --llm-url and --llm-model');
    out.llm = { url: f.llmUrl, model: f.llmModel };
    if (!out.detectors?.includes('llm')) out.detectors = [...(out.detectors ?? DEFAULT_DETECTORS), 'llm'];
  }
  return Object.keys(out).length ? out : undefined;
}

/** Defaults, then the profile's section, then the run's flags; undefined when neither asks for detection. */
export function resolveSettings(profile?: Partial<DetectSettings>, flags?: Partial<DetectSettings>): DetectSettings | undefined {
  if (!profile && !flags) return undefined;
  const s: DetectSettings = { ...DEFAULT_SETTINGS, ...profile, ...flags };
  const llm: LlmSettings | undefined = flags?.llm ?? profile?.llm;
  if (s.detectors.includes('llm') && !llm) throw new DetectSettingsError('the llm detector needs a URL and a model (profile detect.llm, or --llm-url and --llm-model)');
  return llm ? { ...s, llm } : s;
}

/** `detection_method` as the report states it: the detectors that ran, joined with '+'. */
export const detectionMethod = (s: DetectSettings | undefined): string => (s ? s.detectors.join('+') : 'heuristics');

/**
 * A profile (as data, crossing to the workers) with the run's flags laid over its detect section;
 * throws DetectSettingsError when the result cannot run (llm without a URL).
 */
export function withDetectFlags<T extends object>(profile: T, flags: Partial<DetectSettings> | undefined): T {
  if (!flags) return profile;
  const own = (profile as { detect?: Partial<DetectSettings> }).detect;
  resolveSettings(own, flags);
  return { ...profile, detect: { ...own, ...flags } };
}

/** What a run report states about detection (Dataframer's pii_types, detection_method, llm_model_name). */
export interface DetectionReport {
  pii_types: Label[];
  detection_method: string;
  llm_model_name: string | null;
}

/** The report's description of the detection a profile's section (with the run's flags laid over) sets up. */
export function describeDetection(section: Partial<DetectSettings> | undefined): DetectionReport {
  const s = resolveSettings(section) ?? IMPLICIT_SETTINGS;
  return { pii_types: [...s.piiTypes], detection_method: detectionMethod(s), llm_model_name: s.detectors.includes('llm') ? (s.llm?.model ?? null) : null };
}
