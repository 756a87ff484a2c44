import { readFileSync } from 'node:fs';
import { PseudoError } from './errors.js';

/**
 * Pseudonym tables: the anonapi mapping file (`anon_mapping.csv`, see shared/api/README.md §2.1)
 * read as "this original → this pseudo ID / pseudo name".
 *
 * An anonapi mapping is keyed by *source*, not by original Patient ID:
 *
 * ```
 * ## Description ##
 * Mapping created February 12 2020 by z123
 * ## Options ##
 * project,Wetenschap-Algemeen
 * ## Mapping ##
 * source,pseudo_id,pseudo_name,description
 * folder:example/folder1,001,Patient1,All files from folder1
 * study_instance_uid:123.12178,002,Patient2,A StudyInstanceUID from PACS
 * accession_number:12345678.1234567,003,Patient3,An AccessionNumber from PACS
 * ```
 *
 * So lookups take what a DICOM file offers (`lookup({ patientId, studyInstanceUid,
 * accessionNumber })`), and `get(originalPatientId)` answers rows keyed by Patient ID, which
 * anonapi has no source type for; anonflow adds two spellings of it:
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
 * `destination_path`, `root_source_path`, `project` (accepted, ignored here; readMappingGrid below
 * gives them per row, for the job client). Matching ignores case,
 * spaces, quotes, `_`, `-` and `.`. Unknown columns are an error, as in anonapi.
 *
 * Forgiving about: a UTF-8 BOM (and Latin-1 files from Excel), CRLF/CR line ends, `,` or `;` as
 * delimiter (chosen from the header row), quoted fields (with `""` and line breaks inside),
 * spaces around fields, trailing empty cells (`a,b,,,`), section headers with trailing
 * separators (`## Options ##;;;`), and missing section headers altogether (then the first
 * non-empty line is the header row). Every error is PseudoError PSEUDONYM_TABLE naming the file
 * and line.
 *
 * Pseudonym cells: when the `pseudo_id` column is absent the name is used as ID and vice versa
 * (anonapi's rule); an empty ID cell takes the name; an empty name cell leaves `name` undefined
 * (the caller picks its default). Both empty is an error. The same original (source) given twice
 * with different pseudonyms is an error; given twice identically it is accepted.
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

export interface PseudonymLookup {
  patientId?: string;
  studyInstanceUid?: string;
  accessionNumber?: string;
}

export interface PseudonymTable {
  file: string;
  /** The `## Description ##` text (lines joined without separator, as anonapi does). */
  description: string;
  /** The `## Options ##` key/value pairs (keys lower-cased, values trimmed). */
  options: Record<string, string>;
  entries: readonly PseudonymEntry[];
  /** The pseudonym of an original Patient ID (`patient_id:` sources / `id_old` column). */
  get(originalPatientId: string): Pseudonym | undefined;
  /** First match by Patient ID, then StudyInstanceUID, then AccessionNumber. */
  lookup(q: PseudonymLookup): Pseudonym | undefined;
}

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

const normHeader = (h: string): string => h.toLowerCase().replace(/[\s"'_.\-\uFEFF]/g, '');
const normKey = (v: string): string => v.replace(/^[\s\0]+|[\s\0]+$/g, '');

/** Read a pseudonym table; throws PseudoError PSEUDONYM_TABLE (with file and line) on any problem. */
export function readPseudonymTable(path: string): PseudonymTable {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new PseudoError({ code: 'PSEUDONYM_TABLE', message: `cannot read pseudonym table ${path}: ${(e as Error).message}`, file: path });
  }
  return parsePseudonymTable(decode(bytes), path);
}

function decode(bytes: Buffer): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = bytes.toString('latin1'); // Excel "CSV" on Windows: cp1252, close enough for names
  }
  return text.replace(/^\uFEFF/, '');
}

type Fail = (line: number, msg: string) => PseudoError;

interface Sections {
  fail: Fail;
  description: string;
  options: Record<string, string>;
  records: CsvRecord[];
}

