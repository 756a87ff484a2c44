// What every detector gives and takes: spans over a text, never the text itself.

/** The kinds of identifier the detectors report (the report's `pii_types`). */
export const LABELS = ['PERSON', 'DATE', 'AGE', 'PHONE', 'EMAIL', 'URL', 'ADDRESS', 'POSTCODE', 'ID', 'NATIONAL_ID', 'ORGANIZATION'] as const;
export type Label = (typeof LABELS)[number];

/** The detectors, cheapest first; `registry.ts` maps each name to its module. */
export const DETECTOR_NAMES = ['header', 'rules', 'names', 'ner', 'llm'] as const;
export type DetectorName = (typeof DETECTOR_NAMES)[number];

/** Half-open [start, end) in UTF-16 code units of the value, with a confidence in [0, 1]. */
export interface Span {
  start: number;
  end: number;
  label: Label;
  score: number;
  detector: DetectorName;
}

/** An identifier the file itself holds (its patient's name, IDs, birth date…), with its label. */
export interface KnownIdentifier {
  label: Label;
  value: string;
  /** PN values: split into components and matched in their common forms (initials, reversed). */
  personName?: boolean;
}

/** The OpenAI-compatible endpoint of the optional language-model detector. */
export interface LlmSettings {
  /** Base URL, e.g. http://127.0.0.1:8080/v1 (POST {url}/chat/completions). */
  url: string;
  model: string;
  /** Name of the environment variable holding a bearer token, if the endpoint needs one. */
  apiKeyEnv?: string;
  timeoutMs?: number;
}

/** How a value's identifiers are found and replaced. */
export interface DetectSettings {
  detectors: DetectorName[];
  /** Labels kept; the others' spans are ignored. */
  piiTypes: Label[];
  /** label: `[PERSON]`; surrogate: a keyed stand-in of the same kind; mask: asterisks of the same length. */
  replacement: 'label' | 'surrogate' | 'mask';
  /** Spans scored below this are ignored. */
  minScore: number;
  llm?: LlmSettings;
}

/** What detection knows beyond the text: the file's own identifiers and the settings. */
export interface DetectContext {
  known?: KnownIdentifier[];
  settings?: Partial<DetectSettings>;
}

/** One detector: pure, synchronous, given the text and its folded form (same length). */
export interface Detector {
  detect(text: string, ctx: PreparedContext): Span[];
}

/** A DetectContext compiled once per file (header terms) and reused for each of its values. */
export interface PreparedContext {
  settings: DetectSettings;
  known: KnownIdentifier[];
  /** Cached per-context data a detector builds once (its own key). */
  cache: Map<string, unknown>;
}

/** One identifier found in a file, as the report lists it: where and what kind, never the text. */
export interface EntityFound extends Span {
  /** The element path, e.g. (0040,A730)[0].(0040,A160). */
  path: string;
  /** The value's index in a multi-valued element, when not the first. */
  value?: number;
}
