import { AnonError, withoutUndefined } from '../errors.js';

/**
 * Typed, serialisable errors of the pseudonymisation layer (secret, identifiers, dates, pseudonym
 * table, mapping export). Like `DicomError` they carry a stable `code` and cross worker boundaries
 * as plain data (`toJSON` / `fromJSON`).
 */
export type PseudoErrorCode =
  | 'SECRET_MISSING' // a named secret file cannot be read
  | 'SECRET_WEAK' // a secret that is empty or shorter than 16 bytes
  | 'PSEUDONYM_TABLE' // the pseudonym table (anonapi mapping CSV) is unreadable or inconsistent
  | 'MAPPING_PATH' // the mapping export folder lies inside a forbidden root (the output tree)
  | 'DATE_INVALID' // a DA / DT value that is not a valid date or date-time
  | 'AGE_INVALID' // an AS value that is not nnnD / nnnW / nnnM / nnnY
  | 'RANGE_INVALID' // a date-offset range with min > max or non-integer bounds
  | 'PREFIX_INVALID' // a pseudonym prefix that does not fit LO / PN
  | 'LENGTH_INVALID'; // a hash length or maximum length that cannot be honoured

export interface PseudoErrorData {
  code: PseudoErrorCode;
  message: string;
  /** The file the problem was found in (secret file, pseudonym table, mapping folder). */
  file?: string;
  /** 1-based line in `file`. */
  line?: number;
}

export class PseudoError extends AnonError<PseudoErrorCode> implements PseudoErrorData {
  readonly line?: number;

  constructor(data: PseudoErrorData) {
    super(data.code, data.message, { file: data.file });
    this.line = data.line;
  }

  override toJSON(): PseudoErrorData {
    return withoutUndefined({ code: this.code, message: this.message, file: this.file, line: this.line });
  }

  static fromJSON(d: PseudoErrorData): PseudoError {
    return new PseudoError(d);
  }
}
