// The batch file `.anonbatch` (../shared/api/README.md §2.4): hidden YAML in the current folder,
// job ids as strings sorted as strings, tied to one server (name and URL).

import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ClientError } from './errors.js';
import type { ActiveServer } from './settings.js';

export const BATCH_FILE = '.anonbatch';

export interface Batch {
  job_ids: string[];
  server: ActiveServer;
}

export const batchPath = (folder: string): string => join(folder, BATCH_FILE);

export function readBatch(folder: string): Batch | undefined {
  const p = batchPath(folder);
  if (!existsSync(p)) return undefined;
  let raw: unknown;
  try {
    raw = parse(readFileSync(p, 'utf8'));
  } catch (e) {
    throw new ClientError(`cannot read batch file ${p}: ${(e as Error).message}`);
  }
  const r = (raw ?? {}) as Record<string, unknown>;
  const server = r.server as Record<string, unknown> | undefined;
  if (!server || typeof server.url !== 'string') throw new ClientError(`batch file ${p} names no server`);
  const ids = Array.isArray(r.job_ids) ? r.job_ids.filter((x: unknown) => x !== null && x !== undefined).map(String) : [];
  return { job_ids: sortIds(ids), server: { name: String(server.name ?? ''), url: server.url } };
}

/** The batch in folder, or a ClientError saying how to make one. */
export function requireBatch(folder: string): Batch {
  const b = readBatch(folder);
  if (!b) throw new ClientError(`no batch in ${folder}: make one with "anon batch init"`);
  return b;
}

export function writeBatch(folder: string, b: Batch): void {
  const doc = { job_ids: sortIds([...new Set(b.job_ids.map(String))]), server: { name: b.server.name, url: b.server.url } };
  writeFileSync(batchPath(folder), stringify(doc));
}

export function deleteBatch(folder: string): boolean {
  const p = batchPath(folder);
  if (!existsSync(p)) return false;
  rmSync(p);
  return true;
}

/** anonapi sorts the ids as strings. */
const sortIds = (ids: string[]): string[] => [...ids].sort();
