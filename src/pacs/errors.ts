// Errors talking to a PACS over DICOMweb. Messages follow the anonapi troubleshooting style: which
// PACS, which HTTP status, which study, so a job's error says where to look.

import { AnonError } from '../errors.js';

export type PacsCode =
  | 'PACS_HTTP' // the PACS answered with an error status
  | 'PACS_UNREACHABLE' // no connection (refused, reset, DNS)
  | 'PACS_TIMEOUT' // no answer, or a body that stalled, within the connection's timeout
  | 'PACS_NOT_FOUND' // a search matched no study
  | 'PACS_AMBIGUOUS' // an accession number matched several studies
  | 'PACS_BAD_RESPONSE' // an answer that is not what DICOMweb promises (bad JSON, multipart, instance of another study)
  | 'PACS_CONFIG'; // a connection that cannot be used (bad URL, unknown name)

export class PacsError extends AnonError<PacsCode> {
  /** The HTTP status, when the PACS answered. */
  readonly status?: number;
  /** Worth trying again: a connection problem, a timeout, 429 or a 5xx other than 501. */
  readonly transient: boolean;

  constructor(code: PacsCode, message: string, opts: { status?: number; transient?: boolean } = {}) {
    super(code, message);
    if (opts.status !== undefined) this.status = opts.status;
    this.transient = opts.transient ?? false;
  }
}

/** Statuses a retry may cure. */
export const transientStatus = (status: number): boolean => status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
