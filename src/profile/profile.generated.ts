/* eslint-disable */
// Generated from profiles/schema.json by scripts/gen-profile-types.mjs (json-schema-to-typescript).
// Do not edit: change the schema and run `npm run gen`.
// schema sha256: 951919c7269e901edeabfc7eb99d3e3a9642fcb994d3a15d7548274dcf429750

/**
 * The twelve options of PS3.15 E.3 (CID 7050 codes 113101-113112).
 *
 * This interface was referenced by `Profile`'s JSON-Schema
 * via the `definition` "OptionName".
 */
export type OptionName =
  | "cleanPixelData"
  | "cleanRecognizableVisualFeatures"
  | "cleanGraphics"
  | "cleanStructuredContent"
  | "cleanDescriptors"
  | "retainLongFullDates"
  | "retainLongModifiedDates"
  | "retainPatientCharacteristics"
  | "retainDeviceIdentity"
  | "retainUIDs"
  | "retainSafePrivate"
  | "retainInstitutionIdentity";
/**
 * This interface was referenced by `Profile`'s JSON-Schema
 * via the `definition` "Tag".
 */
export type Tag = string;
/**
 * An action code, or a parameterised action.
 *
 * This interface was referenced by `Profile`'s JSON-Schema
 * via the `definition` "Action".
 */
export type Action =
  | ActionCode
  | {
      replace: string;
    }
  | {
      set: string;
    }
  | {
      hash: {
        prefix?: string;
        length?: number;
      };
    }
  | {
      shiftDate: {
        days?: number;
      };
    }
  | {
      detect: Detect;
    };
/**
 * PS3.15 Table E.1-1a action codes. D: dummy value; Z: zero length (or dummy); X: remove; K: keep (sequences are cleaned); C: clean; U: consistent new UID. Compound codes are resolved by the engine as documented in docs/precedence.md.
 *
 * This interface was referenced by `Profile`'s JSON-Schema
 * via the `definition` "ActionCode".
 */
export type ActionCode = "D" | "Z" | "X" | "K" | "C" | "U" | "Z/D" | "X/Z" | "X/D" | "X/Z/D" | "X/Z/U*";
/**
 * header: the file's own identifiers in their written forms; rules: dates, ages over 89, phones, e-mail, URLs, addresses, postcodes, record numbers, national IDs with checksums; names: first- and last-name lists (en, nl, de, fr) with context cues; ner: compromise's named-entity recognition; llm: an OpenAI-compatible language model at detect.llm.url.
 *
 * This interface was referenced by `Profile`'s JSON-Schema
 * via the `definition` "DetectorName".
 */
export type DetectorName = "header" | "rules" | "names" | "ner" | "llm";
/**
 * A kind of identifier found inside text (src/detect/types.ts LABELS).
 *
 * This interface was referenced by `Profile`'s JSON-Schema
 * via the `definition` "PiiType".
 */
export type PiiType =
  | "PERSON"
  | "DATE"
  | "AGE"
  | "PHONE"
  | "EMAIL"
  | "URL"
  | "ADDRESS"
  | "POSTCODE"
  | "ID"
  | "NATIONAL_ID"
  | "ORGANIZATION";

/**
 * An anonflow de-identification profile. Actions use PS3.15 Annex E's own codes (Table E.1-1a) and option names (Section E.3), so every line can be checked against the standard.
 */
export interface Profile {
  /**
   * Path to this schema, for editors.
   */
  $schema?: string;
  /**
   * Short name, used by --profile (a + joins the names of composed profiles).
   */
  name: string;
  description?: string;
  source?: Source;
  /**
   * Profiles this one builds on (names of built-in profiles or paths to JSON files), applied in order; this profile's own rules take precedence over theirs.
   */
  extends?: string | [string, ...string[]];
  /**
   * PS3.15 E.3 options in effect. They switch on the option columns of the rules.
   */
  options?: OptionName[];
  rules?: Rule[];
  defaults?: Defaults;
  pseudonyms?: Pseudonyms;
  /**
   * Add the de-identification marks (PatientIdentityRemoved, DeidentificationMethod, its code sequence, LongitudinalTemporalInformationModified). Default true; the identity profile sets false.
   */
  marks?: boolean;
  pixels?: Pixels;
  detect?: Detect;
}
/**
 * Provenance of a generated profile.
 *
 * This interface was referenced by `Profile`'s JSON-Schema
 * via the `definition` "Source".
 */
