#!/usr/bin/env node
// Generates src/profile/iod-types.generated.ts: per SOP Class, the IOD of PS3.3 and, for every
// attribute of its modules, top-level or nested in sequence items (macros included where the
// extraction expands them), the attribute's Type (1, 1C, 2, 2C, 3); and, for
// conditional attributes whose condition is the presence of another attribute ("Required if
// Responsible Person is present…"), that attribute. The de-identification engine resolves the
// compound actions of PS3.15 Table E.1-1a (X/Z, Z/D, X/D, X/Z/D, X/Z/U*) from these Types.
//
// Source: the machine-readable PS3.3 IOD tables of TCIA's Posda tools as converted to JSON by
// posdaJS (https://github.com/vupeter/posdaJS, lib/json/iod/table_A.*.js, lib/json/mode/iod.js,
// lib/json/book/part04/table_B.5-1.js, and lib/json/book/part03/table_F.5-*.js for DICOMDIR records). Only the generated facts are committed, with the source
// commit recorded. Run: node scripts/gen-iod-types.mjs <posdaJS git dir> (a bare clone is enough).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repo = process.argv[2] ?? '/work/.mirror/vupeter+posdaJS/repo';
const git = (...args) =>
  execFileSync('git', ['--git-dir', repo.endsWith('.git') || repo.endsWith('repo') ? repo : `${repo}/.git`, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
const commit = git('rev-parse', 'HEAD').trim();
const commitDate = git('log', '-1', '--format=%cs').trim();
const show = (path) => git('show', `${commit}:${path}`);
/** The files are `var x = <JSON>;` scripts: the JSON is everything after the first `=`. */
const jsonOf = (text) =>
  JSON.parse(
    text
      .slice(text.indexOf('=') + 1)
      .trim()
      .replace(/;\s*$/, ''),
  );

const iodList = jsonOf(show('lib/json/mode/iod.js')).table; // [{ Title: 'CT Image IOD Modules', Name: 'A.3-1' }]
const sopClasses = jsonOf(show('lib/json/book/part04/table_B.5-1.js'))
  .filter((r) => r['SOP Class UID'])
  .map((r) => ({ name: r['SOP Class Name'].text.trim(), uid: r['SOP Class UID'].text.trim() }));

/** "Enhanced CT Image Storage" and "Enhanced CT Image IOD Modules" meet at "enhanced ct image". */
const norm = (s) =>
  s
    .toLowerCase()
    .replace(/\biod modules\b|\bstorage\b|\bsop class\b|- for (presentation|processing)|\(retired\)/g, ' ')
    .replace(/\bsecondary capture\b/g, 'sc')
    // B.5-1 spells out what the A-table titles abbreviate.
    .replace(/\bcomputed radiography\b/g, 'cr')
    .replace(/\bultrasound\b/g, 'us')
    .replace(/\bpositron emission tomography\b/g, 'pet')
    .replace(/\bnuclear medicine\b/g, 'nm')
    .replace(/\bx-ray radiofluoroscopic\b/g, 'xrf')
    .replace(/\boptical coherence tomography\b/g, 'oct')
    .replace(/\bcardiac electrophysiology\b/g, 'basic cardiac ep')
    .replace(/\bkey object selection\b(?! document)/g, 'key object selection document')
    .replace(/\bwaveform\b/g, ' ')
    .replace(/\bimage\b/g, ' ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

const TYPE_RANK = { 1: 5, '1C': 4, 2: 3, '2C': 2, 3: 1 };
const iods = {}; // IOD title → { tagHex: type }
const conditions = {}; // tagHex → tagHex whose presence it requires
const names = new Map(); // attribute name → tagHex
for (const { Title, Name } of iodList) {
  let data;
  try {
    data = jsonOf(show(`lib/json/iod/table_${Name.trim().replace('.-', '-')}.js`));
  } catch {
    continue; // listed, not converted
  }
  const attrs = {};
  for (const [path, a] of Object.entries(data.tags ?? {})) {
    // Top level "(0008,1110)"; nested "(0008,1110)[<0>](0008,1150)", written "00081110/00081150"
    // (the item index dropped: every item of a sequence has the same attributes).
    const steps = path.split(/\[<\d+>\]/);
    if (!steps.every((t) => /^\([0-9A-Fa-fx]{4},[0-9A-Fa-fx]{4}\)$/.test(t))) continue;
    if (steps.length > 1 && steps.some((t) => /x/i.test(t))) continue; // no repeating groups in items
    const hex = steps.map((t) => t.slice(1, 10).replace(',', '').toUpperCase().replace(/X/g, 'x')).join('/');
    let type = String(a.req ?? '').toUpperCase();
    if (!(type in TYPE_RANK)) continue;
    // A 2C attribute that "may be present otherwise" is valid present and empty whatever its
    // condition: recorded as 2 (what the engine needs to know to empty rather than remove it).
    if (type === '2C' && /may be present otherwise/i.test(JSON.stringify(a.desc ?? ''))) type = '2';
    if (steps.length === 1) names.set(a.name, hex);
    // Several modules of one IOD may hold an attribute: the strictest Type decides, and a module
    // the IOD requires (usage M) over one it may leave out (U, C): suffix "u" when none is M.
    const prev = attrs[hex];
    const prevType = prev?.replace(/u$/, '');
    const mandatory = a.usage === 'M' || (prev !== undefined && !prev.endsWith('u'));
    const best = !prevType || TYPE_RANK[type] > TYPE_RANK[prevType] ? type : prevType;
    attrs[hex] = mandatory ? best : `${best}u`;
    if (type.endsWith('C') && steps.length === 1) conditions[hex] ??= [a.name, JSON.stringify(a.desc ?? '')];
  }
  iods[Title.replace(/ IOD Modules$/, '')] = attrs;
}

// The Basic Directory IOD's record keys (PS3.3 F.5-1 to F.5-4): a DICOMDIR record is judged by
// its own keys' Types (a STUDY record's Study Date is Type 1 there, whatever the image IODs say).
const RECORD_TABLES = { PATIENT: 'F.5-1', STUDY: 'F.5-2', SERIES: 'F.5-3', IMAGE: 'F.5-4' };
for (const [record, table] of Object.entries(RECORD_TABLES)) {
  const attrs = {};
  for (const row of jsonOf(show(`lib/json/book/part03/table_${table}.js`))) {
    const tag = /^\(([0-9A-F]{4}),([0-9A-F]{4})\)$/.exec(row.Tag?.text?.trim() ?? '');
    const type = row.Type?.text?.trim().toUpperCase();
    if (tag && type in TYPE_RANK) attrs[`${tag[1]}${tag[2]}`] = type;
  }
  iods[`Directory Record ${record}`] = attrs;
}

// Nested attributes: most paths have one Type in every IOD that holds them (macros); those go to
// one shared table, and only the few whose Type differs by IOD stay in their IOD's table.
const nestedSeen = {}; // path → Type, or null when IODs disagree
for (const attrs of Object.values(iods)) {
  for (const [path, t] of Object.entries(attrs)) {
    if (!path.includes('/')) continue;
    const type = t.replace(/u$/, '');
    nestedSeen[path] = nestedSeen[path] === undefined || nestedSeen[path] === type ? type : null;
  }
}
const nested = {};
for (const [path, type] of Object.entries(nestedSeen)) if (type !== null) nested[path] = type;
for (const attrs of Object.values(iods)) {
  for (const [path, t] of Object.entries(attrs)) {
    if (path.includes('/')) {
      if (nested[path] !== undefined) delete attrs[path];
      else attrs[path] = t.replace(/u$/, '');
    }
  }
}

const requiresPresence = {};
for (const [hex, [, desc]] of Object.entries(conditions)) {
  const m = /Required if ([A-Z][A-Za-z0-9 '/-]+?)(?: \([0-9A-F]{4},[0-9A-F]{4}\))? is present/.exec(desc);
  const on = m && names.get(m[1].trim());
  if (on && on !== hex) requiresPresence[hex] = on;
}

const byNorm = new Map(Object.keys(iods).map((t) => [norm(t), t]));
const sopClassIod = {};
const unmatched = [];
for (const { name, uid } of sopClasses) {
  const iod = byNorm.get(norm(name));
  if (iod) sopClassIod[uid] = iod;
  else unmatched.push(name);
}

/** JSON as a JS string literal: single quotes, so the JSON's double quotes need no escaping. */
const jsonLiteral = (v) => {
  const json = JSON.stringify(v);
  return /['\\\n\u2028\u2029]/.test(json) ? JSON.stringify(json) : `'${json}'`;
};

const out = fileURLToPath(new URL('../src/profile/iod-types.generated.ts', import.meta.url));
const lines = [
  '// GENERATED by scripts/gen-iod-types.mjs: do not edit.',
  `// Source: PS3.3 IOD module tables as extracted by TCIA's Posda tools, in posdaJS's JSON`,
  `// (https://github.com/vupeter/posdaJS commit ${commit}, ${commitDate}). The extraction is of the`,
  `// "current" PS3.3 of its date and does not name the edition; newer IODs and attributes are absent,`,
  '// and the engine falls back to its type-free choice for them.',
  `// ${Object.keys(sopClassIod).length} SOP Classes matched to ${Object.keys(iods).length} IODs by name; ${unmatched.length} SOP Classes without an IOD table here.`,
  '',
  '/** Where these facts come from. */',
  `export const IOD_SOURCE = ${JSON.stringify({ extraction: 'TCIA Posda PS3.3 IOD tables (posdaJS JSON)', repository: 'https://github.com/vupeter/posdaJS', commit, date: commitDate, edition: 'unnamed: PS3.3 current as of the commit date' })} as const;`,
  '',
  '/** SOP Class UID → IOD name. */',
  `export const SOP_CLASS_IOD: Readonly<Record<string, string>> = ${JSON.stringify(sopClassIod, null, 1)};`,
  '',
  '/**',
  " * JSON text, parsed on first use (each IOD's table on its own): a run meets few IODs, and these",
  ' * tables as object literals cost every thread ~60 ms of parsing at start.',
  ' */',
  'function lazyTables(json: Record<string, string>): Readonly<Record<string, Readonly<Record<string, string>>>> {',
  '  const tables: Record<string, Readonly<Record<string, string>>> = {};',
  '  for (const [name, text] of Object.entries(json)) {',
  '    let value: Readonly<Record<string, string>> | undefined;',
  '    Object.defineProperty(tables, name, { enumerable: true, get: () => (value ??= Object.freeze(JSON.parse(text) as Record<string, string>)) });',
  '  }',
  '  return Object.freeze(tables);',
  '}',
  '',
  '/** IOD name → attribute → Type. Top level: 8 hex digits ("x" for repeating groups); inside sequences: the tags from the top joined by "/" ("00081110/00081150"). Suffix "u" (top level only): only in modules the IOD may leave out (U, C). Nested paths here are those whose Type differs by IOD; the others are in NESTED_ATTRIBUTE_TYPES. */',
  `export const IOD_ATTRIBUTE_TYPES: Readonly<Record<string, Readonly<Record<string, string>>>> = lazyTables({`,
  ...Object.entries(iods).map(([k, v]) => `  ${JSON.stringify(k)}: ${jsonLiteral(v)},`),
  '});',
  '',
  '/** Attributes inside sequences whose Type is the same in every IOD holding them: path ("00081110/00081150") → Type. */',
  `export const NESTED_ATTRIBUTE_TYPES: Readonly<Record<string, string>> = JSON.parse(${jsonLiteral(Object.fromEntries(Object.entries(nested).sort()))}) as Record<string, string>;`,
  '',
  '/** A conditional attribute → the attribute whose presence its condition is ("Required if X is present"). */',
  `export const REQUIRED_IF_PRESENT: Readonly<Record<string, string>> = ${JSON.stringify(requiresPresence, null, 1)};`,
  '',
];
writeFileSync(out, lines.join('\n'));
console.log(
  `wrote ${out}: ${Object.keys(iods).length} IODs, ${Object.keys(sopClassIod).length} SOP Classes (${unmatched.length} unmatched), ${Object.keys(nested).length} shared nested paths, ${Object.keys(requiresPresence).length} presence conditions`,
);
if (process.env.VERBOSE) console.log(unmatched.join('\n'));
