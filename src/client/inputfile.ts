// Input files for `anon map add-study-folders -f` / `add-accession-numbers -f`
// (../shared/api/README.md §2.2): CSV/TXT (`,` or `;`) or XLSX (first sheet). The first row
// holding any recognised header defines the columns; rows above it and unrecognised columns are
// ignored. Headers match after lower-casing and removing spaces, `_`, `-` and `.`.

import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { decodeText, readCsvRecords } from '../pseudo/csv.js';
import { ClientError } from './errors.js';
import { readXlsxFirstSheet } from './xlsx.js';

export type ColumnType = 'accession_number' | 'pseudonym' | 'folder';

const HEADERS: Record<ColumnType, string[]> = {
  accession_number: ['accession number', 'acc nr'],
  pseudonym: ['pseudoID', 'pseudonym', 'name'],
  folder: ['folder', 'map', 'path'],
};

const norm = (s: string): string => s.toLowerCase().replace(/[\s_\-.]/g, '');

export function columnType(header: string): ColumnType | undefined {
  const h = norm(header);
  if (h === '') return undefined;
  for (const [t, names] of Object.entries(HEADERS) as [ColumnType, string[]][]) if (names.some((n) => norm(n) === h)) return t;
  return undefined;
}

export type InputRow = Partial<Record<ColumnType, string>>;

/** Rows of an input file with the columns found; `required` must be among them. */
export async function readInputFile(file: string, required: ColumnType): Promise<InputRow[]> {
  const ext = extname(file).toLowerCase();
  let grid: string[][];
  if (!existsSync(file)) throw new ClientError(`no input file ${file}`);
  if (ext === '.csv' || ext === '.txt') grid = parseCsvText(decodeText(readFileSync(file)), file);
  else if (ext === '.xlsx') grid = await readXlsxFirstSheet(file);
  else if (ext === '.xls') throw new ClientError(`${file}: the old binary .xls format is not supported; save it as .xlsx or .csv`);
  else throw new ClientError(`${file}: unknown input file type ${ext || '(none)'} (use .csv, .txt or .xlsx)`);
  return rowsFrom(grid, required, file);
}

export function rowsFrom(grid: string[][], required: ColumnType, file = '<input>'): InputRow[] {
  const headerAt = grid.findIndex((r) => r.some((c) => columnType(c) !== undefined));
  if (headerAt < 0) throw new ClientError(`${file}: no column header found (${Object.values(HEADERS).flat().join(', ')})`);
  const cols = new Map<number, ColumnType>();
  grid[headerAt].forEach((c, i) => {
    const t = columnType(c);
    if (t && ![...cols.values()].includes(t)) cols.set(i, t);
  });
  if (![...cols.values()].includes(required)) {
    throw new ClientError(`${file}: no ${required} column (headers accepted: ${HEADERS[required].join(', ')})`);
  }
  const out: InputRow[] = [];
  for (let r = headerAt + 1; r < grid.length; r++) {
    const row: InputRow = {};
    let filled = 0;
    for (const [i, t] of cols) {
      const v = (grid[r][i] ?? '').trim();
      if (v !== '') filled++;
      row[t] = v;
    }
    if (filled === 0) continue;
    if (filled < cols.size) throw new ClientError(`${file}: exception in row ${r + 1}: empty cell in a column that is filled elsewhere in the row`);
    out.push(row);
  }
  return out;
}

/**
 * The rows of a CSV/TXT input file, one per line (blank lines too, so "row N" is line N):
 * delimiter `;` or `,`, whichever the first non-blank line has more of outside quotes.
 */
export function parseCsvText(text: string, file = '<input>'): string[][] {
  const fail = (line: number, msg: string): ClientError => new ClientError(`${file}:${line}: ${msg}`);
  return readCsvRecords(text, { keepBlankLines: true, fail }).map((r) => r.fields);
}
