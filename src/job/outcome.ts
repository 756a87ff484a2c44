// What one input became: every input ends written, skipped, failed or quarantined, with a reason.
import type { ErrorData } from '../errors.js';
import type { EntityFound } from '../detect/index.js';
import type { MappingData } from '../pseudo/mapping.js';
import type { PixelCheck } from '../ocr/types.js';
import type { WalkProblem } from '../io/walk.js';

/** The typed error of a failed file, as data (code, message, element path, byte offset). */
export type FileError = Pick<ErrorData, 'code' | 'message' | 'path' | 'offset'>;

export type FileOutcome =
  | {
      status: 'written';
      path: string;
      output: string;
      size: number;
      entities: Record<string, number>;
      /** Identifiers found inside text (element path, span, label, score, detector; never the text). */
      entities_found?: EntityFound[];
      /** How the pixels were checked for burned-in text (OCR boxes, or a mask rule not verified). */
      pixels?: PixelCheck;
      warnings: string[];
      /** The warnings the user must see (console, journal, report): what an option could not do. */
      notices?: string[];
      /** The output was already in place with these exact bytes (a resumed run, or a copy of an input). */
      alreadyPresent?: boolean;
    }
  | { status: 'skipped'; path: string; reason: string }
  | { status: 'quarantined'; path: string; reason: string; pixels?: PixelCheck }
  | { status: 'failed'; path: string; error: FileError };

/** What a worker sends back for one task. */
export interface FileResult {
  outcome: FileOutcome;
  bytesIn: number;
  ms: number;
  /** Mappings recorded while processing this file (for the MIDI-B export). */
  mapping?: MappingData;
}

/** A task whose processing stopped unexpectedly (a worker died, a bug): the file fails, not the run. */
export function internalFailure(path: string, e: unknown): FileResult {
  if ((e as NodeJS.ErrnoException)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    const message = `the file needs more memory than a worker's fixed heap allows (${(e as Error).message}): not written`;
    return { outcome: { status: 'failed', path, error: { code: 'MEMORY_LIMIT', message } }, bytesIn: 0, ms: 0 };
  }
  const message = `processing stopped unexpectedly: ${(e as Error)?.message ?? String(e)}`;
  return { outcome: { status: 'failed', path, error: { code: 'INTERNAL', message } }, bytesIn: 0, ms: 0 };
}

/** Something the walk met and did not process: journaled and reported like any other input. */
export function walkProblemResult(p: WalkProblem): FileResult {
  const outcome: FileOutcome =
    p.status === 'skipped' ? { status: 'skipped', path: p.path, reason: p.reason } : { status: 'failed', path: p.path, error: { code: p.code ?? 'IO', message: p.reason } };
  return { outcome, bytesIn: 0, ms: 0 };
}
