/** A client-side problem the CLI reports as one line (exit 1). */
export class ClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClientError';
  }
}
