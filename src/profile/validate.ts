// Checks one parsed profile document: profiles/schema.json (ajv, all errors, rendered as
// "<json path> <problem>"), then the checks a schema cannot express (keywords in the dictionary,
// real VRs, compilable regexes, `set` only on exact attributes, exclusive options, ranges).
// Resolution of "extends" is load.ts's job.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Ajv as AjvClass, ErrorObject, ValidateFunction } from 'ajv';
import { RAW_DICTIONARY } from '../dicom/dictionary.generated.js';
import { tagForKeyword } from '../dicom/dictionary.js';
import { isVR } from '../dicom/vr.js';
import { builtinProfileDir } from './builtins.js';
import { ProfileError } from './errors.js';
import type { OptionName } from './profile.generated.js';
import { isSchemaValidProfile } from './profile-validator.generated.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type SchemaNode = { [k: string]: unknown };

interface Compiled {
  ajv: AjvClass;
  schema: SchemaNode;
  validate: ValidateFunction;
  id: string;
  /** JSON pointer of every object in the schema, so an error's parentSchema can be located */
  pointers: Map<object, string>;
  branches: Map<string, ValidateFunction>;
}
let compiled: Compiled | undefined;
let schemaDoc: SchemaNode | undefined;

/** profiles/schema.json, read once. */
function schemaJson(): SchemaNode {
  return (schemaDoc ??= JSON.parse(readFileSync(join(builtinProfileDir(), 'schema.json'), 'utf8')) as SchemaNode);
}

/**
 * profiles/schema.json compiled by ajv, once, only to explain an invalid profile (a valid one is
 * answered by the validator precompiled at build time). verbose: errors carry their schema and
 * parentSchema objects. ajv is loaded here, synchronously, not at every start.
 */
function schemaValidator(): Compiled {
  if (compiled) return compiled;
  const schema = schemaJson();
  const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
  const ajv = new Ajv({ allErrors: true, strict: true, verbose: true });
  const validate = ajv.compile(schema);
  const pointers = new Map<object, string>();
  const walk = (node: unknown, at: string) => {
    if (node === null || typeof node !== 'object') return;
    pointers.set(node, at);
    for (const [k, v] of Object.entries(node)) walk(v, `${at}/${escapePart(k)}`);
  };
  walk(schema, '');
  return (compiled = { ajv, schema, validate, id: String(schema.$id ?? ''), pointers, branches: new Map() });
}

/** The twelve option names, in the schema's order. */
export function optionNames(): OptionName[] {
  const defs = schemaJson().definitions as { OptionName: { enum: OptionName[] } };
  return [...defs.OptionName.enum];
}

/** Options that are alternatives (PS3.15 E.3.6): at most one may be in effect. */
export const EXCLUSIVE_OPTIONS: readonly (readonly [OptionName, OptionName])[] = [['retainLongFullDates', 'retainLongModifiedDates']];

// ------------------------------------------------------------------ JSON pointers

const pointerParts = (p: string): string[] =>
  p === ''
    ? []
    : p
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
const escapePart = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');

function valueAt(data: Json, pointer: string): Json | undefined {
  let v: Json | undefined = data;
  for (const part of pointerParts(pointer)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = Array.isArray(v) ? v[Number(part)] : v[part];
  }
  return v;
}

