// .xlsx input files through read-excel-file (maintained, read-only, pure JS: fflate/saxen for the
// zip and XML, no install scripts). Only the first sheet is read, as anonapi does.

import { readSheet } from 'read-excel-file/node';
import { ClientError } from './errors.js';

/** The first sheet of an .xlsx as rows of cell texts (numbers as JS prints them: 12345, 1.5). */
export async function readXlsxFirstSheet(file: string): Promise<string[][]> {
  let rows: unknown[][];
  try {
    rows = (await readSheet(file, 1)) as unknown[][];
  } catch (e) {
    throw new ClientError(`cannot read ${file} as .xlsx: ${(e as Error).message}`);
  }
  return rows.map((r) =>
    r.map((c) => {
      if (c === null || c === undefined) return '';
      if (c instanceof Date) return c.toISOString().slice(0, 10);
      return String(c);
    }),
  );
}
