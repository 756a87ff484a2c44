export type CharsetErrorCode = 'CHARSET_UNSUPPORTED' | 'CHARSET_UNENCODABLE';

export class CharsetError extends Error {
  code: CharsetErrorCode;
  constructor(code: CharsetErrorCode, message: string) {
    super(message);
    this.name = 'CharsetError';
    this.code = code;
  }
}
