import type { PixelCheck } from '../ocr/types.js';
import type { DetectionReport, EntityFound } from '../detect/index.js';

export type RunStatus = 'PENDING' | 'PROCESSING' | 'SUCCEEDED' | 'FAILED';

export interface AnonymizedFile {
  id: string;
  path: string;
  source: string;
  size_in_bytes: number;
  content_type: 'application/dicom';
  /** How its pixels were checked for burned-in text: OCR boxes found, masked and left (never their text), or "mask rule, not verified". */
  pixels?: PixelCheck;
}

export interface Failure {
  path: string;
  code: string;
  message: string;
  element_path?: string;
  offset?: number;
}

/** A run report, shaped like an anonymization-run resource (pii_types, detection_method, llm_model_name: how text was searched). */
export interface RunReport extends DetectionReport {
  id: string;
  status: RunStatus;
  profile: string;
  options: Record<string, unknown>;
  created_at: string;
  completed_at?: string;
  duration_seconds?: number;
  results: {
    samples_processed: number;
    entity_summary: Record<string, number>;
    /** Identifiers found inside text, per output file: where and what kind, never the text. */
    entities_found: (EntityFound & { file: string })[];
    error: string | null;
  };
  /** Every file of each list (the lists of a returned report hold the first IN_MEMORY_LISTED only). */
  counts?: { written: number; skipped: number; failed: number; quarantined: number };
  anonymized_files: AnonymizedFile[];
  skipped: { path: string; reason: string }[];
  failures: Failure[];
  /** `pixels`: the OCR findings and boxes of an image quarantined for burned-in text (for review). */
  quarantined: { path: string; reason: string; pixels?: PixelCheck }[];
  /** What an option could not do for a written file (an overlay removed, not cleaned): output path and notice. */
  notices?: { path: string; notice: string }[];
  /** Throughput and cost of this run (the files timed are those processed, not resumed). */
  performance?: {
    files_timed: number;
    p50_ms: number;
    p99_ms: number;
    files_per_second: number;
    mib_per_second: number;
    cpu_seconds: number;
    peak_rss_mib: number;
  };
  /** The independent check of the outputs (anon run --verify). */
  verification?: unknown;
  /** Set on a returned report whose lists were cut at this length: report.json and journal.ndjson have every file. */
  lists_truncated_at?: number;
}
