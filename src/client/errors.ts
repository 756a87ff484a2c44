import { AnonError } from '../errors.js';

/** A client-side problem the CLI reports as one line (exit 1). */
export class ClientError extends AnonError<'CLIENT'> {
  constructor(message: string) {
    super('CLIENT', message);
  }
}
