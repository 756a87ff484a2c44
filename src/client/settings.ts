// The client settings file, in the shape of anonapi's AnonWebAPIClientSettings.yml
// (../shared/api/README.md §2.5): servers name → base URL, the active server, user name and token,
// job defaults as "field,value" strings. Kept at $ANONFLOW_HOME/settings.yml, else
// ~/.config/anonflow/settings.yml, written with mode 0600 (it holds the token).

import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ClientError } from './errors.js';

export interface ClientSettings {
  active_mapping_file: string | null;
  active_server_name: string | null;
  /** "field,value" strings, anonapi's post-1.4 format: project, destination_path, root_source_path */
  job_default_parameters: string[];
  servers: Record<string, string>;
  user_name: string;
  user_token: string;
  validate_ssl: boolean;
}

export function defaultSettings(): ClientSettings {
  return {
    active_mapping_file: null,
    active_server_name: null,
    job_default_parameters: ['project,NOT_SET', 'destination_path,.'],
    servers: {},
    user_name: 'username',
    user_token: 'token',
    validate_ssl: true,
  };
}

export function settingsPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ANONFLOW_HOME) return join(env.ANONFLOW_HOME, 'settings.yml');
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'anonflow', 'settings.yml');
}

/** Reads the settings; a missing file gives the defaults (and is written, as anonapi does). */
export function loadSettings(path = settingsPath()): ClientSettings {
  if (!existsSync(path)) {
    const s = defaultSettings();
    saveSettings(s, path);
    return s;
  }
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ClientError(`cannot read settings file ${path}: ${(e as Error).message}`);
  }
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ClientError(`settings file ${path} is not a YAML mapping`);
  const r = raw as Record<string, unknown>;
  const s = defaultSettings();
  if (typeof r.active_mapping_file === 'string') s.active_mapping_file = r.active_mapping_file;
  if (typeof r.active_server_name === 'string') s.active_server_name = r.active_server_name;
  if (r.servers && typeof r.servers === 'object' && !Array.isArray(r.servers)) {
    s.servers = {};
    for (const [k, v] of Object.entries(r.servers as Record<string, unknown>)) {
      if (typeof v !== 'string') throw new ClientError(`settings file ${path}: server ${k} has no URL`);
      s.servers[k] = v;
    }
  }
  // Older anonapi format: create_job_defaults {project_name, destination_path}.
  const defs = r.job_default_parameters ?? r.create_job_defaults;
  if (Array.isArray(defs)) s.job_default_parameters = defs.map(String);
  else if (defs && typeof defs === 'object') {
    const d = defs as Record<string, unknown>;
    s.job_default_parameters = [`project,${d.project_name ?? 'NOT_SET'}`, `destination_path,${d.destination_path ?? '.'}`];
  }
  if (r.user_name !== undefined && r.user_name !== null) s.user_name = String(r.user_name);
  if (r.user_token !== undefined && r.user_token !== null) s.user_token = String(r.user_token);
  if (typeof r.validate_ssl === 'boolean') s.validate_ssl = r.validate_ssl;
  if (s.active_server_name !== null && !(s.active_server_name in s.servers)) {
    throw new ClientError(`settings file ${path}: active server "${s.active_server_name}" is not one of the servers (${Object.keys(s.servers).join(', ') || 'none'})`);
  }
  return s;
}

export function saveSettings(s: ClientSettings, path = settingsPath()): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, stringify(s, { sortMapEntries: true }), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** The job defaults as a map (anonapi "field,value" strings). */
export function jobDefaults(s: ClientSettings): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of s.job_default_parameters) {
    const i = line.indexOf(',');
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1);
  }
  return out;
}

export interface ActiveServer {
  name: string;
  url: string;
}

export function activeServer(s: ClientSettings): ActiveServer {
  if (!s.active_server_name) {
    throw new ClientError('no active server: add one with "anon server add NAME URL" and activate it with "anon server activate NAME"');
  }
  return { name: s.active_server_name, url: s.servers[s.active_server_name] };
}
