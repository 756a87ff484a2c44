#!/usr/bin/env node
// Generates, from the PS3.15 / PS3.16 reference data (/work/shared/reference, see its README):
//   profiles/basic.json                   PS3.15 Table E.1-1: one rule per table row, in table order
//   profiles/identity.json                keeps every element unchanged, adds nothing (not from the table)
//   src/profile/safe-private.generated.ts PS3.15 Table E.3.10-1 Safe Private Attributes
//   src/profile/deid-codes.generated.ts   PS3.16 CID 7050 De-identification Method codes
//
// Usage: node scripts/gen-profiles.mjs [REFERENCE_DIR] [--out ROOT]
//   REFERENCE_DIR defaults to ../shared/reference relative to the repo root; ROOT (default: the repo
//   root) receives the files above at the same relative paths (tests use a temp dir for a drift check).
// Output is deterministic: no timestamps; everything follows the reference files' own order.
// Both profiles are validated against profiles/schema.json before anything is written.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let refDir = path.resolve(root, '../shared/reference');
let outRoot = root;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--out') outRoot = path.resolve(args[++i]);
  else refDir = path.resolve(args[i]);
}

const readJson = (p) => JSON.parse(fs.readFileSync(p, 'utf8'));
const table = readJson(path.join(refDir, 'ps3.15-table-e1-1.json'));
const safe = readJson(path.join(refDir, 'ps3.15-safe-private.json'));
const codes = readJson(path.join(refDir, 'ps3.16-deidentification-codes.json'));
const schema = readJson(path.join(root, 'profiles/schema.json'));

const OPTION_NAMES = schema.definitions.OptionName.enum;
const ACTION_CODES = new Set(schema.definitions.ActionCode.enum);
const fail = (msg) => {
  throw new Error(`gen-profiles: ${msg}`);
};
const hex = (n, width) => n.toString(16).toUpperCase().padStart(width, '0');

// ---------------------------------------------------------------- JSON output
// Pretty at the top level, one rule per line: 656 rules stay readable and diff line by line.
function inline(v) {
  if (Array.isArray(v)) return `[${v.map(inline).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}: ${inline(x)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(v);
}
function profileJson(p) {
  const lines = Object.entries(p).map(([k, v]) => {
    if (k === 'rules' && v.length > 0) return `  "rules": [\n${v.map((r) => `    ${inline(r)}`).join(',\n')}\n  ]`;
    return `  ${JSON.stringify(k)}: ${k === 'rules' ? '[]' : JSON.stringify(v, null, 2).replace(/\n/g, '\n  ')}`;
  });
  return `{\n${lines.join(',\n')}\n}\n`;
}

// ---------------------------------------------------------------- basic.json
function maskOf(row) {
  const m = row.match;
  const render = (mask, value) => {
    let s = '';
    for (let i = 0; i < 4; i++) {
      const mn = mask[i].toUpperCase();
      if (mn === '0') s += 'x';
      else if (mn === 'F') s += value[i].toUpperCase();
      else fail(`row ${row.row}: mask ${mask} is not whole nibbles`);
    }
    return s;
  };
  if (!m || !/^[0-9A-F]{4}$/i.test(m.groupMask ?? '') || !/^[0-9A-F]{4}$/i.test(m.elementMask ?? '')) {
    fail(`row ${row.row}: repeating-group row without masks`);
  }
  const mask = `(${render(m.groupMask, m.groupValue)},${render(m.elementMask, m.elementValue)})`;
  if (mask.toLowerCase() !== row.tag.toLowerCase()) fail(`row ${row.row}: mask ${mask} does not render the tag ${row.tag}`);
  return mask;
}

function matchOf(row) {
  switch (row.tagKind) {
    case 'exact': {
      if (!/^[0-9A-F]{8}$/.test(row.tagHex)) fail(`row ${row.row}: bad tagHex ${row.tagHex}`);
      const tag = `(${row.tagHex.slice(0, 4)},${row.tagHex.slice(4)})`;
      if (tag.toUpperCase() !== row.tag.toUpperCase()) fail(`row ${row.row}: tagHex ${row.tagHex} vs tag ${row.tag}`);
      return { tag };
    }
    case 'repeating-group':
      return { mask: maskOf(row) };
    case 'private':
      return { private: 'all' };
    default:
      fail(`row ${row.row}: unknown tagKind ${row.tagKind}`);
  }
}

const rows = table.attributes;
if (rows.length !== table.header.rowCount) fail(`table has ${rows.length} rows, header says ${table.header.rowCount}`);
const rules = rows.map((row, i) => {
  if (row.row !== i + 1) fail(`row ${i + 1} is numbered ${row.row}`);
  if (!ACTION_CODES.has(row.basic)) fail(`row ${row.row}: action ${row.basic} is not in the schema's ActionCode`);
  const rule = { match: matchOf(row), action: row.basic };
  const options = {};
  for (const [name, code] of Object.entries(row.options ?? {})) {
    if (!OPTION_NAMES.includes(name)) fail(`row ${row.row}: option ${name} is not in the schema's OptionName`);
    if (!ACTION_CODES.has(code)) fail(`row ${row.row}: option ${name} action ${code} is not an ActionCode`);
    options[name] = code;
  }
  if (Object.keys(options).length) rule.options = options;
  rule.name = row.name;
  rule.row = row.row;
  if (row.nameNote) rule.note = row.nameNote;
  return rule;
});
const privateRule = rules.find((r) => r.match.private === 'all');
if (!privateRule || privateRule.options?.retainSafePrivate !== 'C') fail('the private-attributes row lacks Retain Safe Private = C');

