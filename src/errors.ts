// One base for every coded error of anonflow. An error crosses worker threads, the journal, the
// run report and HTTP bodies as plain data (`toJSON`), so its fields are the vocabulary every
// edge prints: a stable code, a message, and where it happened.

/** Where an error happened: the file, the element path in it, the byte offset. */
export interface ErrorPlace {
  /** The file (input, profile, secret, table) the problem is in. */
  file?: string;
  /** Element path, e.g. "(0040,0275)[0].(0008,1150)", or a JSON pointer into a profile. */
  path?: string;
  /** Byte offset in the (inflated) dataset stream. */
  offset?: number;
}

/** An error as data: what `toJSON` gives and what crosses thread and process boundaries. */
export interface ErrorData<C extends string = string> extends ErrorPlace {
  code: C;
  message: string;
}

/** Base of the coded errors: subclasses narrow the code and may add fields of their own. */
export class AnonError<C extends string = string> extends Error implements ErrorData {
  readonly code: C;
  file?: string;
  path?: string;
  offset?: number;

  constructor(code: C, message: string, place: ErrorPlace = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    if (place.file !== undefined) this.file = place.file;
    if (place.path !== undefined) this.path = place.path;
    if (place.offset !== undefined) this.offset = place.offset;
  }

  toJSON(): ErrorData<C> {
    return withoutUndefined({ code: this.code, message: this.message, file: this.file, path: this.path, offset: this.offset });
  }
}

/** A usage error (bad argument, unusable profile or secret): exit code 2 before any file is touched. */
export class UsageError extends AnonError<'USAGE'> {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** The data of a coded error; undefined for anything else (a bug, which the caller reports as INTERNAL). */
export function errorData(e: unknown): ErrorData | undefined {
  return e instanceof AnonError ? e.toJSON() : undefined;
}

/** Any thrown value as error data: coded errors keep their code, anything else is INTERNAL. */
export function asErrorData(e: unknown, fallbackCode = 'INTERNAL'): ErrorData {
  return errorData(e) ?? { code: fallbackCode, message: e instanceof Error ? e.message : String(e) };
}

export function withoutUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
