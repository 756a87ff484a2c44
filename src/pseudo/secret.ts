import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { PseudoError } from './errors.js';

/** Shortest secret accepted, in bytes. */
export const MIN_SECRET_BYTES = 16;

export type SecretSource = 'file' | 'env' | 'created' | 'user';

export interface LoadedSecret {
  /** The HMAC key: the secret's bytes exactly as given (file bytes less trailing CR/LF, or UTF-8 of the env value). */
  key: Buffer;
  /** `file`: --secret-file; `env`: ANON_SECRET; `user`: the existing per-user secret; `created`: the per-user secret, made just now. */
  source: SecretSource;
  /** The file the key came from (absent for `env`). */
  path?: string;
  /** Warning-level findings for the caller to report (e.g. a secret file readable by others). */
  warnings: string[];
}

export interface LoadSecretOptions {
  /** `--secret-file`: takes precedence over everything else. */
  secretFile?: string;
  /** Environment to read `ANON_SECRET` and `HOME` from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Home folder for the per-user secret (default `env.HOME`, then `os.homedir()`). */
  home?: string;
}

/** Where the per-user secret lives under a home folder. */
export function userSecretPath(home: string): string {
  return join(home, '.config', 'anonflow', 'secret');
}

/**
 * Find the project secret that keys every pseudonym, in this order:
 *
 * 1. `secretFile` (`--secret-file`): the file's bytes with trailing CR/LF removed. A missing or
 *    unreadable file is SECRET_MISSING (never a silent fall-back: another secret would give other
 *    pseudonyms); an empty or < 16-byte secret is SECRET_WEAK.
 * 2. `ANON_SECRET`: its UTF-8 bytes. Set but shorter than 16 bytes (including empty) is SECRET_WEAK,
 *    again rather than falling back to a different secret.
 * 3. The per-user secret `<home>/.config/anonflow/secret`: read when it exists; otherwise created
 *    once as 32 random bytes in hex (64 characters + newline), mode 0600, its folder 0700. The key
 *    is the file's text like for `--secret-file`, so `--secret-file ~/.config/anonflow/secret`
 *    gives the same pseudonyms. Creation is atomic (write a temporary file, then hard-link it
 *    into place, which fails if another process won the race; the winner's secret is then read).
 *
 * A secret file whose mode lets group or others in (wider than 0600) is used, with a warning.
 */
export function loadSecret(opts: LoadSecretOptions = {}): LoadedSecret {
  const env = opts.env ?? process.env;
  if (opts.secretFile !== undefined) return { ...readSecretFile(opts.secretFile), source: 'file' };

  const fromEnv = env.ANON_SECRET;
  if (fromEnv !== undefined) {
    const key = Buffer.from(fromEnv, 'utf8');
    if (key.length < MIN_SECRET_BYTES) {
      throw new PseudoError({
        code: 'SECRET_WEAK',
        message: `ANON_SECRET is ${key.length === 0 ? 'empty' : `${key.length} bytes`}; a secret needs at least ${MIN_SECRET_BYTES} bytes`,
      });
    }
    return { key, source: 'env', warnings: [] };
  }

  const home = opts.home ?? env.HOME ?? homedir();
  const path = userSecretPath(home);
  if (!exists(path)) {
    if (createUserSecret(path)) return { ...readSecretFile(path), source: 'created' };
  }
  return { ...readSecretFile(path), source: 'user' };
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

function readSecretFile(path: string): { key: Buffer; path: string; warnings: string[] } {
  let bytes: Buffer;
  let mode: number;
  try {
    bytes = readFileSync(path);
    mode = statSync(path).mode & 0o777;
  } catch (e) {
    throw new PseudoError({
      code: 'SECRET_MISSING',
      message: `cannot read the secret file ${path}: ${(e as Error).message}`,
      file: path,
    });
  }
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d)) end--;
  const key = Buffer.from(bytes.subarray(0, end));
  if (key.length < MIN_SECRET_BYTES) {
    throw new PseudoError({
      code: 'SECRET_WEAK',
      message: `the secret in ${path} is ${key.length === 0 ? 'empty' : `${key.length} bytes`}; a secret needs at least ${MIN_SECRET_BYTES} bytes`,
      file: path,
    });
  }
  const warnings: string[] = [];
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    warnings.push(`secret file ${path} has mode 0${mode.toString(8)}, wider than 0600: others may read the key (chmod 600 ${path})`);
  }
  return { key, path, warnings };
}

/** Create the per-user secret; false when another process created it first. */
function createUserSecret(path: string): boolean {
  const dir = dirname(path);
  const made = mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (made !== undefined) chmodSync(dir, 0o700); // the mode given to mkdir is subject to umask
  const text = randomBytes(32).toString('hex') + '\n';
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
    chmodSync(tmp, 0o600);
    linkSync(tmp, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw e;
    // File systems without hard links: exclusive create (a concurrent reader may then briefly see
    // an empty file and get SECRET_WEAK, which is safe: it fails rather than using another key).
    try {
      writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
      chmodSync(path, 0o600);
      return true;
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e2;
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* never written, or already gone */
    }
  }
}
