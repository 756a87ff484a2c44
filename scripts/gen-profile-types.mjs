#!/usr/bin/env node
// Generates src/profile/profile.generated.ts: the TypeScript types of profiles/schema.json, made by
// json-schema-to-typescript. The schema is the one source of truth; the types follow it.
//
// Usage: node scripts/gen-profile-types.mjs [--out ROOT]
//   ROOT (default: the repo root) receives src/profile/profile.generated.ts; tests use a temp dir to
//   check that the committed file is up to date. Output is deterministic (no timestamps).
//
// Two TypeScript-only refinements are made on a copy of the schema (the schema file is not changed):
//   - a "$ref" with sibling keywords (a description) is emitted as the referenced type's name, so
//     Defaults.public is `ActionCode`, not an inlined copy of the enum (draft-07 ignores the siblings);
//   - Rule.options ("propertyNames": OptionName, which the generator does not express) becomes
//     `{ [K in OptionName]?: Action }`.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outIdx = args.indexOf('--out');
const outRoot = outIdx >= 0 ? path.resolve(args[outIdx + 1]) : root;
const SCHEMA = path.join(root, 'profiles/schema.json');
const OUT = path.join(outRoot, 'src/profile/profile.generated.ts');

const text = fs.readFileSync(SCHEMA, 'utf8');
const schema = JSON.parse(text);

// Names the generated file must export (checked below, so a schema rename fails here, not in users).
const REQUIRED = ['Profile', 'Rule', 'Match', 'Action', 'ActionCode', 'OptionName', 'Condition', 'Defaults', 'Pseudonyms', 'Source'];

function refine(node) {
  if (Array.isArray(node)) return node.map(refine);
  if (node === null || typeof node !== 'object') return node;
  if (typeof node.$ref === 'string' && Object.keys(node).length > 1) {
    const m = /^#\/definitions\/([A-Za-z0-9_]+)$/.exec(node.$ref);
    if (!m) throw new Error(`unexpected $ref ${node.$ref}`);
    const out = { tsType: m[1] };
    if (node.description !== undefined) out.description = node.description;
    return out;
  }
  const out = {};
  for (const [k, v] of Object.entries(node)) out[k] = refine(v);
  return out;
}

const ts = refine(schema);
const ruleOptions = ts.definitions?.Rule?.properties?.options;
if (!ruleOptions || ruleOptions.propertyNames?.$ref !== '#/definitions/OptionName') {
  throw new Error('schema changed: Rule.options is no longer keyed by OptionName; update this script');
}
ruleOptions.tsType = '{ [K in OptionName]?: Action }';
// Every definition gets its key as title, so the exported names do not depend on the generator's naming.
for (const [name, def] of Object.entries(ts.definitions)) def.title = name;

const sha = crypto.createHash('sha256').update(text).digest('hex');
const banner = [
  '/* eslint-disable */',
  '// Generated from profiles/schema.json by scripts/gen-profile-types.mjs (json-schema-to-typescript).',
  '// Do not edit: change the schema and run `npm run gen`.',
  `// schema sha256: ${sha}`,
].join('\n');

let out = await compile(ts, 'Profile', {
  bannerComment: banner,
  declareExternallyReferenced: true,
  unreachableDefinitions: true,
  additionalProperties: false,
  cwd: path.join(root, 'profiles'),
  format: true,
});
out = out.replace(/\r\n/g, '\n');
if (!out.endsWith('\n')) out += '\n';
for (const name of REQUIRED) {
  if (!new RegExp(`^export (?:type|interface) ${name}\\b`, 'm').test(out)) throw new Error(`generated types lack ${name}`);
}
fs.mkdirSync(path.dirname(OUT), { recursive: true });
fs.writeFileSync(OUT, out);
console.log(`wrote ${path.relative(process.cwd(), OUT) || OUT}`);
