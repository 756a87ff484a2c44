import { normHeader, readMappingText, splitMappingSections } from './mapping-sections.js';

/**
 * The anonapi mapping file as written, for the job client (src/client/mapping.ts): the
 * columns by their anonapi names, and every row's cells as given (trimmed, empty cells kept as
 * ""), including the per-row option columns pims_key, destination_path, root_source_path and
 * project that parsePseudonymTableData ignores. Only the layout is checked here (sections, known and
 * unambiguous column names, no more values than headers); what a cell means is the caller's.
 */
export type MappingColumn = 'source' | 'pseudo_id' | 'pseudo_name' | 'description' | 'pims_key' | 'destination_path' | 'root_source_path' | 'project' | 'id_old';

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
  return parseMappingGrid(readMappingText(path, 'mapping'), path);
}

export function parseMappingGrid(text: string, file = '<mapping>'): MappingGrid {
  const { fail, description, options, records } = splitMappingSections(text, file);
  const [head, ...rest] = records;
  const columns: MappingColumn[] = [];
  const seen = new Map<MappingColumn, string>();
  for (const h of head.fields) {
    const c = GRID_COLUMNS[normHeader(h)];
    if (c === undefined) {
      throw fail(
        head.line,
        `unknown column ${JSON.stringify(h)} (known: source, pseudo_id, pseudo_name, description, pims_key, destination_path, root_source_path, project, id_old)`,
      );
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
