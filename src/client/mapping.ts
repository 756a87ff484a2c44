// The anonapi mapping file `anon_mapping.csv` (../shared/api/README.md §2.1): read with the
// pseudonym-table parser (src/pseudo/pseudonym-table.ts), written in anonapi's layout (",", CRLF,
// blank line after the options, grid columns source, pseudo_id, pseudo_name, description), and
// turned into create_job parameters (§1.9).

import { randomInt } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PseudoError } from '../pseudo/errors.js';
import { readPseudonymTable } from '../pseudo/pseudonym-table.js';
import type { FormParams } from '../serve/idis-client.js';
import { ClientError } from './errors.js';

export const MAPPING_FILE = 'anon_mapping.csv';

export interface MappingRow {
  /** "<type>:<value>", e.g. folder:study1, accession_number:123 */
  source: string;
  pseudo_id?: string;
  pseudo_name?: string;
  description?: string;
}

export interface Mapping {
  description: string;
  /** in file order; keys as anonapi names them: root_source_path, project, destination_path, pims_key */
  options: [string, string][];
  rows: MappingRow[];
}

export const mappingPath = (folder: string): string => join(folder, MAPPING_FILE);

export function readMapping(file: string): Mapping {
  if (!existsSync(file)) throw new ClientError(`no mapping at ${file}: make one with "anon map init"`);
  try {
    const t = readPseudonymTable(file);
    return {
      description: t.description,
      options: Object.entries(t.options),
      rows: t.entries.map((e) => {
        const r: MappingRow = { source: `${e.source.type}:${e.source.value}`, pseudo_id: e.id };
        if (e.name !== undefined) r.pseudo_name = e.name;
        if (e.description !== undefined) r.description = e.description;
        return r;
      }),
    };
  } catch (e) {
    if (e instanceof PseudoError) throw new ClientError(e.message);
    throw e;
  }
}

const csvField = (v: string): string => (/[,;"\r\n]|^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export function formatMapping(m: Mapping): string {
  const lines = ['## Description ##', m.description.replace(/[\r\n]+/g, ' '), '## Options ##'];
  for (const [k, v] of m.options) lines.push(`${k},${v}`);
  lines.push('', '## Mapping ##', 'source,pseudo_id,pseudo_name,description');
  for (const r of m.rows) lines.push([r.source, r.pseudo_id ?? '', r.pseudo_name ?? '', r.description ?? ''].map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function writeMapping(file: string, m: Mapping): void {
  writeFileSync(file, formatMapping(m));
}

export const option = (m: Mapping, key: string): string | undefined => m.options.find(([k]) => k === key)?.[1];

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export function newMappingDescription(user: string, d = new Date()): string {
  return `Mapping created ${MONTHS[d.getMonth()]} ${d.getDate()} ${d.getFullYear()} by ${user}`;
}

/** anonapi's default row description: generated_<Month>_<DD>_<YYYY>. */
export function generatedDescription(d = new Date()): string {
  return `generated_${MONTHS[d.getMonth()]}_${String(d.getDate()).padStart(2, '0')}_${d.getFullYear()}`;
}

/** anonapi's default pseudonym: 8 random characters [A-Z0-9]. */
export function randomPseudonym(): string {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let s = '';
  for (let i = 0; i < 8; i++) s += abc[randomInt(abc.length)];
  return s;
}

/** A new row with anonapi's defaults (same random value as pseudo ID and name). */
export function newRow(source: string, pseudonym?: string, description?: string): MappingRow {
  const p = pseudonym && pseudonym.trim() !== '' ? pseudonym.trim() : randomPseudonym();
  return { source, pseudo_id: p, pseudo_name: p, description: description ?? generatedDescription() };
}

const isUnc = (p: string): boolean => /^\\\\[^\\]+\\[^\\]+/.test(p.replace(/\//g, '\\'));

/** Windows join: a relative path (either separator) under a UNC root. */
export function uncJoin(root: string, rel: string): string {
  const r = root.replace(/\//g, '\\').replace(/\\+$/, '');
  const p = rel.replace(/\//g, '\\').replace(/^\.\\/, '').replace(/^\\+/, '');
  return `${r}\\${p}`;
}

/** The create_job parameters of one mapping row (README §1.9). */
export function jobParams(row: MappingRow, m: Mapping): FormParams {
  const project = option(m, 'project');
  const destination = option(m, 'destination_path');
  const root = option(m, 'root_source_path');
  const pims = option(m, 'pims_key');
  if (!project) throw new ClientError('the mapping has no "project" option');
  if (!destination) throw new ClientError('the mapping has no "destination_path" option');
  if (!isUnc(destination)) throw new ClientError(`destination_path ${destination} is not a UNC path (\\\\server\\share\\...): source and destination need to be absolute windows paths`);
  const colon = row.source.indexOf(':');
  const type = row.source.slice(0, colon);
  const value = row.source.slice(colon + 1).trimEnd();
  const common: FormParams = {
    destination_type: 'PATH',
    project_name: project,
    destination_path: destination.replace(/\//g, '\\'),
    anonymizedpatientname: row.pseudo_name ?? '',
    anonymizedpatientid: row.pseudo_id ?? '',
    description: row.description ?? '',
    pims_keyfile_id: pims || undefined,
  };
  switch (type) {
    case 'folder':
    case 'fileselection': {
      let path = value.replace(/\//g, '\\');
      if (!isUnc(path)) {
        if (!root || !isUnc(root)) {
          throw new ClientError(`source ${row.source} is relative and root_source_path ${root ?? '(not set)'} is not a UNC path: source and destination need to be absolute windows paths`);
        }
        path = uncJoin(root, value);
      }
      return { source_type: 'PATH', source_path: `${type}:${path}`, ...common };
    }
    case 'study_instance_uid':
      return { source_type: 'WADO', source_name: 'IDC_WADO', source_instance_id: value, ...common };
    case 'accession_number':
      return { source_type: 'WADO', source_name: 'IDC_WADO', source_instance_id: `accession_number:${value}`, ...common };
    default:
      throw new ClientError(`source ${row.source}: a ${type}: source cannot become a job (folder:, fileselection:, study_instance_uid: or accession_number:)`);
  }
}
