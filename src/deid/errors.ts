import { AnonError } from '../errors.js';

/** A file that cannot be fully cleaned: it is never written as if it were. Serialisable. */
export class DeidError extends AnonError<'DEID_FAILED' | 'DEID_UNSUPPORTED'> {
  constructor(code: 'DEID_FAILED' | 'DEID_UNSUPPORTED', message: string, path?: string) {
    super(code, message, { path });
  }
}