const source = {
  standard: 'DICOM PS3.15 Table E.1-1',
  edition: table.header.edition,
  generatedBy: 'scripts/gen-profiles.mjs',
  sha256: table.header.source.sha256,
};
const basic = {
  $schema: './schema.json',
  name: 'basic',
  description:
    `PS3.15 Annex E Basic Application Level Confidentiality Profile, edition ${source.edition}: ` +
    'the Basic Prof. column of Table E.1-1, one rule per table row in table order, with the option columns ' +
    '(in effect when an option is listed in "options").',
  source,
  rules,
};
const identity = {
  $schema: './schema.json',
  name: 'identity',
  description: 'Keeps every element unchanged and adds nothing: for lossless round trips and codec benchmarks.',
  marks: false,
  defaults: { public: 'K', unknownPublic: 'K', private: 'K' },
  rules: [],
};

const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile(schema);
for (const p of [basic, identity]) {
  if (!validate(p)) fail(`${p.name}.json does not validate: ${ajv.errorsText(validate.errors, { separator: '\n' })}`);
}

// ---------------------------------------------------------------- safe private
const sourceLine = (h) => `// Source: ${h.title}, edition ${h.edition} (${h.source.format}, sha256 ${h.source.sha256}).`;
function safeRow(e) {
  // The tag cell as published: (gggg,xxee), hex case varies; the group may carry x nibbles and the
  // element's high byte may be given instead of xx. Everything is cross-checked against the fields.
  const m = /^\(\s*([0-9A-Fa-fxX]{4})\s*,\s*([0-9A-Fa-fxX]{2})([0-9A-Fa-f]{2})\s*\)$/.exec(e.tag);
  if (!m) fail(`safe private row ${e.row}: cannot read tag ${e.tag}`);
  const g = m[1].toUpperCase().replace(/X/g, 'x');
  const group = g.includes('x') ? null : parseInt(g, 16);
  if (group !== null && (group & 1) === 0) fail(`safe private row ${e.row}: group ${g} is not private (even)`);
  if (e.group !== undefined && e.group !== null && e.group.toUpperCase() !== g.toUpperCase()) {
    fail(`safe private row ${e.row}: group field ${e.group} vs tag ${e.tag}`);
  }
  const elementLow = parseInt(m[3], 16);
  if (e.elementLow !== undefined && parseInt(e.elementLow, 16) !== elementLow) {
    fail(`safe private row ${e.row}: elementLow field ${e.elementLow} vs tag ${e.tag}`);
  }
  if (typeof e.privateCreator !== 'string' || e.privateCreator === '') fail(`safe private row ${e.row}: no creator`);
  const tag = `(${g},${m[2].toUpperCase().replace(/X/g, 'x')}${m[3].toUpperCase()})`;
  return { group, elementLow, creator: e.privateCreator, vr: e.vr ?? null, vm: e.vm, meaning: e.meaning, row: e.row, tag };
}
const safeRows = safe.attributes.map(safeRow);
if (safeRows.length !== safe.header.rowCount) fail(`safe private: ${safeRows.length} rows, header says ${safe.header.rowCount}`);
const tsString = (s) => JSON.stringify(s);
const safeTs = [
  '// Generated by scripts/gen-profiles.mjs from ps3.15-safe-private.json. Do not edit: run `npm run gen`.',
  sourceLine(safe.header),
  '// "A sample list of Private Attributes thought to be safe" (PS3.15 E.3.10): no vendor guarantee. Match on',
  "// the group, the Private Creator of the block that reserves the element, and the element's low byte.",
  '',
  'export interface SafePrivateAttribute {',
  '  /** private (odd) group, or null when the table gives the group as a mask (then see tag) */',
  '  group: number | null;',
  '  /** low byte of the element; the high byte is the block the creator reserved in that dataset */',
  '  elementLow: number;',
  '  /** Private Creator value, verbatim (match exactly, including spaces and case) */',
  '  creator: string;',
  "  /** VR as published (may be 'OW/OB'); null where the table leaves it blank */",
  '  vr: string | null;',
  '  vm: string;',
  '  meaning: string;',
  '  /** row of Table E.3.10-1 (1-based) */',
  '  row: number;',
  '  /** the tag as published, upper-cased hex, x for the reserved block (and any masked group nibbles) */',
  '  tag: string;',
  '}',
  '',
  `export const SAFE_PRIVATE_SOURCE = { table: ${tsString('PS3.15 Table E.3.10-1')}, edition: ${tsString(safe.header.edition)}, sha256: ${tsString(safe.header.source.sha256)} } as const;`,
  '',
  'export const SAFE_PRIVATE: readonly SafePrivateAttribute[] = [',
  ...safeRows.map(
    (r) =>
      `  { group: ${r.group === null ? 'null' : `0x${hex(r.group, 4)}`}, elementLow: 0x${hex(r.elementLow, 2)}, ` +
      `creator: ${tsString(r.creator)}, vr: ${r.vr === null ? 'null' : tsString(r.vr)}, vm: ${tsString(r.vm)}, ` +
      `meaning: ${tsString(r.meaning)}, row: ${r.row}, tag: ${tsString(r.tag)} },`,
  ),
  '];',
  '',
].join('\n');

