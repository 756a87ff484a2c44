/** What the verifier can find. */
export type FindingCode =
  | 'RESIDUAL_IDENTIFIER'
  | 'PRIVATE_LEFT'
  | 'ATTRIBUTE_LEFT'
  | 'UID_NOT_REMAPPED'
  | 'UID_MAPPING_INCONSISTENT'
  | 'UID_COLLISION'
  | 'REFERENCE_BROKEN'
  /** A component of an output's path, or a DICOMDIR's File ID, holds an identifier of its input. */
  | 'PATH_IDENTIFIER'
  | 'META_INCONSISTENT'
  | 'DATE_SHIFT_INCONSISTENT'
  | 'PIXEL_CHANGED'
  | 'MARKS_MISSING'
  | 'INVALID'
  | 'TEXT_IDENTIFIER'
  | 'UNPAIRED';

export type Severity = 'error' | 'warning';

export interface Finding {
  code: FindingCode;
  severity: Severity;
  /** The input and output files of the pair (absent for run-wide findings). */
  input?: string;
  output?: string;
  /** Element path in the output (or in the input when the output lacks the element), e.g. "(0040,0275)[0].(0008,1150)". */
  path?: string;
  message: string;
  /** A masked hint of a leaked value (first character and length): the report must not leak it again. */
  value_hint?: string;
}

/** A verification, JSON-serialisable (it goes into the run report). */
export interface VerifyResult {
  ok: boolean;
  profile: string;
  options: string[];
  /** How inputs were paired with outputs. */
  pairing: 'journal' | 'content';
  pairs: number;
  unpaired_inputs: number;
  unpaired_outputs: number;
  dciodvfy: boolean;
  summary: {
    errors: number;
    warnings: number;
    /** RESIDUAL_IDENTIFIER findings of error severity (by_code counts the warnings too). */
    residual_identifiers: number;
    by_code: Partial<Record<FindingCode, number>>;
  };
  findings: Finding[];
  /** Set when the findings list was cut at this length (the summary counts them all). */
  findings_truncated_at?: number;
  duration_seconds: number;
}

export interface VerifyOptions {
  /** Built-in profile name or profile file (default: the run report's profile, else basic). */
  profile?: string | string[];
  /** PS3.15 E.3 options in effect (default: the run report's). */
  options?: string[];
  /** Run dciodvfy on each pair: true, false, or 'auto' (when installed; default). */
  dciodvfy?: boolean | 'auto';
  /** Keep at most this many findings in the list (default 10 000). */
  maxFindings?: number;
}
