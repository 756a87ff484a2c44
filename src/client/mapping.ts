// The anonapi mapping file `anon_mapping.csv` (../shared/api/README.md §2.1): read with the
// mapping grid reader (src/pseudo/mapping-grid.ts, readMappingGrid), written in
// anonapi's layout (",", CRLF, blank line after the options, grid columns in anonapi's parameter
// order), and turned into create_job parameters (§1.9).
//
// Per-row values: the grid may carry the option columns pims_key, destination_path,
// root_source_path and project; a non-empty cell overrides the `## Options ##` value for that row
// (anonapi: "row values override options"), an empty cell leaves the option in force.
// Pseudonyms follow anonapi's rule (§1.9): when the pseudo_id (pseudo_name) *column* is absent
// the other one's value is used; an empty *cell* is sent as "" (as anonapi does, on the wire).

import { randomInt } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeCsv } from '../pseudo/csv.js';
import { PseudoError } from '../pseudo/errors.js';
import { readMappingGrid } from '../pseudo/mapping-grid.js';
import type { FormParams } from './idis-client.js';
import { ClientError } from './errors.js';

export const MAPPING_FILE = 'anon_mapping.csv';

/** The mapping-wide parameters a row may override. */
export const ROW_OPTIONS = ['pims_key', 'destination_path', 'root_source_path', 'project'] as const;
export type RowOption = (typeof ROW_OPTIONS)[number];

const SOURCE_TYPES = ['folder', 'fileselection', 'study_instance_uid', 'accession_number', 'patient_id'];

export interface MappingRow {
  /** "<type>:<value>", e.g. folder:study1, accession_number:123 */
  source: string;
  /** As sent: "" for an empty cell; the name's value when the file has no pseudo_id column. */
  pseudo_id?: string;
  pseudo_name?: string;
  description?: string;
  pims_key?: string;
  destination_path?: string;
  root_source_path?: string;
  project?: string;
  /** 1-based line in the file (rows read from a file). */
  line?: number;
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
    const g = readMappingGrid(file);
    const has = new Set(g.columns);
    if (!has.has('source')) throw new ClientError(`${file}: the mapping grid has no "source" column`);
    return {
      description: g.description,
      options: g.options,
      rows: g.rows.map(({ line, cells }) => {
        const src = cells.source ?? '';
        const colon = src.indexOf(':');
        const type = colon < 0 ? '' : src.slice(0, colon).trim().toLowerCase();
        const value = src.slice(colon + 1).trim();
        if (!SOURCE_TYPES.includes(type) || value === '') {
          throw new ClientError(`${file}:${line}: source ${JSON.stringify(src)} must be <type>:<value> with type one of ${SOURCE_TYPES.join(', ')}`);
        }
        const r: MappingRow = { source: `${type}:${value}`, line };
        const id = has.has('pseudo_id') ? cells.pseudo_id : cells.pseudo_name;
        const name = has.has('pseudo_name') ? cells.pseudo_name : cells.pseudo_id;
        if (id !== undefined) r.pseudo_id = id;
        if (name !== undefined) r.pseudo_name = name;
        if (cells.description) r.description = cells.description;
        for (const k of ROW_OPTIONS) if (cells[k]) r[k] = cells[k];
        return r;
      }),
    };
  } catch (e) {
    if (e instanceof PseudoError) throw new ClientError(e.message);
    throw e;
  }
}

export function formatMapping(m: Mapping): string {
  // The preamble is not CSV: anonapi writes the description and option values as they are.
  const lines = ['## Description ##', m.description.replace(/[\r\n]+/g, ' '), '## Options ##'];
  for (const [k, v] of m.options) lines.push(`${k},${v}`);
  lines.push('', '## Mapping ##');
  // anonapi's column order; the option columns only when a row has a value for them
  const extra = ROW_OPTIONS.filter((k) => m.rows.some((r) => r[k]));
  const grid = [
    ['source', 'pseudo_id', 'pseudo_name', 'description', ...extra],
    ...m.rows.map((r) => [r.source, r.pseudo_id ?? '', r.pseudo_name ?? '', r.description ?? '', ...extra.map((k) => r[k] ?? '')]),
  ];
  return `${lines.join('\r\n')}\r\n${writeCsv(grid, { eol: '\r\n', quoteSemicolons: true })}`;
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

/** Placeholder values of anonapi's default job parameters: not a real default. */
const isPlaceholder = (v: string | undefined): boolean => v === undefined || v.trim() === '' || v === 'NOT_SET' || v === '.';

/** A row's value of a mapping-wide parameter: the row's cell, else the Options section, else the settings default. */
export function rowOption(row: MappingRow, m: Mapping, key: RowOption, defaults: Record<string, string> = {}): string | undefined {
  const v = row[key] || option(m, key);
  if (v) return v;
  return isPlaceholder(defaults[key]) ? undefined : defaults[key];
}

/**
 * The create_job parameters of one mapping row (README §1.9). `defaults` are the settings'
 * job_default_parameters (project, destination_path), used when neither the row nor the
 * Options section gives a value (anonapi's placeholder defaults NOT_SET and "." are skipped).
 */
export function jobParams(row: MappingRow, m: Mapping, defaults: Record<string, string> = {}): FormParams {
  const where = row.line ? ` (line ${row.line}, ${row.source})` : ` (${row.source})`;
  const project = rowOption(row, m, 'project', defaults);
  const destination = rowOption(row, m, 'destination_path', defaults);
  const root = rowOption(row, m, 'root_source_path', defaults);
  const pims = rowOption(row, m, 'pims_key', defaults);
  if (!project) throw new ClientError(`no "project" for this row${where}: set it in the Options section, a project column or with anon create set-defaults`);
  if (!destination) throw new ClientError(`no "destination_path" for this row${where}: set it in the Options section, a destination_path column or with anon create set-defaults`);
  if (!isUnc(destination))
    throw new ClientError(`destination_path ${destination} is not a UNC path (\\\\server\\share\\...)${where}: source and destination need to be absolute windows paths`);
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
          throw new ClientError(
            `source ${row.source} is relative and root_source_path ${root ?? '(not set)'} is not a UNC path${where}: source and destination need to be absolute windows paths`,
          );
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