// ---------------------------------------------------------------- CID 7050
// Code → option name, checked against the code meaning and (where present) the reference's
// tableE11Column, so neither a renumbering nor a renaming slips through.
const CODE_OPTION = {
  113100: [null, 'Basic Application Confidentiality Profile'],
  113101: ['cleanPixelData', 'Clean Pixel Data Option'],
  113102: ['cleanRecognizableVisualFeatures', 'Clean Recognizable Visual Features Option'],
  113103: ['cleanGraphics', 'Clean Graphics Option'],
  113104: ['cleanStructuredContent', 'Clean Structured Content Option'],
  113105: ['cleanDescriptors', 'Clean Descriptors Option'],
  113106: ['retainLongFullDates', 'Retain Longitudinal Temporal Information Full Dates Option'],
  113107: ['retainLongModifiedDates', 'Retain Longitudinal Temporal Information Modified Dates Option'],
  113108: ['retainPatientCharacteristics', 'Retain Patient Characteristics Option'],
  113109: ['retainDeviceIdentity', 'Retain Device Identity Option'],
  113110: ['retainUIDs', 'Retain UIDs Option'],
  113111: ['retainSafePrivate', 'Retain Safe Private Option'],
  113112: ['retainInstitutionIdentity', 'Retain Institution Identity Option'],
};
const codeRows = codes.codes.map((c) => {
  const known = CODE_OPTION[c.codeValue];
  if (!known) fail(`CID 7050: unexpected code ${c.codeValue}`);
  const [option, meaning] = known;
  if (c.codeMeaning !== meaning) fail(`CID 7050 ${c.codeValue}: meaning "${c.codeMeaning}", expected "${meaning}"`);
  if (c.tableE11Column != null && c.tableE11Column !== option) fail(`CID 7050 ${c.codeValue}: column ${c.tableE11Column} vs ${option}`);
  if (option !== null && !OPTION_NAMES.includes(option)) fail(`CID 7050 ${c.codeValue}: ${option} is not in the schema's OptionName`);
  return {
    codeValue: c.codeValue,
    codingSchemeDesignator: c.codingSchemeDesignator,
    codeMeaning: c.codeMeaning,
    section: c.ps315Section,
    option,
    requirements: c.ps315AttributeRequirements ?? [],
  };
});
const covered = codeRows.map((c) => c.option).filter((o) => o !== null);
for (const o of OPTION_NAMES) if (covered.filter((x) => x === o).length !== 1) fail(`CID 7050: option ${o} is covered ${covered.filter((x) => x === o).length} times`);
if (codeRows.filter((c) => c.option === null).length !== 1) fail('CID 7050: expected exactly one code without an option (113100)');