export interface Source {
  standard: string;
  edition: string;
  generatedBy?: string;
  sha256?: string;
}
/**
 * This interface was referenced by `Profile`'s JSON-Schema
 * via the `definition` "Rule".
 */
export interface Rule {
  match: Match;
  action: Action;
  /**
   * The action when an option is in effect (Table E.1-1's option columns).
   */
  options?: {[K in OptionName]?: Action};
  /**
   * All must hold for the rule to apply.
   *
   * @minItems 1
   */
  when?: [Condition, ...Condition[]];
  /**
   * The attribute name, for people.
   */
  name?: string;
  /**
   * Row of PS3.15 Table E.1-1 this rule implements.
   */
  row?: number;
  note?: string;
}
/**
 * What a rule applies to: exactly one selector.
 *
 * This interface was referenced by `Profile`'s JSON-Schema
 * via the `definition` "Match".
 */
export interface Match {
  tag?: Tag;
  /**
   * A PS3.6 keyword, e.g. PatientName.
   */
  keyword?: string;
  /**
   * A tag with x for any hex digit, e.g. (50xx,xxxx), (60xx,4000).
   */
  mask?: string;
  /**
   * Every element of one group, e.g. 0019.
   */
  group?: string;
  /**
   * "all" for every private element (odd group), or one private element: its creator and the element byte within the creator's block (optionally a group).
   */
  private?:
    | "all"
    | {
        creator: string;
        element: string;
        group?: string;
      };
  /**
   * Every element of this VR.
   */
  vr?: string;
  /**
   * Every element no other rule matches.
   */
  otherwise?: true;
}
/**
 * Finding identifiers inside text (descriptors, comments, structured-content and graphic text cleaned by C, and attributes a rule sends to the detect action): only the identifiers are replaced, the rest of the text is kept. Without this section (and without --detect), cleaning blanks only the file's own identifiers and identifier-shaped tokens.
 *
 * This interface was referenced by `Profile`'s JSON-Schema
 * via the `definition` "Detect".
 */
export interface Detect {
  /**
   * Default: header, rules, names.
   *
   * @minItems 1
   */
  detectors?: [DetectorName, ...DetectorName[]];
  /**
   * The kinds replaced and reported. Default: all.
   *
   * @minItems 1
   */
  piiTypes?: [PiiType, ...PiiType[]];
  /**
   * label: [PERSON]; surrogate: a keyed stand-in of the same kind; mask: asterisks of the same length. Default label. A result over the VR's length limit falls back to mask.
   */
  replacement?: "label" | "surrogate" | "mask";
  /**
   * Spans scored below this are ignored. Default 0.5.
   */
  minScore?: number;
  /**
   * The optional language-model detector: an OpenAI-compatible endpoint chosen by the user. Never contacted unless detectors lists llm.
   */
  llm?: {
    /**
     * Base URL; POST {url}/chat/completions.
     */
    url: string;
    model: string;
    /**
     * Environment variable holding a bearer token.
     */
    apiKeyEnv?: string;
    timeoutMs?: number;
  };
}
/**
 * A test on an attribute of the top-level dataset, by tag or keyword.
 *
 * This interface was referenced by `Profile`'s JSON-Schema
 * via the `definition` "Condition".
 */
export interface Condition {
  /**
   * A keyword or a tag such as (0008,0060).
   */
  attribute: string;
  equals?: string;
  /**
   * @minItems 1
   */
  in?: [string, ...string[]];
  /**
   * A regular expression tested against the value.
   */
  matches?: string;
  present?: boolean;
}
/**
 * Actions for elements no rule matches.
 *
 * This interface was referenced by `Profile`'s JSON-Schema
 * via the `definition` "Defaults".
 */
export interface Defaults {
  /**
   * A standard attribute the dictionary knows (default K).
   */
  public?: ActionCode;
  /**
   * An even-group attribute the dictionary does not know: a newer edition's attribute may carry identity (default X).
   */
  unknownPublic?: ActionCode;
  /**
   * A private element (default X).
   */
  private?: ActionCode;
}
/**
 * How replacement identifiers are made.
 *
 * This interface was referenced by `Profile`'s JSON-Schema
 * via the `definition` "Pseudonyms".
 */
