import { normHeader, readMappingText, splitMappingSections } from './mapping-sections.js';
import type { PseudoError } from './errors.js';

/**
 * Pseudonym tables: the anonapi mapping file (`anon_mapping.csv`, layout in mapping-sections.ts)
 * read as "this original → this pseudo ID / pseudo name", as plain data (structured-cloneable,
 * so the main thread reads the file once and hands it to the worker threads; pseudonym-lookup.ts
 * answers queries from it).
 *
 * An anonapi mapping is keyed by *source*, not by original Patient ID (`folder:`,
 * `fileselection:`, `study_instance_uid:`, `accession_number:`). anonapi has no source type for
 * a Patient ID; anonflow adds two spellings of it:
 *
 * - a source `patient_id:<original PatientID>` in the anonapi grid, or
 * - a column `id_old` (also `original_id`, `original_patient_id`) in a plain CSV, e.g. the
 *   `id_old,id_new` of our own `patid_mapping.csv`, which can therefore be read back.
 *
 * `folder:` and `fileselection:` rows are kept in `entries` (with their source) for callers that
 * map a job's input folder to a pseudonym; they are not looked up by DICOM attributes.
 *
 * Column names follow anonapi: `source`, `pseudo_id` (legacy `patient_id` — note: the *pseudonym*),
 * `pseudo_name` (legacy `patient_name`), `description`, and the option names `pims_key`,
 * `destination_path`, `root_source_path`, `project` (accepted, ignored here; readMappingGrid
 * gives them per row, for the job client). Unknown columns are an error, as in anonapi.
 *
 * Pseudonym cells: when the `pseudo_id` column is absent the name is used as ID and vice versa
 * (anonapi's rule); an empty ID cell takes the name; an empty name cell leaves `name` undefined
 * (the caller picks its default). Both empty is an error. The same original (source) given twice
 * with different pseudonyms is an error; given twice identically it is accepted once.
 */

/** anonapi's source identifier types, plus anonflow's `patient_id`. */
export type SourceType = 'folder' | 'fileselection' | 'study_instance_uid' | 'accession_number' | 'patient_id';

const SOURCE_TYPES: readonly SourceType[] = ['folder', 'fileselection', 'study_instance_uid', 'accession_number', 'patient_id'];

export interface Pseudonym {
  id: string;
  name?: string;
}

export interface PseudonymEntry extends Pseudonym {
  source: { type: SourceType; value: string };
  description?: string;
  /** 1-based line of the row in the file. */
  line: number;
}

/** A read pseudonym table: plain data only (no functions, no class instances). */
export interface PseudonymTableData {
  file: string;
  /** The `## Description ##` text (lines joined without separator, as anonapi does). */
  description: string;
  /** The `## Options ##` key/value pairs (keys lower-cased, values trimmed). */
  options: Record<string, string>;
  /** One per source, in file order; `source.value` is already a lookup key (see sourceKey). */
  entries: readonly PseudonymEntry[];
}

/** A DICOM value as a table key: UI padding (NUL) and LO/SH padding (spaces) do not count. */
export const sourceKey = (v: string): string => v.replace(/^[\s\0]+|[\s\0]+$/g, '');

type Field = 'source' | 'original' | 'id' | 'name' | 'description' | 'ignored';

const COLUMNS: Record<string, Field> = {
  source: 'source',
  pseudoid: 'id',
  patientid: 'id', // anonapi legacy name of pseudo_id
  idnew: 'id',
  pseudoname: 'name',
  patientname: 'name', // anonapi legacy name of pseudo_name
  description: 'description',
  idold: 'original',
  originalid: 'original',
  originalpatientid: 'original',
  pimskey: 'ignored',
  destinationpath: 'ignored',
  rootsourcepath: 'ignored',
  project: 'ignored',
};

/** Read a pseudonym table; throws PseudoError PSEUDONYM_TABLE (with file and line) on any problem. */
export function readPseudonymTableData(path: string): PseudonymTableData {
  return parsePseudonymTableData(readMappingText(path, 'pseudonym table'), path);
}

