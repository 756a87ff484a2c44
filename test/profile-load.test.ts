import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import t from 'tap';
import { builtinProfileDir, listBuiltinProfiles, loadProfile, ProfileError, validateProfileFile, type ProfileErrorCode } from '../src/profile/load.js';
import { displayPath } from '../src/profile/errors.js';
import { cleanEnv } from './helpers/child-env.js';
import { fromRoot } from './helpers/root.js';

const dir = mkdtempSync(join(tmpdir(), 'anonflow-profile-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** Writes a profile document (object, or raw text) to a fresh file and returns its path. */
function write(doc: unknown, name = `p${++n}.json`): string {
  const file = join(dir, name);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
  return file;
}
/** A profile with one rule. */
const oneRule = (rule: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ name: 'test', ...extra, rules: [rule] });

const codes = (errors: ProfileError[]) => errors.map((e) => `${e.code} ${e.jsonPath ?? '-'}`);

// ---------------------------------------------------------------- built-ins

t.test('builtinProfileDir → the repo profiles/ folder with schema.json', async (t) => {
  t.equal(builtinProfileDir(), fromRoot('profiles'));
  t.ok(existsSync(join(builtinProfileDir(), 'schema.json')));
});

t.test('listBuiltinProfiles → basic and identity with descriptions, sorted, schema.json not listed', async (t) => {
  const list = listBuiltinProfiles();
  const names = list.map((p) => p.name);
  t.ok(names.includes('basic') && names.includes('identity'), names.join(', '));
  t.notOk(names.includes('schema'));
  t.same(names, [...names].sort());
  for (const p of list) {
    t.type(p.description, 'string', `${p.name} has a description`);
    t.ok(existsSync(p.file), `${p.name} file exists`);
    t.same(validateProfileFile(p.file), [], `${p.name} is valid`);
  }
});

t.test('built-in basic loaded → 656 rules, fallback defaults, marks on, no options, one source', async (t) => {
  const p = loadProfile('basic');
  t.equal(p.name, 'basic');
  t.equal(p.layers.length, 1);
  t.equal(p.layers[0].rules.length, 656);
  t.same(p.options, []);
  t.same(p.defaults, { public: 'K', unknownPublic: 'X', private: 'X' });
  t.same(p.pseudonyms, { patientIdPrefix: 'ANON', dateShiftDays: { min: -3650, max: -1 } });
  t.equal(p.marks, true);
  t.equal(p.sources.length, 1);
  t.equal(p.sources[0].edition, '2026c');
});

t.test('built-in identity loaded → keeps everything, no marks, no rules', async (t) => {
  const p = loadProfile('identity');
  t.equal(p.marks, false);
  t.same(p.defaults, { public: 'K', unknownPublic: 'K', private: 'K' });
  t.same(
    p.layers.map((l) => l.rules.length),
    [0],
  );
});

// ---------------------------------------------------------------- invalid documents

interface Case {
  title: string;
  doc: unknown;
  code: ProfileErrorCode;
  jsonPath: string | undefined;
  message?: RegExp;
}
const CASES: Case[] = [
  {
    title: 'tag without four hex digits',
    doc: oneRule({ match: { tag: '(0010,001)' }, action: 'X' }),
    code: 'PROFILE_INVALID',
    jsonPath: '/rules/0/match/tag',
    message: /must match pattern/,
  },
  {
    title: 'keyword not in the dictionary',
    doc: oneRule({ match: { keyword: 'PatientsName' }, action: 'X' }),
    code: 'PROFILE_INVALID',
    jsonPath: '/rules/0/match/keyword',
    message: /unknown keyword "PatientsName"/,
  },
  {
    title: 'keyword in the wrong case',
    doc: oneRule({ match: { keyword: 'patientname' }, action: 'X' }),
    code: 'PROFILE_INVALID',
    jsonPath: '/rules/0/match/keyword',
    message: /did you mean "PatientName"/,
  },
  {
    title: 'keyword of a repeating attribute',
    doc: oneRule({ match: { keyword: 'OverlayData' }, action: 'X' }),
    code: 'PROFILE_INVALID',
    jsonPath: '/rules/0/match/keyword',
    message: /\(60xx,3000\)/,
  },
  {
    title: 'condition on an unknown keyword',
    doc: oneRule({ match: { tag: '(0010,0010)' }, action: 'X', when: [{ attribute: 'Modalty', equals: 'CT' }] }),
    code: 'PROFILE_INVALID',
    jsonPath: '/rules/0/when/0/attribute',
  },
  {
    title: 'condition attribute neither keyword nor tag',
    doc: oneRule({ match: { tag: '(0010,0010)' }, action: 'X', when: [{ attribute: '0008,0060', present: true }] }),
    code: 'PROFILE_INVALID',
    jsonPath: '/rules/0/when/0/attribute',
  },
  {
    title: 'condition with an invalid regex',
    doc: oneRule({ match: { tag: '(0010,0010)' }, action: 'X', when: [{ attribute: '(0008,0060)', matches: '([' }] }),
    code: 'PROFILE_INVALID',
    jsonPath: '/rules/0/when/0/matches',
    message: /not a valid regular expression/,
  },
  {
    title: 'condition without a test',
    doc: oneRule({ match: { tag: '(0010,0010)' }, action: 'X', when: [{ attribute: 'Modality' }] }),
    code: 'PROFILE_INVALID',
    jsonPath: '/rules/0/when/0',
  },
  { title: 'set on a mask', doc: oneRule({ match: { mask: '(60xx,3000)' }, action: { set: 'x' } }), code: 'PROFILE_INVALID', jsonPath: '/rules/0/action', message: /"set"/ },
  {
    title: 'set in an option column on a group',
    doc: oneRule({ match: { group: '0019' }, action: 'X', options: { cleanDescriptors: { set: 'x' } } }),
    code: 'PROFILE_INVALID',
    jsonPath: '/rules/0/options/cleanDescriptors',
  },
  { title: 'vr that is not a VR', doc: oneRule({ match: { vr: 'XX' }, action: 'X' }), code: 'PROFILE_INVALID', jsonPath: '/rules/0/match/vr', message: /not a VR/ },
  {
    title: 'two selectors in one match',
    doc: oneRule({ match: { tag: '(0010,0010)', keyword: 'PatientName' }, action: 'X' }),
    code: 'PROFILE_INVALID',
    jsonPath: '/rules/0/match',
    message: /exactly one selector/,
  },
  { title: 'empty match', doc: oneRule({ match: {}, action: 'X' }), code: 'PROFILE_INVALID', jsonPath: '/rules/0/match', message: /has none/ },
  {
    title: 'unknown action code',
    doc: oneRule({ match: { tag: '(0010,0010)' }, action: 'Q' }),
    code: 'PROFILE_INVALID',
    jsonPath: '/rules/0/action',
    message: /must be one of D, Z, X, K, C, U/,
  },
  {
    title: 'action object of no known kind',
    doc: oneRule({ match: { tag: '(0010,0010)' }, action: { keep: true } }),
    code: 'PROFILE_INVALID',
    jsonPath: '/rules/0/action',
    message: /\{"replace": …\}, \{"set": …\}/,
  },
  {
    title: 'replace with a number',
    doc: oneRule({ match: { tag: '(0010,0010)' }, action: { replace: 3 } }),
    code: 'PROFILE_INVALID',
    jsonPath: '/rules/0/action/replace',
    message: /must be string/,
  },
  {
    title: 'hash length below 8',
    doc: oneRule({ match: { tag: '(0010,0010)' }, action: { hash: { length: 3 } } }),
    code: 'PROFILE_INVALID',
    jsonPath: '/rules/0/action/hash/length',
  },
  {
    title: 'two action kinds in one object',
    doc: oneRule({ match: { tag: '(0010,0010)' }, action: { replace: 'a', set: 'b' } }),
    code: 'PROFILE_INVALID',
    jsonPath: '/rules/0/action',
    message: /exactly one of/,
  },
  {
    title: 'private that is neither "all" nor an element',
    doc: oneRule({ match: { private: 'some' }, action: 'X' }),
    code: 'PROFILE_INVALID',
    jsonPath: '/rules/0/match/private',
    message: /must be "all"/,
  },
  {
    title: 'private element with an even group',
    doc: oneRule({ match: { private: { creator: 'ACME', element: '10', group: '0018' } }, action: 'X' }),
    code: 'PROFILE_INVALID',
    jsonPath: '/rules/0/match/private/group',
  },
  {
    title: 'unknown option column',
    doc: oneRule({ match: { tag: '(0010,0010)' }, action: 'X', options: { cleanFoo: 'K' } }),
    code: 'PROFILE_INVALID',
    jsonPath: '/rules/0/options',
    message: /unknown key "cleanFoo"/,
  },
  {
    title: 'unknown rule property',
    doc: oneRule({ match: { tag: '(0010,0010)' }, action: 'X', actoin: 'K' }),
    code: 'PROFILE_INVALID',
    jsonPath: '/rules/0',
    message: /unknown property "actoin"/,
  },
  { title: 'unknown option in options', doc: { name: 'test', options: ['cleanEverything'] }, code: 'PROFILE_INVALID', jsonPath: '/options/0' },
  { title: 'no name', doc: { rules: [] }, code: 'PROFILE_INVALID', jsonPath: '', message: /required property 'name'/ },
  { title: 'name with capitals', doc: { name: 'My Profile' }, code: 'PROFILE_INVALID', jsonPath: '/name' },
  { title: 'default that is not an action code', doc: { name: 'test', defaults: { private: 'KEEP' } }, code: 'PROFILE_INVALID', jsonPath: '/defaults/private' },
  {
    title: 'dateShiftDays with min > max',
    doc: { name: 'test', pseudonyms: { dateShiftDays: { min: 5, max: -5 } } },
    code: 'PROFILE_INVALID',
    jsonPath: '/pseudonyms/dateShiftDays',
    message: /min \(5\)/,
  },
  {
    title: 'both longitudinal date options',
    doc: { name: 'test', options: ['retainLongFullDates', 'retainLongModifiedDates'] },
    code: 'PROFILE_CONFLICT',
    jsonPath: '/options',
    message: /alternatives/,
  },
  { title: 'extends as a number', doc: { name: 'test', extends: 3 }, code: 'PROFILE_INVALID', jsonPath: '/extends', message: /must be a string or an array of strings/ },
  { title: 'extends a missing built-in', doc: { name: 'test', extends: ['nope'] }, code: 'PROFILE_NOT_FOUND', jsonPath: '/extends/0', message: /no built-in profile "nope"/ },
  { title: 'extends a missing file', doc: { name: 'test', extends: './missing.json' }, code: 'PROFILE_NOT_FOUND', jsonPath: '/extends', message: /not found/ },
  { title: 'text that is not JSON', doc: '{"name": "test",', code: 'PROFILE_INVALID', jsonPath: undefined, message: /not valid JSON/ },
];

for (const c of CASES) {
  t.test(`profile with ${c.title} → ${c.code} at ${c.jsonPath === undefined ? 'the file' : c.jsonPath || '/'}`, async (t) => {
    const file = write(c.doc);
    const errors = validateProfileFile(file);
    t.same(codes(errors), [`${c.code} ${c.jsonPath ?? '-'}`], 'exactly one error, with code and JSON path');
    const e = errors[0];
    if (!e) return;
    t.equal(e.file, file);
    t.ok(e.message.startsWith(`${displayPath(file)}: `), 'the message starts with the file');
    if (c.jsonPath) t.match(e.message, `: ${c.jsonPath} `, 'the message names the JSON path');
    if (c.message) t.match(e.message, c.message);
    t.throws(() => loadProfile(file), { code: c.code }, 'loadProfile throws it');
  });
}

t.test('profile with several problems → every one reported, loadProfile names the count', async (t) => {
  const file = write({
    name: 'Bad',
    options: ['retainLongFullDates', 'retainLongModifiedDates'],
    rules: [
      { match: { tag: '(10,10)' }, action: 'X' },
      { match: { keyword: 'NoSuchKeyword' }, action: 'Q' },
    ],
  });
  const errors = validateProfileFile(file);
  t.same(codes(errors).sort(), [
    'PROFILE_CONFLICT /options',
    'PROFILE_INVALID /name',
    'PROFILE_INVALID /rules/0/match/tag',
    'PROFILE_INVALID /rules/1/action',
    'PROFILE_INVALID /rules/1/match/keyword',
  ]);
  t.throws(() => loadProfile(file), { name: 'ProfileError', message: /and 4 more errors/ });
});

t.test('valid set, tag condition and keyword condition → no errors', async (t) => {
  const file = write({
    name: 'ok',
    rules: [
      { match: { keyword: 'PatientName' }, action: { set: 'ANON' }, when: [{ attribute: '(0008,0060)', in: ['CT', 'MR'] }] },
      { match: { tag: '(0010,0020)' }, action: 'X', options: { retainPatientCharacteristics: { set: 'x' } }, when: [{ attribute: 'Modality', matches: '^C' }] },
      { match: { vr: 'PN' }, action: 'Z' },
    ],
  });
  t.same(validateProfileFile(file), []);
});

t.test('missing profile file or built-in name → PROFILE_NOT_FOUND', async (t) => {
  t.throws(() => loadProfile(join(dir, 'nothing-here.json')), { code: 'PROFILE_NOT_FOUND' });
  t.throws(() => loadProfile('no-such-builtin'), { code: 'PROFILE_NOT_FOUND', message: /built-ins: .*basic/ });
  t.same(codes(validateProfileFile(join(dir, 'nothing-here.json'))), ['PROFILE_NOT_FOUND -']);
});

t.test('ProfileError toJSON → code, message, file, jsonPath', async (t) => {
  const file = write(oneRule({ match: { tag: 'x' }, action: 'X' }));
  const [e] = validateProfileFile(file);
  t.same(JSON.parse(JSON.stringify(e)), { code: 'PROFILE_INVALID', message: e.message, file, jsonPath: '/rules/0/match/tag' });
});

// ---------------------------------------------------------------- extends

t.test('extends chain → layers most derived first, depth-first in extends order', async (t) => {
  const sub = join(dir, 'chain1');
  write({ name: 'd', rules: [{ match: { tag: '(0010,0040)' }, action: 'X' }] }, 'chain1/d.json');
  write({ name: 'b', extends: './d.json', rules: [] }, 'chain1/b.json');
  write({ name: 'c', rules: [] }, 'chain1/c.json');
  const a = write({ name: 'a', extends: ['b.json', 'c.json'], rules: [] }, 'chain1/a.json');
  const p = loadProfile(a);
  t.same(
    p.layers.map((l) => l.profile),
    ['a', 'b', 'd', 'c'],
  );
  t.same(
    p.layers.map((l) => l.file),
    ['a', 'b', 'd', 'c'].map((x) => join(sub, `${x}.json`)),
    'relative extends resolve against the extending file',
  );
  t.same(p.layers[2].rules, [{ match: { tag: '(0010,0040)' }, action: 'X' }]);
});

t.test('diamond extends → the shared base once, behind everything that extends it', async (t) => {
  write({ name: 'b', extends: 'basic' }, 'chain2/b.json');
  write({ name: 'c', extends: 'basic' }, 'chain2/c.json');
  const a = write({ name: 'a', extends: ['./b.json', './c.json'] }, 'chain2/a.json');
  const p = loadProfile(a);
  t.same(
    p.layers.map((l) => l.profile),
    ['a', 'b', 'c', 'basic'],
  );
  t.equal(p.layers[3].rules.length, 656);
  t.equal(p.sources.length, 1, "basic's source, once");
});

t.test('extends chain merged → options united, defaults/pseudonyms/marks per key from the most derived', async (t) => {
  write(
    {
      name: 'base',
      options: ['cleanDescriptors'],
      marks: false,
      defaults: { public: 'D', private: 'K' },
      pseudonyms: { patientIdPrefix: 'BASE', dateShiftDays: { min: -10, max: -5 } },
    },
    'chain3/base.json',
  );
  write({ name: 'mid', extends: './base.json', options: ['retainUIDs'], defaults: { public: 'X' } }, 'chain3/mid.json');
  const top = write({ name: 'top', description: 'top profile', extends: './mid.json', options: ['cleanGraphics'], pseudonyms: { patientIdPrefix: 'TOP' } }, 'chain3/top.json');
  const p = loadProfile(top, { extraOptions: ['retainSafePrivate'] });
  t.equal(p.name, 'top');
  t.equal(p.description, 'top profile');
  t.same(p.options, ['cleanGraphics', 'cleanDescriptors', 'retainUIDs', 'retainSafePrivate'], "union, in the schema's order");
  t.same(p.defaults, { public: 'X', unknownPublic: 'X', private: 'K' });
  t.same(p.pseudonyms, { patientIdPrefix: 'TOP', dateShiftDays: { min: -10, max: -5 } });
  t.equal(p.marks, false);
  const fresh = loadProfile(write({ name: 'plain' }));
  t.equal(fresh.marks, true, 'marks fall back to true');
  t.same(
    fresh.layers.map((l) => l.rules),
    [[]],
    'no rules → an empty layer',
  );
});

t.test('extends cycle → PROFILE_CYCLE naming the chain', async (t) => {
  write({ name: 'x', extends: './y.json' }, 'cycle/x.json');
  write({ name: 'y', extends: ['basic', './x.json'] }, 'cycle/y.json');
  const x = join(dir, 'cycle/x.json');
  const errors = validateProfileFile(x);
  t.same(codes(errors), ['PROFILE_CYCLE /extends/1']);
  t.match(errors[0].message, /x\.json → .*y\.json → .*x\.json/);
  t.throws(() => loadProfile(x), { code: 'PROFILE_CYCLE' });
  const self = write({ name: 'self', extends: './self.json' }, 'cycle/self.json');
  t.same(codes(validateProfileFile(self)), ['PROFILE_CYCLE /extends']);
});

t.test('exclusive options from two profiles of a chain → PROFILE_CONFLICT', async (t) => {
  write({ name: 'full', options: ['retainLongFullDates'] }, 'conflict/full.json');
  const top = write({ name: 'top', extends: './full.json', options: ['retainLongModifiedDates'] }, 'conflict/top.json');
  t.same(codes(validateProfileFile(top)), ['PROFILE_CONFLICT /options']);
  t.throws(() => loadProfile(top), { code: 'PROFILE_CONFLICT', message: /full\.json/ });
});

t.test("extraOptions against the profile's options → PROFILE_CONFLICT; unknown extra option → PROFILE_INVALID", async (t) => {
  const file = write({ name: 'full', options: ['retainLongFullDates'] });
  t.throws(() => loadProfile(file, { extraOptions: ['retainLongModifiedDates'] }), { code: 'PROFILE_CONFLICT', message: /extraOptions/ });
  t.throws(() => loadProfile('basic', { extraOptions: ['retainLongFullDates', 'retainLongModifiedDates'] }), { code: 'PROFILE_CONFLICT' });
  t.throws(() => loadProfile('basic', { extraOptions: ['cleanAll' as never] }), { code: 'PROFILE_INVALID', message: /unknown option "cleanAll"/ });
  t.same(loadProfile('basic', { extraOptions: ['retainLongModifiedDates'] }).options, ['retainLongModifiedDates']);
});

t.test('an invalid profile further down the chain → its own file and path reported', async (t) => {
  const bad = write(oneRule({ match: { tag: '(0010,0010)' }, action: 'nope' }), 'deep/bad.json');
  const top = write({ name: 'top', extends: './bad.json' }, 'deep/top.json');
  const errors = validateProfileFile(top);
  t.same(codes(errors), ['PROFILE_INVALID /rules/0/action']);
  t.equal(errors[0].file, bad);
});

// ---------------------------------------------------------------- CLI

const BIN = fromRoot('bin/anon');
const built = existsSync(fromRoot('dist/src/cli/commands/profile.js'));
const skip = built ? false : 'dist/ not built (no dist/src/cli/commands/profile.js): run npm run build (npm test does)';
function anon(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: cleanEnv(), cwd: dir });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

