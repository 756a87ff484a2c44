import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { DEID_CODES } from '../src/profile/deid-codes.generated.js';
import { validateProfileFile } from '../src/profile/load.js';
import { SAFE_PRIVATE } from '../src/profile/safe-private.generated.js';
import { cleanEnv } from './helpers/child-env.js';
import { ROOT, fromRoot } from './helpers/root.js';

const REF = fromRoot('../shared/reference');
const haveRef = existsSync(join(REF, 'ps3.15-table-e1-1.json'));
const skipRef = haveRef ? false : `reference data not found at ${REF}: the comparisons with PS3.15 need it`;

const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8'));
const schema = readJson(join(ROOT, 'profiles/schema.json'));
const OPTION_NAMES: string[] = schema.definitions.OptionName.enum;
const basic = readJson(join(ROOT, 'profiles/basic.json'));

function node(script: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, script), ...args], { encoding: 'utf8', env: cleanEnv(), cwd: ROOT });
  return { status: r.status, stderr: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'anonflow-gen-'));
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));

t.test('gen-profile-types regenerated into a temp dir → byte-identical src/profile/profile.generated.ts', async (t) => {
  const r = node('scripts/gen-profile-types.mjs', '--out', tmp);
  t.equal(r.status, 0, r.stderr);
  const rel = 'src/profile/profile.generated.ts';
  t.ok(readFileSync(join(tmp, rel)).equals(readFileSync(join(ROOT, rel))), `${rel} is up to date (run npm run gen)`);
});

t.test('gen-profile-validator regenerated into a temp dir → byte-identical src/profile/profile-validator.generated.ts', async (t) => {
  const r = node('scripts/gen-profile-validator.mjs', '--out', tmp);
  t.equal(r.status, 0, r.stderr);
  const rel = 'src/profile/profile-validator.generated.ts';
  t.ok(readFileSync(join(tmp, rel)).equals(readFileSync(join(ROOT, rel))), `${rel} is up to date (run npm run gen)`);
});

t.test('precompiled schema validator and ajv → the same answer on every built-in profile and on broken ones', async (t) => {
  const { isSchemaValidProfile } = await import('../src/profile/profile-validator.generated.js');
  const { Ajv } = await import('ajv');
  const full = new Ajv({ allErrors: true, strict: true }).compile(schema);
  const docs: unknown[] = [
    basic,
    readJson(join(ROOT, 'profiles/identity.json')),
    { name: 'x' },
    { name: 'X' },
    {},
    [],
    null,
    { name: 'x', rules: [{ match: { keyword: 'PatientName' }, action: 'Q' }] },
    { name: 'x', options: ['nope'] },
    { name: 'x', extra: 1 },
  ];
  for (const [i, d] of docs.entries()) t.equal(isSchemaValidProfile(d), full(d), `document ${i}`);
});

t.test('gen-profiles regenerated into a temp dir → byte-identical profiles and generated tables', { skip: skipRef }, async (t) => {
  const r = node('scripts/gen-profiles.mjs', REF, '--out', tmp);
  t.equal(r.status, 0, r.stderr);
  for (const rel of ['profiles/basic.json', 'profiles/identity.json', 'src/profile/safe-private.generated.ts', 'src/profile/deid-codes.generated.ts']) {
    t.ok(readFileSync(join(tmp, rel)).equals(readFileSync(join(ROOT, rel))), `${rel} is up to date (run npm run gen)`);
  }
});

t.test('basic.json and identity.json → valid against the schema and the semantic checks', async (t) => {
  t.same(validateProfileFile(join(ROOT, 'profiles/basic.json')), []);
  t.same(validateProfileFile(join(ROOT, 'profiles/identity.json')), []);
  t.equal(basic.source.edition, '2026c');
  t.equal(basic.source.standard, 'DICOM PS3.15 Table E.1-1');
});