/** The three anonapi sections (or a bare grid) of a mapping text, the grid as CSV records. */
function splitSections(text: string, file: string): Sections {
  const fail: Fail = (line, msg) => new PseudoError({ code: 'PSEUDONYM_TABLE', message: `${file}:${line}: ${msg}`, file, line });

  const lines = text.split(/\r\n|\n|\r/);
  const sectionAt = (re: RegExp): number => lines.findIndex((l) => re.test(l));
  const iDesc = sectionAt(/##\s*description\s*##/i);
  const iOpts = sectionAt(/##\s*options\s*##/i);
  const iMap = sectionAt(/##\s*mapping\s*##/i);

  let description = '';
  const options: Record<string, string> = {};
  let gridStart = 0;
  if (iMap < 0) {
    if (iDesc >= 0 || iOpts >= 0) throw fail((iOpts >= 0 ? iOpts : iDesc) + 1, 'section "## Mapping ##" not found');
  } else {
    if (iOpts >= 0 && iOpts > iMap) throw fail(iOpts + 1, '"## Options ##" must come before "## Mapping ##"');
    if (iDesc >= 0 && ((iOpts >= 0 && iDesc > iOpts) || iDesc > iMap)) throw fail(iDesc + 1, '"## Description ##" must come first');
    const strip = (l: string): string => l.replace(/[,;\s]+$/, '');
    if (iDesc >= 0) {
      description = lines
        .slice(iDesc + 1, iOpts >= 0 ? iOpts : iMap)
        .map(strip)
        .filter((l) => l !== '')
        .join('');
    }
    if (iOpts >= 0) {
      for (let i = iOpts + 1; i < iMap; i++) {
        const l = strip(lines[i]);
        if (l.replace(/[,;\s]/g, '') === '') continue;
        const sep = l.includes(',') ? l.indexOf(',') : l.indexOf(';');
        if (sep < 0) throw fail(i + 1, `option line ${JSON.stringify(l)} is not "key,value"`);
        options[l.slice(0, sep).trim().toLowerCase()] = l.slice(sep + 1).trim();
      }
    }
    gridStart = iMap + 1;
  }

  const records = parseCsv(lines, gridStart, fail);
  if (records.length === 0) throw fail(gridStart + 1, 'no header row (expected e.g. "source,pseudo_id,pseudo_name,description")');
  return { fail, description, options, records };
}

/** Parse the text of a pseudonym table; `file` is used in error messages. */
export function parsePseudonymTable(text: string, file = '<pseudonym table>'): PseudonymTable {
  const { fail, description, options, records } = splitSections(text, file);
  const [head, ...rows] = records;

  const fields: Field[] = [];
  const seen = new Map<Field, string>();
  for (const h of head.fields) {
    const f = COLUMNS[normHeader(h)];
    if (f === undefined) {
      throw fail(head.line, `unknown column ${JSON.stringify(h)} (known: source, pseudo_id, pseudo_name, description, id_old, id_new, pims_key, destination_path, root_source_path, project)`);
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
      source = { type: 'patient_id', value: normKey(cell.original) };
    } else {
      const s = cell.source ?? '';
      const colon = s.indexOf(':');
      const type = (colon < 0 ? '' : s.slice(0, colon).trim().toLowerCase()) as SourceType;
      if (!SOURCE_TYPES.includes(type)) {
        throw fail(r.line, `source ${JSON.stringify(s)} must be <type>:<value> with type one of ${SOURCE_TYPES.join(', ')}`);
      }
      const raw = s.slice(colon + 1);
      const value = type === 'folder' || type === 'fileselection' ? raw.trim() : normKey(raw);
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

  const answer = (e: PseudonymEntry | undefined): Pseudonym | undefined =>
    e === undefined ? undefined : e.name === undefined ? { id: e.id } : { id: e.id, name: e.name };
  const find = (type: SourceType, v: string | undefined): PseudonymEntry | undefined =>
    v === undefined || normKey(v) === '' ? undefined : byKey.get(`${type}:${normKey(v)}`);

  return {
    file,
    description,
    options,
    entries,
    get: (originalPatientId) => answer(find('patient_id', originalPatientId)),
    lookup: (q) =>
      answer(find('patient_id', q.patientId) ?? find('study_instance_uid', q.studyInstanceUid) ?? find('accession_number', q.accessionNumber)),
  };
}

/**
 * The anonapi mapping file as written, for the job client (src/client/mapping.ts): the
 * columns by their anonapi names, and every row's cells as given (trimmed, empty cells kept as
 * ""), including the per-row option columns pims_key, destination_path, root_source_path and
 * project that parsePseudonymTable ignores. Only the layout is checked here (sections, known and
 * unambiguous column names, no more values than headers); what a cell means is the caller's.
 */
export type MappingColumn =
  | 'source' | 'pseudo_id' | 'pseudo_name' | 'description' | 'pims_key' | 'destination_path' | 'root_source_path' | 'project' | 'id_old';

export interface MappingGridRow {
  /** 1-based line of the row in the file. */
  line: number;
  /** The row's cells by column; a column of the header is always there ("" when empty). */
  cells: Partial<Record<MappingColumn, string>>;
}

export interface MappingGrid {
  file: string;
  description: string;
  /** The `## Options ##` key/value pairs, in file order (keys lower-cased, values trimmed). */
  options: [string, string][];
  /** The grid's columns in file order. */
  columns: MappingColumn[];
  rows: MappingGridRow[];
}

const GRID_COLUMNS: Record<string, MappingColumn> = {
  source: 'source',
  pseudoid: 'pseudo_id',
  patientid: 'pseudo_id',
  idnew: 'pseudo_id',
  pseudoname: 'pseudo_name',
  patientname: 'pseudo_name',
  description: 'description',
  pimskey: 'pims_key',
  destinationpath: 'destination_path',
  rootsourcepath: 'root_source_path',
  project: 'project',
  idold: 'id_old',
  originalid: 'id_old',
  originalpatientid: 'id_old',
};

/** Read a mapping file's grid as written; throws PseudoError PSEUDONYM_TABLE (file and line). */
export function readMappingGrid(path: string): MappingGrid {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new PseudoError({ code: 'PSEUDONYM_TABLE', message: `cannot read mapping ${path}: ${(e as Error).message}`, file: path });
  }
  return parseMappingGrid(decode(bytes), path);
}

export function parseMappingGrid(text: string, file = '<mapping>'): MappingGrid {
  const { fail, description, options, records } = splitSections(text, file);
  const [head, ...rest] = records;
  const columns: MappingColumn[] = [];
  const seen = new Map<MappingColumn, string>();
  for (const h of head.fields) {
    const c = GRID_COLUMNS[normHeader(h)];
    if (c === undefined) {
      throw fail(head.line, `unknown column ${JSON.stringify(h)} (known: source, pseudo_id, pseudo_name, description, pims_key, destination_path, root_source_path, project, id_old)`);
    }
    if (seen.has(c)) throw fail(head.line, `columns ${JSON.stringify(seen.get(c))} and ${JSON.stringify(h)} mean the same thing`);
    seen.set(c, h);
    columns.push(c);
  }
  const rows = rest.map((r): MappingGridRow => {
    if (r.fields.length > columns.length) throw fail(r.line, `${r.fields.length} values but ${columns.length} column headers`);
    const cells: Partial<Record<MappingColumn, string>> = {};
    columns.forEach((c, i) => (cells[c] = (r.fields[i] ?? '').trim()));
    return { line: r.line, cells };
  });
  return { file, description, options: Object.entries(options), columns, rows };
}

const CONTROL = /[\x00-\x1f\x7f]/;

function checkLO(v: string, err: () => PseudoError): void {
  if (v.length > 64 || v.includes('\\') || CONTROL.test(v)) throw err();
}

function checkPN(v: string, err: () => PseudoError): void {
  const groups = v.split('=');
  if (v.includes('\\') || CONTROL.test(v) || groups.length > 3 || groups.some((g) => g.length > 64)) throw err();
}

interface CsvRecord {
  fields: string[];
  line: number;
}

/**
 * A small CSV reader over `lines[start..]`: delimiter `;` or `,` chosen by the header row (the
 * first non-empty line; whichever occurs more often outside quotes, `,` on a tie); quoted fields
 * may hold delimiters, `""` and line breaks; unquoted fields are trimmed; trailing empty fields
 * are dropped; records with no non-empty field are skipped.
 */
function parseCsv(lines: string[], start: number, fail: (line: number, msg: string) => PseudoError): CsvRecord[] {
  let first = start;
  while (first < lines.length && lines[first].trim() === '') first++;
  if (first >= lines.length) return [];
  const delim = countOutsideQuotes(lines[first], ';') > countOutsideQuotes(lines[first], ',') ? ';' : ',';

  const out: CsvRecord[] = [];
  let i = first;
  while (i < lines.length) {
    const line = i + 1;
    const fields: string[] = [];
    let text = lines[i];
    let p = 0;
    for (;;) {
      while (p < text.length && (text[p] === ' ' || text[p] === '\t')) p++;
      let value = '';
      if (text[p] === '"') {
        p++;
        for (;;) {
          if (p >= text.length) {
            if (i + 1 >= lines.length) throw fail(line, 'unterminated quoted field');
            i++;
            value += '\n';
            text = lines[i];
            p = 0;
            continue;
          }
          const c = text[p];
          if (c === '"') {
            if (text[p + 1] === '"') {
              value += '"';
              p += 2;
              continue;
            }
            p++;
            break;
          }
          value += c;
          p++;
        }
        // Anything after the closing quote up to the delimiter is kept (lenient, like Excel).
        const end = text.indexOf(delim, p);
        value += (end < 0 ? text.slice(p) : text.slice(p, end)).trim();
        p = end < 0 ? text.length : end;
      } else {
        const end = text.indexOf(delim, p);
        value = (end < 0 ? text.slice(p) : text.slice(p, end)).trim();
        p = end < 0 ? text.length : end;
      }
      fields.push(value);
      if (p >= text.length) break;
      p++; // the delimiter
    }
    i++;
    while (fields.length > 0 && fields[fields.length - 1] === '') fields.pop();
    if (fields.length > 0) out.push({ fields, line });
  }
  return out;
}

function countOutsideQuotes(s: string, ch: string): number {
  let n = 0;
  let quoted = false;
  for (const c of s) {
    if (c === '"') quoted = !quoted;
    else if (c === ch && !quoted) n++;
  }
  return n;
}