/** The schema node a local $ref ("#/definitions/ActionCode") names. */
function schemaAt(ref: string): SchemaNode | undefined {
  const hash = ref.indexOf('#');
  let node: unknown = schemaValidator().schema;
  for (const part of pointerParts(hash >= 0 ? ref.slice(hash + 1) : ref)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node !== null && typeof node === 'object' ? (node as SchemaNode) : undefined;
}

function resolveRef(node: SchemaNode): SchemaNode {
  for (let i = 0; i < 10 && typeof node.$ref === 'string'; i++) {
    const target = schemaAt(node.$ref);
    if (!target) break;
    node = target;
  }
  return node;
}

const jsonType = (v: Json | undefined): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v;

// ------------------------------------------------------------------ rendering ajv errors

interface Problem {
  jsonPath: string;
  detail: string;
}

const list = (xs: readonly unknown[]): string => xs.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ');

/** One alternative of a oneOf, for "must be A or B": its JSON types and a short description. */
function describeBranch(raw: SchemaNode): { types: Set<string>; text: string } {
  const node = resolveRef(raw);
  const types = new Set<string>();
  const add = (v: unknown) => types.add(jsonType(v as Json) === 'integer' ? 'number' : jsonType(v as Json));
  if (typeof node.type === 'string') types.add(node.type === 'integer' ? 'number' : node.type);
  if ('const' in node) add(node.const);
  if (Array.isArray(node.enum)) node.enum.forEach(add);
  let text: string;
  if ('const' in node) text = JSON.stringify(node.const);
  else if (Array.isArray(node.enum)) text = `one of ${list(node.enum)}`;
  else if (node.type === 'object' && Array.isArray(node.required) && node.required.length) {
    text = `{${node.required.map((k) => `"${k}": …`).join(', ')}}`;
  } else if (node.type === 'array') {
    const items = node.items && typeof node.items === 'object' ? resolveRef(node.items as SchemaNode) : undefined;
    text = items && typeof items.type === 'string' ? `an array of ${items.type}s` : 'an array';
  } else text = typeof node.type === 'string' ? `a ${node.type}` : 'the alternative';
  return { types, text };
}

/** Errors of one oneOf alternative, validated on its own (instance paths made absolute). */
function branchErrors(oneOfPointer: string, index: number, value: Json | undefined, base: string): ErrorObject[] {
  const c = schemaValidator();
  const ref = `${c.id}#${oneOfPointer}/${index}`;
  let v = c.branches.get(ref);
  if (!v) c.branches.set(ref, (v = c.ajv.compile({ $ref: ref })));
  if (v(value)) return [];
  return (v.errors ?? []).map((e) => ({ ...e, instancePath: base + e.instancePath }));
}

const ROOT_MISMATCH = new Set(['type', 'const', 'enum', 'required']);

/**
 * A failed oneOf as one useful message: the errors of the alternative the value was evidently meant
 * for (the one that fails only below the value, or on extra properties), else "must be A or B",
 * naming only the alternatives of the value's JSON type. This assumes, as in profiles/schema.json,
 * that the oneOf is the whole schema of that location, so every error at or below it comes from it.
 */
function explainOneOf(e: ErrorObject, data: Json): Problem[] {
  const branches: unknown = e.schema;
  const parent = e.parentSchema ? schemaValidator().pointers.get(e.parentSchema) : undefined;
  const value = valueAt(data, e.instancePath);
  if (!Array.isArray(branches) || parent === undefined) return [{ jsonPath: e.instancePath, detail: e.message ?? 'is invalid' }];
  const passing = (e.params as { passingSchemas?: number[] | null }).passingSchemas;
  if (Array.isArray(passing)) {
    return [{ jsonPath: e.instancePath, detail: `is ambiguous: it matches alternatives ${passing.join(' and ')} of the schema` }];
  }
  // an object carrying the keys of several alternatives, e.g. {"replace": …, "set": …}
  if (jsonType(value) === 'object') {
    const keys = (branches as SchemaNode[]).flatMap((b) => {
      const r = resolveRef(b).required;
      return Array.isArray(r) && r.length === 1 ? [String(r[0])] : [];
    });
    const present = keys.filter((k) => k in (value as object));
    if (present.length > 1) {
      return [{ jsonPath: e.instancePath, detail: `must have exactly one of ${keys.map((k) => `"${k}"`).join(', ')} (has ${present.map((k) => `"${k}"`).join(', ')})` }];
    }
  }
  let best: ErrorObject[] | undefined;
  for (let i = 0; i < branches.length; i++) {
    const errs = branchErrors(`${parent}/oneOf`, i, value, e.instancePath);
    const mismatch = errs.some((x) => x.instancePath === e.instancePath && ROOT_MISMATCH.has(x.keyword));
    if (!mismatch && (best === undefined || errs.length < best.length)) best = errs;
  }
  if (best !== undefined) return render(best, data);
  const descs = (branches as SchemaNode[]).map(describeBranch);
  const vt = jsonType(value) === 'integer' ? 'number' : jsonType(value);
  const sameType = descs.filter((d) => d.types.has(vt));
  const shown = (sameType.length ? sameType : descs).map((d) => d.text);
  const alternatives = shown.length > 1 ? `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}` : shown[0];
  return [{ jsonPath: e.instancePath, detail: `must be ${alternatives}` }];
}

/** One ajv error as a readable problem; undefined to drop it (a wrapper of another error). */
function renderOne(e: ErrorObject): Problem | undefined {
  const at = e.instancePath;
  const parent = (e.parentSchema ?? {}) as SchemaNode;
  const defs = schemaValidator().schema.definitions as Record<string, SchemaNode>;
  switch (e.keyword) {
    case 'propertyNames':
      return undefined; // the inner error, which carries propertyName, says more
    case 'additionalProperties': {
      const prop = (e.params as { additionalProperty: string }).additionalProperty;
      const props = parent.properties;
      const allowed = props && typeof props === 'object' ? ` (allowed: ${Object.keys(props).join(', ')})` : '';
      return { jsonPath: at, detail: `has unknown property "${prop}"${allowed}` };
    }
    case 'minProperties':
    case 'maxProperties': {
      if (parent === defs.Match && parent.properties) {
        const has = (e.data !== null && typeof e.data === 'object' ? Object.keys(e.data) : []).map((k) => `"${k}"`);
        return { jsonPath: at, detail: `must have exactly one selector of ${Object.keys(parent.properties).join(', ')} (has ${has.join(', ') || 'none'})` };
      }
      if (parent === defs.Condition) {
        return { jsonPath: at, detail: 'must have a test besides "attribute": equals, in, matches or present' };
      }
      break;
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      if (e.propertyName !== undefined) return { jsonPath: at, detail: `has unknown key "${e.propertyName}": must be one of ${list(allowed)}` };
      return { jsonPath: at, detail: `must be one of ${list(allowed)}` };
    }
    case 'const':
      return { jsonPath: at, detail: `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}` };
  }
  const msg = e.message ?? 'is invalid';
  if (e.propertyName !== undefined) return { jsonPath: at, detail: `has invalid key "${e.propertyName}": ${msg}` };
  return { jsonPath: at, detail: msg };
}

function render(errors: ErrorObject[], data: Json): Problem[] {
  const out: Problem[] = [];
  const covered: string[] = [];
  const inside = (p: string, base: string) => p === base || p.startsWith(base + '/');
  // outermost oneOf first: its explanation covers every error at or below it
  const oneOfs = errors.filter((e) => e.keyword === 'oneOf').sort((a, b) => a.instancePath.length - b.instancePath.length);
  const explained = new Map<ErrorObject, Problem[]>();
  for (const e of oneOfs) {
    if (covered.some((c) => inside(e.instancePath, c))) continue;
    covered.push(e.instancePath);
    explained.set(e, explainOneOf(e, data));
  }
  const emitted = new Set<string>();
  const emit = (p: Problem) => {
    const key = `${p.jsonPath}\u0000${p.detail}`;
    if (!emitted.has(key)) {
      emitted.add(key);
      out.push(p);
    }
  };
  // explanations take the place of the first error they cover, keeping document order
  const pending = new Map(explained);
  for (const e of errors) {
    const base = covered.find((c) => inside(e.instancePath, c));
    if (base !== undefined) {
      for (const [oe, probs] of pending) {
        if (oe.instancePath === base) {
          probs.forEach(emit);
          pending.delete(oe);
        }
      }
      continue;
    }
    const p = renderOne(e);
    if (p) emit(p);
  }
  return out;
}

// ------------------------------------------------------------------ semantic checks

let keywordHints: { lower: Map<string, string>; masked: Map<string, string> } | undefined;
function hints() {
  if (keywordHints) return keywordHints;
  const lower = new Map<string, string>();
  const masked = new Map<string, string>();
  for (const [tag, keyword] of RAW_DICTIONARY) {
    if (!keyword) continue;
    if (!lower.has(keyword.toLowerCase())) lower.set(keyword.toLowerCase(), keyword);
    if (typeof tag === 'string' && !masked.has(keyword)) masked.set(keyword, `(${tag.slice(0, 4)},${tag.slice(4)})`);
  }
  return (keywordHints = { lower, masked });
}

/** Why a keyword is not usable, or undefined when tagForKeyword knows it. */
function keywordProblem(keyword: string): string | undefined {
  if (tagForKeyword(keyword) !== undefined) return undefined;
  const h = hints();
  const mask = h.masked.get(keyword);
  if (mask) return `keyword "${keyword}" is a repeating attribute ${mask}: match it with {"mask": "${mask}"}`;
  const other = h.lower.get(keyword.toLowerCase());
  if (other && tagForKeyword(other) !== undefined) return `unknown keyword "${keyword}" (did you mean "${other}"?)`;
  return `unknown keyword "${keyword}": not in the PS3.6 data dictionary`;
}

const TAG = /^\([0-9A-Fa-f]{4},[0-9A-Fa-f]{4}\)$/;
const KEYWORD = /^[A-Za-z][A-Za-z0-9]*$/;
const isObject = (v: unknown): v is { [k: string]: Json } => v !== null && typeof v === 'object' && !Array.isArray(v);

function semanticProblems(data: Json): { invalid: Problem[]; conflicts: Problem[] } {
  const invalid: Problem[] = [];
  const conflicts: Problem[] = [];
  if (!isObject(data)) return { invalid, conflicts };
  const rules = Array.isArray(data.rules) ? data.rules : [];
  rules.forEach((rule, i) => {
    if (!isObject(rule)) return;
    const at = `/rules/${i}`;
    const match = isObject(rule.match) ? rule.match : undefined;
    if (match) {
      if (typeof match.keyword === 'string' && KEYWORD.test(match.keyword)) {
        const p = keywordProblem(match.keyword);
        if (p) invalid.push({ jsonPath: `${at}/match/keyword`, detail: p });
      }
      if (typeof match.vr === 'string' && /^[A-Z]{2}$/.test(match.vr) && !isVR(match.vr)) {
        invalid.push({ jsonPath: `${at}/match/vr`, detail: `"${match.vr}" is not a VR of PS3.5 Table 6.2-1` });
      }
    }
    const exact = match !== undefined && (typeof match.tag === 'string' || typeof match.keyword === 'string');
    const checkSet = (action: Json | undefined, path: string) => {
      if (isObject(action) && Object.keys(action).length === 1 && 'set' in action && match !== undefined && !exact) {
        const sel = Object.keys(match)[0] ?? 'nothing';
        invalid.push({ jsonPath: path, detail: `"set" adds the attribute when it is absent, so the rule must match one tag or keyword, not ${sel}` });
      }
    };
    checkSet(rule.action, `${at}/action`);
    if (isObject(rule.options)) for (const [k, v] of Object.entries(rule.options)) checkSet(v, `${at}/options/${escapePart(k)}`);
    const when = Array.isArray(rule.when) ? rule.when : [];
    when.forEach((cond, j) => {
      if (!isObject(cond)) return;
      const cat = `${at}/when/${j}`;
      if (typeof cond.attribute === 'string') {
        const a = cond.attribute;
        if (!TAG.test(a)) {
          if (!KEYWORD.test(a)) invalid.push({ jsonPath: `${cat}/attribute`, detail: `"${a}" is neither a keyword nor a tag like (0008,0060)` });
          else {
            const p = keywordProblem(a);
            if (p) invalid.push({ jsonPath: `${cat}/attribute`, detail: p });
          }
        }
      }
      if (typeof cond.matches === 'string') {
        try {
          new RegExp(cond.matches);
        } catch (err) {
          invalid.push({ jsonPath: `${cat}/matches`, detail: `is not a valid regular expression: ${(err as Error).message}` });
        }
      }
    });
  });
  if (Array.isArray(data.options)) {
    for (const [a, b] of EXCLUSIVE_OPTIONS) {
      if (data.options.includes(a) && data.options.includes(b)) {
        conflicts.push({ jsonPath: '/options', detail: `options ${a} and ${b} are alternatives (PS3.15 E.3.6): choose one` });
      }
    }
  }
  const pseudo = isObject(data.pseudonyms) ? data.pseudonyms : undefined;
  const range = pseudo && isObject(pseudo.dateShiftDays) ? pseudo.dateShiftDays : undefined;
  if (range && typeof range.min === 'number' && typeof range.max === 'number' && range.min > range.max) {
    invalid.push({ jsonPath: '/pseudonyms/dateShiftDays', detail: `min (${range.min}) must not be greater than max (${range.max})` });
  }
  return { invalid, conflicts };
}

/**
 * Every problem of one parsed profile document (schema first, then the semantic checks), as
 * ProfileErrors naming `file`. No errors means the document is valid on its own; schemaValid says
 * whether it at least has the shape of a Profile.
 */
export function checkProfileDocument(data: unknown, file: string): { errors: ProfileError[]; schemaValid: boolean } {
  const errors: ProfileError[] = [];
  const schemaValid = isSchemaValidProfile(data);
  if (!schemaValid) {
    const c = schemaValidator();
    if (c.validate(data)) throw new Error('profiles/schema.json and its precompiled validator disagree: run npm run gen');
    for (const p of render(c.validate.errors ?? [], data as Json)) errors.push(new ProfileError('PROFILE_INVALID', p.detail, { file, jsonPath: p.jsonPath }));
  }
  const { invalid, conflicts } = semanticProblems(data as Json);
  for (const p of invalid) errors.push(new ProfileError('PROFILE_INVALID', p.detail, { file, jsonPath: p.jsonPath }));
  for (const p of conflicts) errors.push(new ProfileError('PROFILE_CONFLICT', p.detail, { file, jsonPath: p.jsonPath }));
  return { errors, schemaValid };
}
