/** Expected top-level actions of Table E.1-1's compound codes, from the CT Image IOD's Types (PS3.3, generated). */
import { IOD_ATTRIBUTE_TYPES } from '../../src/profile/iod-types.generated.js';

/**
 * At the top level the compound codes follow the attribute's Type in the file's IOD (CT Image
 * here; PS3.3 as generated data): Table E.1-1a keeps only what the IOD requires, a Type 1
 * attribute with a dummy, a Type 2 one empty; an empty sequence the IOD does not require goes.
 */
const CT_TYPES = IOD_ATTRIBUTE_TYPES['CT Image'];
export function resolveTop(code: string, tag: number, vr: string, resolve: (code: string) => string): string {
  const raw = CT_TYPES[(tag >>> 0).toString(16).toUpperCase().padStart(8, '0')];
  const type = raw?.replace(/u$/, '');
  if (type === undefined) return resolve(code); // not in the extracted tables: the type-free choice
  // In a module the IOD requires, a plain X or Z would leave a Type 1 attribute out: a dummy; X a Type 2 one: emptied.
  if (raw === '1' && (code === 'X' || code === 'Z')) return 'D';
  if (raw === '2' && code === 'X') return 'Z';
  const req = type[0];
  const byType: Record<string, Record<string, string>> = {
    'X/Z': { 1: 'D', 2: 'Z', 3: 'X' },
    'Z/D': { 1: 'D', 2: 'Z', 3: 'Z' },
    'X/D': { 1: 'D', 2: 'D', 3: 'X' },
    'X/Z/D': { 1: 'D', 2: 'Z', 3: 'X' },
  };
  if (code === 'Z/D') return 'D'; // a dummy, valid whatever the Type (the extraction misses macros)
  const resolved = byType[code]?.[req] ?? resolve(code);
  return resolved === 'Z' && vr === 'SQ' && req === '3' ? 'X' : resolved;
}
