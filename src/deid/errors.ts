/** A file that cannot be fully cleaned: it is never written as if it were. Serialisable. */
export class DeidError extends Error {
  override name = 'DeidError';
  constructor(
    readonly code: 'DEID_FAILED' | 'DEID_UNSUPPORTED',
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
  toJSON(): { code: string; message: string; path?: string } {
    return { code: this.code, message: this.message, path: this.path };
  }
}
