/**
 * The engine's view of a resolved profile: the schema's generated types (profiles/schema.json), with
 * plain arrays where the schema asks for at least one item, so rules can be built in code.
 */
import type { Action, ActionCode, Detect, Match, OptionName } from '../profile/profile.generated.js';

export type { Action, ActionCode, Detect, Match, OptionName };

/** The six simple codes every compound code resolves to. */
export type SimpleCode = 'D' | 'Z' | 'X' | 'K' | 'C' | 'U';

export interface Condition {
  attribute: string;
  equals?: string;
  in?: string[];
  matches?: string;
  present?: boolean;
}

export interface Rule {
  match: Match;
  action: Action;
  options?: Partial<Record<OptionName, Action>>;
  when?: Condition[];
  name?: string;
  row?: number;
  note?: string;
}

export interface EngineProfile {
  name: string;
  layers: { profile: string; rules: Rule[] }[];
  options: OptionName[];
  defaults: { public: ActionCode; unknownPublic: ActionCode; private: ActionCode };
  pseudonyms: { patientIdPrefix: string; dateShiftDays: { min: number; max: number } };
  marks: boolean;
  /** Burned-in annotation policy (see src/deid/pixel-policy.ts); absent: the defaults. */
  pixels?: {
    masks: MaskRuleSpec[];
    burnedInText: { modalities: string[]; sopClasses: string[] };
    lossy: 'reencode' | 'explicitLittleEndian';
    overlays?: 'remove' | 'burnIn';
    /** OCR of burned-in text (src/ocr) in the images that may carry it. */
    detect?: 'ocr';
    ocr?: { policy?: 'all' | 'identifiers'; padding?: number; minConfidence?: number; verifyConfidence?: number; maxFrames?: number };
  };
  /** Finding identifiers inside cleaned text (src/detect); absent: the file's own identifiers and identifier shapes are blanked. */
  detect?: Detect;
}

export interface RegionSpec {
  x: number;
  y: number;
  width: number;
  height: number;
  frames?: number[];
}

export interface MaskRuleSpec {
  name?: string;
  when?: Condition[];
  regions?: RegionSpec[];
  outsideUltrasoundRegions?: boolean;
  frames?: number[];
}
