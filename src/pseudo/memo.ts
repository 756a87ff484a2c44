// Pseudonyms are pure functions of (secret, purpose, value), and a series repeats the same few
// values in every file (study, series and frame-of-reference UIDs, the patient's ID and name, the
// date offset): each is computed once per thread and secret, not once per file and element.

/** Entries kept per secret and purpose before the table starts over: a cache, not a record. */
const MAX_ENTRIES = 4096;

const tables = new WeakMap<Buffer, Map<string, Map<string, unknown>>>();

/** `compute()`'s result for `value` under `key` and `purpose`, from the table when it was computed before. */
export function memoized<T>(key: Buffer, purpose: string, value: string, compute: () => T): T {
  let byPurpose = tables.get(key);
  if (!byPurpose) tables.set(key, (byPurpose = new Map()));
  let table = byPurpose.get(purpose) as Map<string, T> | undefined;
  if (!table) byPurpose.set(purpose, (table = new Map()));
  let result = table.get(value);
  if (result === undefined && !table.has(value)) {
    result = compute();
    if (table.size >= MAX_ENTRIES) table.clear();
    table.set(value, result);
  }
  return result as T;
}
