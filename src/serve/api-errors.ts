// The IDIS error shape: 400 {"errors": {"<param or exception name>": "<message>"}} (hug style),
// also for schema validation failures, worded as IDIS words them.

import type { FastifySchemaValidationError } from 'fastify';

/** What a value of a parameter should look like, for "Invalid value" messages. */
const EXPECTED: Record<string, string> = {
  job_id: 'is not a job id (a whole number)',
};

/** Ajv errors (Fastify's validation) as IDIS errors; `params` is what was validated. */
export function validationErrors(errs: FastifySchemaValidationError[], params: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const values = (params ?? {}) as Record<string, unknown>;
  for (const e of errs) {
    const missing = e.keyword === 'required' ? String((e.params as { missingProperty?: string }).missingProperty) : undefined;
    const name = missing ?? e.instancePath.split('/')[1] ?? 'request';
    const value = values[name];
    if (missing !== undefined || value === '' || (Array.isArray(value) && value.length === 0)) {
      out[name] = `Required parameter ${name} not supplied`;
    } else {
      out[name] = `Invalid value for ${name}: "${String(value)}" ${EXPECTED[name] ?? e.message ?? 'is not valid'}`;
    }
  }
  return out;
}
