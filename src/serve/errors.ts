import { AnonError } from '../errors.js';

/** IDIS-style parameter errors (400 with `{errors: {param: message}}`). */
export class ApiErrors extends AnonError<'API_INVALID'> {
  constructor(readonly errors: Record<string, string>) {
    super('API_INVALID', Object.values(errors).join('; '));
  }
}

/** A server configuration that cannot be used: reported before the server listens. */
export class ConfigError extends AnonError<'CONFIG_INVALID'> {
  constructor(message: string) {
    super('CONFIG_INVALID', message);
  }
}

/** A path a user gave that lies outside every configured root or share. */
export class PathRefused extends AnonError<'PATH_REFUSED'> {
  constructor(message: string) {
    super('PATH_REFUSED', message);
  }
}