export interface Pseudonyms {
  /**
   * Prefix of HMAC-derived Patient IDs and Names (default ANON).
   */
  patientIdPrefix?: string;
  /**
   * Range of the keyed per-patient date offset, in days (default -3650 to -1).
   */
  dateShiftDays?: {
    min: number;
    max: number;
  };
}
/**
 * Burned-in annotations: mask rules, and which images are quarantined when no mask rule selects them.
 *
 * This interface was referenced by `Profile`'s JSON-Schema
 * via the `definition` "Pixels".
 */
export interface Pixels {
  masks?: MaskRule[];
  /**
   * Images that may carry burned-in text: without a matching mask rule they are quarantined, never written. Images with BurnedInAnnotation YES always are.
   */
  burnedInText?: {
    /**
     * Default US, SC, OT, XC, ES.
     */
    modalities?: string[];
    /**
     * Default: the Secondary Capture SOP classes.
     */
    sopClasses?: string[];
  };
  /**
   * For lossy compressed sources: re-encode with the same codec (marking LossyImageCompression and its history), or write Explicit VR Little Endian (default).
   */
  lossy?: "reencode" | "explicitLittleEndian";
  /**
   * Overlay planes (60xx,3000): removed as the table says (default), or burnt into the pixel data first (native pixel data only; an image whose overlays cannot be burnt in is quarantined). Overlay comments and curves follow the rules.
   */
  overlays?: "remove" | "burnIn";
  /**
   * Find burned-in text with OCR in the images that may carry it (burnedInText, BurnedInAnnotation YES): mask what the ocr policy chooses, recognise the masked frames again, and write the image only when nothing readable is left in the masks and no identifier anywhere (else quarantine). Absent: fail closed (mask rules only). anon run --ocr sets it.
   */
  detect?: "ocr";
  ocr?: Ocr;
}
/**
 * Regions to blank in the pixel data of the images its conditions select. The first mask rule whose conditions hold is applied (most derived profile first).
 *
 * This interface was referenced by `Profile`'s JSON-Schema
 * via the `definition` "MaskRule".
 */
export interface MaskRule {
  name?: string;
  /**
   * All must hold (Modality, Manufacturer, ManufacturerModelName, Rows, Columns, SOPClassUID, ImageType…).
   *
   * @minItems 1
   */
  when?: [Condition, ...Condition[]];
  /**
   * @minItems 1
   */
  regions?: [Region, ...Region[]];
  /**
   * Blank everything outside the regions of the Sequence of Ultrasound Regions (0018,6011).
   */
  outsideUltrasoundRegions?: boolean;
  /**
   * Limit the whole rule to these frames (1-based).
   *
   * @minItems 1
   */
  frames?: [number, ...number[]];
}
/**
 * A rectangle in pixel coordinates (columns x, rows y), optionally limited to some frames (1-based).
 *
 * This interface was referenced by `Profile`'s JSON-Schema
 * via the `definition` "Region".
 */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
  /**
   * @minItems 1
   */
  frames?: [number, ...number[]];
}
/**
 * How OCR masks burned-in text (pixels.detect ocr).
 *
 * This interface was referenced by `Profile`'s JSON-Schema
 * via the `definition` "Ocr".
 */
export interface Ocr {
  /**
   * all: mask every text box (default); identifiers: only the boxes the text detectors flag as identifiers (Presidio's mode).
   */
  policy?: "all" | "identifiers";
  /**
   * Pixels added around each box (default 4).
   */
  padding?: number;
  /**
   * A word with a letter or digit is text from this confidence on (default 60).
   */
  minConfidence?: number;
  /**
   * Second pass: a word of three or more letters or digits from this confidence on is readable (default 50).
   */
  verifyConfidence?: number;
  /**
   * At most this many frames of a multi-frame image are recognised: every frame is rendered and frames whose overlay-bright text region is identical are read once (one per group); an image with more groups is quarantined (default 8).
   */
  maxFrames?: number;
}
