import { pseudonymLookup, type PseudonymLookup } from './pseudonym-lookup.js';
import { readPseudonymTableData, type PseudonymTableData } from './pseudonym-table-data.js';

/** A table with its lookup: for single-threaded callers; worker threads get PseudonymTableData. */
export interface PseudonymTable extends PseudonymTableData, PseudonymLookup {}

/** Read a pseudonym table and build its lookup; throws PseudoError PSEUDONYM_TABLE (file and line). */
export function readPseudonymTable(path: string): PseudonymTable {
  const data = readPseudonymTableData(path);
  return { ...data, ...pseudonymLookup(data) };
}
