// Request parameters as the IDIS API takes them: form-encoded (or JSON) in the body on any verb,
// and in the query string. Every value is a string; a repeated key keeps its last value, except
// the list parameters, which keep them all (anonapi sends job_ids=3&job_ids=5).

/** The parameters of a request, flattened for schema validation and typed handlers. */
export type FlatParams = Record<string, string | string[]>;

const LIST_PARAMS = new Set(['job_ids']);

function flatten(pairs: Iterable<[string, string]>): FlatParams {
  const out: FlatParams = {};
  for (const [k, v] of pairs) {
    if (!LIST_PARAMS.has(k)) out[k] = v;
    else if (Array.isArray(out[k]))
      (out[k] as string[]).push(v); // in place: a copy per value is quadratic in a 1 MiB body
    else out[k] = [v];
  }
  return out;
}

export const flatForm = (text: string): FlatParams => flatten(new URLSearchParams(text));

/** A JSON object body as form parameters (numbers and booleans as their text, null dropped). */
export function flatJson(body: unknown): FlatParams {
  const pairs: [string, string][] = [];
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    for (const [k, v] of Object.entries(body)) {
      if (v === null || v === undefined) continue;
      for (const x of Array.isArray(v) ? v : [v]) pairs.push([k, String(x)]);
    }
  }
  return flatten(pairs);
}

/** "" means not given (anonapi sends empty mapping cells as key=). */
export const given = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);

/** The values of a list parameter, comma-separated ones split too, blanks dropped. */
export const listValues = (v: string | string[] | undefined): string[] =>
  (v === undefined ? [] : Array.isArray(v) ? v : [v])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
