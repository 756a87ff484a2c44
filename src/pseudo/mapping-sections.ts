import { readFileSync } from 'node:fs';
import { decodeText, readCsvRecords, type CsvRecord } from './csv.js';
import { PseudoError } from './errors.js';

/**
 * The layout of anonapi's mapping file (`anon_mapping.csv`, shared/api/README.md §2.1): up to
 * three sections, the last one a CSV grid.
 *
 * ```
 * ## Description ##
 * Mapping created February 12 2020 by z123
 * ## Options ##
 * project,Wetenschap-Algemeen
 * ## Mapping ##
 * source,pseudo_id,pseudo_name,description
 * folder:example/folder1,001,Patient1,All files from folder1
 * ```
 *
 * Forgiving about: a UTF-8 BOM (and Latin-1 files from Excel), CRLF/CR line ends, `,` or `;` as
 * delimiter (chosen from the header row), quoted fields (with `""` and line breaks inside),
 * spaces around fields, trailing empty cells (`a,b,,,`), section headers with trailing
 * separators (`## Options ##;;;`), and missing section headers altogether (then the first
 * non-empty line is the header row). Every error is PseudoError PSEUDONYM_TABLE naming the file
 * and line.
 */

export type MappingFail = (line: number, msg: string) => PseudoError;

export interface MappingSections {
  fail: MappingFail;
  /** The `## Description ##` text (lines joined without separator, as anonapi does). */
  description: string;
  /** The `## Options ##` key/value pairs (keys lower-cased, values trimmed), in file order. */
  options: Record<string, string>;
  /** The grid: header row first; rows without any value are left out, trailing empty cells dropped. */
  records: CsvRecord[];
}

/** A column name as matched: case, spaces, quotes, `_`, `-` and `.` do not count. */
export const normHeader = (h: string): string => h.toLowerCase().replace(/[\s"'_.\-\uFEFF]/g, '');

/** The text of a mapping file; `what` names it in the error when it cannot be read. */
export function readMappingText(path: string, what: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new PseudoError({ code: 'PSEUDONYM_TABLE', message: `cannot read ${what} ${path}: ${(e as Error).message}`, file: path });
  }
  return decodeText(bytes);
}

/** The three anonapi sections (or a bare grid) of a mapping text; `file` is used in errors. */
export function splitMappingSections(text: string, file: string): MappingSections {
  const fail: MappingFail = (line, msg) => new PseudoError({ code: 'PSEUDONYM_TABLE', message: `${file}:${line}: ${msg}`, file, line });

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
    // Option lines are "key,value" split at the first separator, not CSV: anonapi writes the
    // value as it is (a UNC path, a project name), so a quote or comma in it is part of it.
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

  const records: CsvRecord[] = [];
  for (const r of readCsvRecords(text, { fromLine: gridStart + 1, fail })) {
    const fields = [...r.fields];
    while (fields.length > 0 && fields[fields.length - 1] === '') fields.pop();
    if (fields.length > 0) records.push({ fields, line: r.line });
  }
  if (records.length === 0) throw fail(gridStart + 1, 'no header row (expected e.g. "source,pseudo_id,pseudo_name,description")');
  return { fail, description, options, records };
}
