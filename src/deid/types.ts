/**
 * The engine's view of a resolved profile. Shapes follow profiles/schema.json (the generated
 * profile types are structurally the same); kept here so the engine does not depend on the loader.
 */
export type ActionCode = 'D' | 'Z' | 'X' | 'K' | 'C' | 'U' | 'Z/D' | 'X/Z' | 'X/D' | 'X/Z/D' | 'X/Z/U*';
/** The six simple codes every compound code resolves to. */
export type SimpleCode = 'D' | 'Z' | 'X' | 'K' | 'C' | 'U';

export type OptionName =
  | 'cleanPixelData' | 'cleanRecognizableVisualFeatures' | 'cleanGraphics' | 'cleanStructuredContent'
  | 'cleanDescriptors' | 'retainLongFullDates' | 'retainLongModifiedDates' | 'retainPatientCharacteristics'
  | 'retainDeviceIdentity' | 'retainUIDs' | 'retainSafePrivate' | 'retainInstitutionIdentity';

export type Action =
  | ActionCode
  | { replace: string }
  | { set: string }
  | { hash: { prefix?: string; length?: number } }
  | { shiftDate: { days?: number } };

export interface Match {
  tag?: string;
  keyword?: string;
  mask?: string;
  group?: string;
  private?: 'all' | { creator: string; element: string; group?: string };
  vr?: string;
  otherwise?: true;
}

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
  };
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
