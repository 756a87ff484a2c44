import { ClientError } from './errors.js';

/** The first sheet of an .xlsx as rows of cell texts. */
export function readXlsxFirstSheet(file: string): string[][] {
  throw new ClientError(`${file}: reading .xlsx is not available yet; save the sheet as .csv`);
}