const codesTs = [
  '// Generated by scripts/gen-profiles.mjs from ps3.16-deidentification-codes.json. Do not edit: run `npm run gen`.',
  `// Source: PS3.16 CID 7050 De-identification Method (coding scheme DCM); sections and requirements from`,
  `// ${codes.header.sectionSource.edition} (${codes.header.sectionSource.format}, sha256 ${codes.header.sectionSource.sha256}).`,
  '// option: the profile option the code stands for (null: 113100, the Basic Profile itself).',
  '',
  "import type { OptionName } from './profile.generated.js';",
  '',
  'export interface DeidentificationCode {',
  '  codeValue: string;',
  '  codingSchemeDesignator: string;',
  '  codeMeaning: string;',
  '  /** PS3.15 section defining the profile or option */',
  '  section: string;',
  '  option: OptionName | null;',
  '  /** sentences of that section requiring an attribute to be added or replaced, verbatim */',
  '  requirements: string[];',
  '}',
  '',
  'export const DEID_CODES: readonly DeidentificationCode[] = [',
  ...codeRows.map(
    (c) =>
      `  {\n    codeValue: ${tsString(c.codeValue)},\n    codingSchemeDesignator: ${tsString(c.codingSchemeDesignator)},\n` +
      `    codeMeaning: ${tsString(c.codeMeaning)},\n    section: ${tsString(c.section)},\n` +
      `    option: ${c.option === null ? 'null' : tsString(c.option)},\n` +
      `    requirements: [${c.requirements.map((r) => `\n      ${tsString(r)},`).join('')}${c.requirements.length ? '\n    ' : ''}],\n  },`,
  ),
  '];',
  '',
].join('\n');

// ---------------------------------------------------------------- write
const outputs = [
  ['profiles/basic.json', profileJson(basic)],
  ['profiles/identity.json', profileJson(identity)],
  ['src/profile/safe-private.generated.ts', safeTs],
  ['src/profile/deid-codes.generated.ts', codesTs],
];
for (const [rel, text] of outputs) {
  const p = path.join(outRoot, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  console.log(`wrote ${p}`);
}
console.log(`${rules.length} rules, ${safeRows.length} safe private attributes, ${codeRows.length} CID 7050 codes`);