t.test("basic.json against Table E.1-1 → one rule per row, in order, with the row's match, action and option columns", { skip: skipRef }, async (t) => {
  const table = readJson(join(REF, 'ps3.15-table-e1-1.json'));
  const rows = table.attributes;
  t.equal(rows.length, 656);
  t.equal(basic.rules.length, rows.length, 'one rule per row');
  t.equal(basic.source.sha256, table.header.source.sha256);
  const mismatches: string[] = [];
  rows.forEach((row: any, i: number) => {
    const rule = basic.rules[i];
    const bad = (what: string) => mismatches.push(`row ${row.row}: ${what}`);
    if (rule.row !== row.row) bad(`rule.row ${rule.row}`);
    if (rule.name !== row.name) bad(`name ${rule.name}`);
    if (rule.action !== row.basic) bad(`action ${rule.action} vs ${row.basic}`);
    const want = Object.keys(row.options).length ? row.options : undefined;
    if (JSON.stringify(rule.options) !== JSON.stringify(want)) bad(`options ${JSON.stringify(rule.options)} vs ${JSON.stringify(want)}`);
    if (row.tagKind === 'exact') {
      if (rule.match.tag !== `(${row.tagHex.slice(0, 4)},${row.tagHex.slice(4)})`) bad(`tag ${rule.match.tag}`);
    } else if (row.tagKind === 'repeating-group') {
      // nibble by nibble: F → the value's digit, 0 → x
      const m = row.match;
      const nib = (mask: string, value: string) => [...mask].map((c, k) => (c === '0' ? 'x' : value[k])).join('');
      if (rule.match.mask !== `(${nib(m.groupMask, m.groupValue)},${nib(m.elementMask, m.elementValue)})`) bad(`mask ${rule.match.mask}`);
    } else if (row.tagKind === 'private') {
      if (rule.match.private !== 'all') bad(`private ${JSON.stringify(rule.match)}`);
    } else bad(`unknown tagKind ${row.tagKind}`);
    if (Object.keys(rule.match).length !== 1) bad('match has more than one selector');
  });
  t.same(mismatches, [], 'every row matches');
  t.same(
    basic.rules.filter((r: any) => r.match.mask).map((r: any) => r.match.mask),
    ['(50xx,xxxx)', '(60xx,4000)', '(60xx,3000)'],
  );
  t.same(basic.rules.find((r: any) => r.match.private).options, { retainSafePrivate: 'C' });
});

t.test('deid-codes → 113100 plus one code per option, all twelve options covered once', async (t) => {
  t.equal(DEID_CODES.length, 13);
  t.same(
    DEID_CODES.map((c) => c.codeValue),
    Array.from({ length: 13 }, (_, i) => String(113100 + i)),
  );
  t.ok(DEID_CODES.every((c) => c.codingSchemeDesignator === 'DCM'));
  t.equal(DEID_CODES[0].option, null, '113100 is the Basic Profile itself');
  const options = DEID_CODES.flatMap((c) => (c.option ? [c.option] : []));
  t.same([...options].sort(), [...OPTION_NAMES].sort(), 'every option exactly once');
  for (const c of DEID_CODES.slice(1)) t.match(c.codeMeaning, / Option$/, `${c.codeValue} names an option`);
  t.equal(DEID_CODES.find((c) => c.option === 'cleanPixelData')?.codeValue, '113101');
  t.equal(DEID_CODES.find((c) => c.option === 'retainInstitutionIdentity')?.codeValue, '113112');
});

t.test('deid-codes against CID 7050 → the table column, where given, is the option', { skip: skipRef }, async (t) => {
  const ref = readJson(join(REF, 'ps3.16-deidentification-codes.json'));
  for (const c of ref.codes) {
    const ours = DEID_CODES.find((d) => d.codeValue === c.codeValue);
    t.ok(ours, c.codeValue);
    t.equal(ours?.codeMeaning, c.codeMeaning);
    if (c.tableE11Column) t.equal(ours?.option, c.tableE11Column, `${c.codeValue} → ${c.tableE11Column}`);
    t.same(ours?.requirements, c.ps315AttributeRequirements ?? []);
  }
});

t.test('safe-private against Table E.3.10-1 → every row with group, low byte, creator, VR', { skip: skipRef }, async (t) => {
  const ref = readJson(join(REF, 'ps3.15-safe-private.json'));
  t.equal(SAFE_PRIVATE.length, ref.attributes.length);
  const mismatches: string[] = [];
  ref.attributes.forEach((a: any, i: number) => {
    const s = SAFE_PRIVATE[i];
    if (
      s.row !== a.row ||
      s.group !== parseInt(a.group, 16) ||
      s.elementLow !== parseInt(a.elementLow, 16) ||
      s.creator !== a.privateCreator ||
      s.vr !== a.vr ||
      s.vm !== a.vm ||
      s.meaning !== a.meaning
    ) {
      mismatches.push(`row ${a.row}`);
    }
  });
  t.same(mismatches, []);
  t.ok(
    SAFE_PRIVATE.every((s) => s.group === null || (s.group & 1) === 1),
    'all groups private (odd)',
  );
});