/** Parse the text of a pseudonym table; `file` is used in error messages. */
export function parsePseudonymTableData(text: string, file = '<pseudonym table>'): PseudonymTableData {
  const { fail, description, options, records } = splitMappingSections(text, file);
  const [head, ...rows] = records;

  const fields: Field[] = [];
  const seen = new Map<Field, string>();
  for (const h of head.fields) {
    const f = COLUMNS[normHeader(h)];
    if (f === undefined) {
      throw fail(
        head.line,
        `unknown column ${JSON.stringify(h)} (known: source, pseudo_id, pseudo_name, description, id_old, id_new, pims_key, destination_path, root_source_path, project)`,
      );
    }
    if (f !== 'ignored' && seen.has(f)) throw fail(head.line, `columns ${JSON.stringify(seen.get(f))} and ${JSON.stringify(h)} mean the same thing`);
    seen.set(f, h);
    fields.push(f);
  }
  if (seen.has('source') && seen.has('original')) throw fail(head.line, 'give either a "source" or an "id_old" column, not both');
  if (!seen.has('source') && !seen.has('original')) throw fail(head.line, 'no "source" (or "id_old") column');
  if (!seen.has('id') && !seen.has('name')) throw fail(head.line, 'no "pseudo_id" or "pseudo_name" column');

  const entries: PseudonymEntry[] = [];
  const byKey = new Map<string, PseudonymEntry>();
  for (const r of rows) {
    if (r.fields.length > fields.length) throw fail(r.line, `${r.fields.length} values but ${fields.length} column headers`);
    const cell: Partial<Record<Field, string>> = {};
    fields.forEach((f, i) => {
      if (f !== 'ignored') cell[f] = (r.fields[i] ?? '').trim();
    });

    let source: PseudonymEntry['source'];
    if (cell.original !== undefined) {
      if (cell.original === '') throw fail(r.line, 'empty original ID');
      source = { type: 'patient_id', value: sourceKey(cell.original) };
    } else {
      const s = cell.source ?? '';
      const colon = s.indexOf(':');
      const type = (colon < 0 ? '' : s.slice(0, colon).trim().toLowerCase()) as SourceType;
      if (!SOURCE_TYPES.includes(type)) {
        throw fail(r.line, `source ${JSON.stringify(s)} must be <type>:<value> with type one of ${SOURCE_TYPES.join(', ')}`);
      }
      const raw = s.slice(colon + 1);
      const value = type === 'folder' || type === 'fileselection' ? raw.trim() : sourceKey(raw);
      if (value === '') throw fail(r.line, `source ${JSON.stringify(s)} has no value`);
      source = { type, value };
    }

    let id = seen.has('id') ? cell.id! : cell.name!;
    let name: string | undefined = seen.has('name') ? cell.name! : cell.id!;
    if (id === '') id = name;
    if (name === '') name = undefined;
    if (id === '') throw fail(r.line, `no pseudonym for ${source.type}:${source.value}`);
    checkLO(id, () => fail(r.line, `pseudo ID ${JSON.stringify(id)} is not a valid LO value (at most 64 characters, no "\\" or control characters)`));
    if (name !== undefined) {
      const n = name;
      checkPN(n, () => fail(r.line, `pseudo name ${JSON.stringify(n)} is not a valid PN value (no "\\" or control characters, at most 3 groups of 64 characters)`));
    }

    const entry: PseudonymEntry = { source, id, line: r.line };
    if (name !== undefined) entry.name = name;
    if (cell.description) entry.description = cell.description;
    const key = `${source.type}:${source.value}`;
    const prev = byKey.get(key);
    if (prev) {
      if (prev.id !== entry.id || prev.name !== entry.name) {
        throw fail(r.line, `${key} is given pseudonym ${JSON.stringify(entry.id)} here but ${JSON.stringify(prev.id)} on line ${prev.line}`);
      }
      continue;
    }
    byKey.set(key, entry);
    entries.push(entry);
  }

  return { file, description, options, entries };
}

const CONTROL = /[\x00-\x1f\x7f]/;

function checkLO(v: string, err: () => PseudoError): void {
  if (v.length > 64 || v.includes('\\') || CONTROL.test(v)) throw err();
}

function checkPN(v: string, err: () => PseudoError): void {
  const groups = v.split('=');
  if (v.includes('\\') || CONTROL.test(v) || groups.length > 3 || groups.some((g) => g.length > 64)) throw err();
}