t.test('anon profile validate on an invalid file → exit 2, every error with its JSON path', { skip }, async (t) => {
  write({ name: 'Bad', rules: [{ match: { tag: '(0010,001)' }, action: 'X' }] }, 'cli-bad.json');
  const r = anon('profile', 'validate', 'cli-bad.json');
  t.equal(r.status, 2, r.stderr);
  t.match(r.stderr, 'cli-bad.json: /name must match pattern');
  t.match(r.stderr, 'cli-bad.json: /rules/0/match/tag must match pattern');
  t.match(r.stderr, /anon: cli-bad\.json: 2 errors/);
});

t.test('anon profile validate on a valid file → "FILE: valid", exit 0', { skip }, async (t) => {
  write({ name: 'good', extends: 'basic', options: ['retainUIDs'] }, 'cli-good.json');
  const r = anon('profile', 'validate', 'cli-good.json');
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout.trim(), 'cli-good.json: valid');
});

t.test('anon profile list → every built-in with its description', { skip }, async (t) => {
  const r = anon('profile', 'list');
  t.equal(r.status, 0, r.stderr);
  for (const p of listBuiltinProfiles()) t.match(r.stdout, new RegExp(`^${p.name}\\s+\\S`, 'm'));
});

t.test('anon profile show → the JSON; --resolved → the merged form; a missing profile → exit 2', { skip }, async (t) => {
  const plain = anon('profile', 'show', 'identity');
  t.equal(plain.status, 0, plain.stderr);
  t.equal(JSON.parse(plain.stdout).name, 'identity');
  const resolved = anon('profile', 'show', 'basic', '--resolved');
  t.equal(resolved.status, 0, resolved.stderr);
  const r = JSON.parse(resolved.stdout);
  t.equal(r.layers[0].rules.length, 656);
  t.same(r.defaults, { public: 'K', unknownPublic: 'X', private: 'X' });
  const missing = anon('profile', 'show', 'no-such-profile');
  t.equal(missing.status, 2);
  t.match(missing.stderr, /PROFILE_NOT_FOUND/);
});
