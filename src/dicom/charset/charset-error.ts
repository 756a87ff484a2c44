import { AnonError } from '../../errors.js';

export type CharsetErrorCode = 'CHARSET_UNSUPPORTED' | 'CHARSET_UNENCODABLE';

export class CharsetError extends AnonError<CharsetErrorCode> {
  constructor(code: CharsetErrorCode, message: string) {
    super(code, message);
  }
}
