import { createRequire } from 'node:module';
import type { parse as Parse } from 'csv-parse/sync';
import type { stringify as Stringify } from 'csv-stringify/sync';

// Loaded on first use: most runs read and write no CSV, and start-up time counts.
const load = createRequire(import.meta.url);
let parser: typeof Parse | undefined;
let stringifier: typeof Stringify | undefined;
const parse: typeof Parse = ((input: string, options: object) => (parser ??= (load('csv-parse/sync') as { parse: typeof Parse }).parse)(input, options)) as typeof Parse;
const stringify: typeof Stringify = ((input: unknown[], options: object) =>
  (stringifier ??= (load('csv-stringify/sync') as { stringify: typeof Stringify }).stringify)(input, options)) as typeof Stringify;

/**
 * Every CSV read and write of anonflow (pseudonym tables, anonapi mappings, client input files,
 * the MIDI-B export) goes through csv-parse / csv-stringify configured here, so they all agree
 * on quoting: RFC 4180 quotes with `""`, read back by Python's csv module as anonapi uses it.
 */

export interface CsvRecord {
  fields: string[];
  /** 1-based line of the record's first line in the text. */
  line: number;
}

/** A CSV file's text: UTF-8, or Latin-1 when it is not (Excel "CSV" on Windows: cp1252, close enough for names); no BOM. */
export function decodeText(bytes: Buffer): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = bytes.toString('latin1');
  }
  return text.replace(/^\uFEFF/, '');
}

export interface ReadCsvOptions {
  /** 1-based line to start at (the text above it is not CSV, e.g. anonapi's sections). */
  fromLine?: number;
  /** Keep blank lines as records of one empty field (input files count rows by line). */
  keepBlankLines?: boolean;
  /** Builds the error thrown for malformed CSV. */
  fail: (line: number, message: string) => Error;
}

/**
 * Records of a CSV text: `,` or `;` as sniffed from the first non-blank line, line ends of any
 * kind, unquoted fields trimmed, quotes inside an unquoted field kept as text (Excel writes
 * `Quote "x"` that way), rows of different lengths allowed.
 */
export function readCsvRecords(text: string, opts: ReadCsvOptions): CsvRecord[] {
  // One line-end convention, so line numbers and multi-line fields mean the same for every file.
  // The lines above fromLine are cut off here, not by csv-parse, which would read quotes in them.
  const skipped = (opts.fromLine ?? 1) - 1;
  const lines = text.replace(/\r\n?/g, '\n').split('\n').slice(skipped);
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first < 0) return [];
  let lastEnd = 0;
  const starts: number[] = [];
  try {
    const rows = parse(lines.join('\n'), {
      delimiter: sniffDelimiter(lines[first]),
      record_delimiter: '\n',
      relax_quotes: true,
      relax_column_count: true,
      trim: true,
      skip_empty_lines: !opts.keepBlankLines,
      on_record: (fields, info) => {
        lastEnd = info.lines;
        // info.lines is where the record ends; quoted line breaks inside it are the difference.
        starts.push(info.lines - fields.reduce((n, f) => n + f.split('\n').length - 1, 0));
        return fields;
      },
    });
    return rows.map((fields, i) => ({ fields, line: skipped + starts[i] }));
  } catch (e) {
    const err = e as Error & { code?: string; lines?: number };
    if (err.code === 'CSV_QUOTE_NOT_CLOSED') {
      // csv-parse reports the end of the text; the record starts at the next non-blank line.
      let start = lastEnd;
      while (start < lines.length - 1 && lines[start].trim() === '') start++;
      throw opts.fail(skipped + start + 1, 'unterminated quoted field');
    }
    const line = skipped + (err.lines ?? lastEnd + 1);
    if (err.code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE') {
      throw opts.fail(line, 'text after a closing quote (quote the whole field, with "" for a quote inside)');
    }
    throw opts.fail(line, err.message);
  }
}

/** `;` when the line has more of them than `,` outside quotes (Excel in decimal-comma locales), else `,`. */
export function sniffDelimiter(line: string): ',' | ';' {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === ',') commas++;
    else if (!quoted && c === ';') semicolons++;
  }
  return semicolons > commas ? ';' : ',';
}

export interface WriteCsvOptions {
  /** Line end: `\n` (default) or anonapi's `\r\n`. */
  eol?: '\n' | '\r\n';
  /** Also quote fields holding `;`, so Excel in decimal-comma locales does not split them. */
  quoteSemicolons?: boolean;
}

// Surrounding spaces are quoted because readers (ours included) trim unquoted fields.
const QUOTE_SPACES = /^\s|\s$/;

/** Rows as CSV text, every row ended by `eol`; fields quoted (RFC 4180) only when needed. */
export function writeCsv(rows: readonly (readonly string[])[], opts: WriteCsvOptions = {}): string {
  return stringify(rows as string[][], {
    record_delimiter: opts.eol === '\r\n' ? 'windows' : 'unix',
    quoted_match: opts.quoteSemicolons ? [QUOTE_SPACES, /;/] : QUOTE_SPACES,
  });
}

/** One field as written by writeCsv with the default options. */
export function csvField(v: string): string {
  return stringify([[v]], { eof: false, quoted_match: QUOTE_SPACES });
}
