// Finding identifiers inside text (issue 17). Read-only API for verify and the server:
// detectIdentifiers(text, context) → spans; the engine replaces them with replaceSpans.
export { burnedInSpans } from './burned-in.js';
export { detectIdentifiers, mergeSpans, prepareContext } from './detect.js';
export { fuzzyKnownSpans, ocrForm, ocrNeedles } from './fuzzy.js';
export { KNOWN_ATTRIBUTES, knownIdentifiers } from './known.js';
export { DETECTORS } from './registry.js';
export { replaceSpans, type ReplaceOptions } from './replace.js';
export {
  DEFAULT_DETECTORS,
  DEFAULT_SETTINGS,
  describeDetection,
  DetectSettingsError,
  IMPLICIT_SETTINGS,
  detectionMethod,
  type DetectionReport,
  resolveSettings,
  settingsFromFlags,
  withDetectFlags,
} from './settings.js';
export { surrogate, unkeyedPick, type Pick } from './surrogate.js';
export {
  DETECTOR_NAMES,
  LABELS,
  type DetectContext,
  type Detector,
  type DetectorName,
  type DetectSettings,
  type EntityFound,
  type KnownIdentifier,
  type Label,
  type LlmSettings,
  type PreparedContext,
  type Span,
} from './types.js';
