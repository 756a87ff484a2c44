// A pseudonymisation key per project, so the same patient gets unlinkable pseudonyms in two
// projects: <data_dir>/keys/project-<name>.key, 32 random bytes in hex, created 0600 (folder
// 0700) the first time a job of the project runs and kept across restarts. A job's
// pims_keyfile_id selects <data_dir>/keys/<id>.key instead, which must exist (made with
// `anon serve keys create`): a missing key is an error, never a fall-back to another key.

import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PathRefused } from './errors.js';

export const KEYFILE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const keysDir = (dataDir: string): string => join(dataDir, 'keys');

/** The key file id of a project's own key (the project name made a safe file name). */
export const projectKeyId = (project: string): string => `project-${encodeURIComponent(project).replace(/[!'()*~]/g, '_')}`;

/** The key file a job uses; its project's own key is created on first use. */
export function jobKeyFile(dataDir: string, project: string, keyfileId?: string | null): string {
  if (keyfileId) {
    if (!KEYFILE_ID_PATTERN.test(keyfileId)) throw new PathRefused(`pims_keyfile_id "${keyfileId}" is not a key file id (letters, digits, . _ -)`);
    const file = join(keysDir(dataDir), `${keyfileId}.key`);
    if (!isFile(file)) throw new PathRefused(`pims_keyfile_id ${keyfileId}: no such key on this server (anon serve keys list)`);
    return file;
  }
  const file = join(keysDir(dataDir), `${projectKeyId(project)}.key`);
  createKey(dataDir, projectKeyId(project));
  return file;
}

/** Creates the key `id` unless it exists; true when it was created now. */
export function createKey(dataDir: string, id: string): boolean {
  if (!KEYFILE_ID_PATTERN.test(id)) throw new PathRefused(`"${id}" is not a key file id (letters, digits, . _ -)`);
  const dir = keysDir(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700); // mkdir's mode is subject to umask
  try {
    // exclusive create: two servers (or threads) racing both end with the one key
    writeFileSync(join(dir, `${id}.key`), randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/** The key ids on this server. */
export function listKeys(dataDir: string): string[] {
  try {
    return readdirSync(keysDir(dataDir))
      .filter((n) => n.endsWith('.key'))
      .map((n) => n.slice(0, -4))
      .sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
