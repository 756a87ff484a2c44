import { AnonError } from '../errors.js';

/** DEID_RESIDUAL: the independent byte scan found an identifier of the input in the output (src/job/leak-guard.ts). */
export type DeidErrorCode = 'DEID_FAILED' | 'DEID_UNSUPPORTED' | 'DEID_RESIDUAL';

/** A file that cannot be fully cleaned: it is never written as if it were. Serialisable. */
export class DeidError extends AnonError<DeidErrorCode> {
  constructor(code: DeidErrorCode, message: string, path?: string) {
    super(code, message, { path });
  }
}
