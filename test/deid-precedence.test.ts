import t from 'tap';
import { CompiledRules, type Decision } from '../src/deid/rules.js';
import type { Action, EngineProfile, Rule } from '../src/deid/types.js';
import { tagOf } from '../src/dicom/tag.js';

const PRIVATE_TAG = tagOf(0x0019, 0x1010); // block 0x10 of group 0019
const PUBLIC_TAG = tagOf(0x0010, 0x0010);
const none = (): undefined => undefined;

const profile = (layers: Rule[][], options: EngineProfile['options'] = []): EngineProfile => ({
  name: 'test',
  layers: layers.map((rules, i) => ({ profile: `layer${i}`, rules })),
  options,
  defaults: { public: 'K', unknownPublic: 'X', private: 'X' },
  pseudonyms: { patientIdPrefix: 'ANON', dateShiftDays: { min: -10, max: -1 } },
  marks: true,
});

const decide = (p: EngineProfile, tag: number, vr: string, creator?: string, read: (t: number) => string | undefined = none): Decision =>
  new CompiledRules(p).decide({ tag, vr, creator }, read);

/** Selectors from most to least specific, each matching PRIVATE_TAG (VR LO, creator ACME). */
const SELECTORS: [string, Rule['match']][] = [
  ['tag', { tag: '(0019,1010)' }],
  ['private element', { private: { creator: 'ACME', element: '10' } }],
  ['mask', { mask: '(0019,xx10)' }],
  ['group', { group: '0019' }],
  ['all private', { private: 'all' }],
  ['VR', { vr: 'LO' }],
  ['otherwise', { otherwise: true }],
];
const CODES: Action[] = ['D', 'Z', 'C', 'U', 'K', 'X', { replace: 'r' }];

for (let i = 0; i < SELECTORS.length; i++) {
  for (let j = i + 1; j < SELECTORS.length; j++) {
    const [a, ma] = SELECTORS[i];
    const [b, mb] = SELECTORS[j];
    t.test(`selector ${a} against ${b} in one layer → ${a} wins, in either order`, async (t) => {
      const ra: Rule = { match: ma, action: CODES[i] };
      const rb: Rule = { match: mb, action: CODES[j] };
      t.same(decide(profile([[ra, rb]]), PRIVATE_TAG, 'LO', 'ACME').action, CODES[i]);
      t.same(decide(profile([[rb, ra]]), PRIVATE_TAG, 'LO', 'ACME').action, CODES[i]);
    });
    t.test(`derived layer's ${b} against base layer's ${a} → the derived layer wins`, async (t) => {
      const derived: Rule = { match: mb, action: CODES[j] };
      const base: Rule = { match: ma, action: CODES[i] };
      t.same(decide(profile([[derived], [base]]), PRIVATE_TAG, 'LO', 'ACME').action, CODES[j]);
    });
  }
}

t.test('private element rule with another creator → does not match; all-private rule does', async (t) => {
  const p = profile([
    [
      { match: { private: { creator: 'ACME', element: '10' } }, action: 'K' },
      { match: { private: 'all' }, action: 'X' },
    ],
  ]);
  t.equal(decide(p, PRIVATE_TAG, 'LO', 'OTHER VENDOR').action, 'X');
  t.equal(decide(p, PRIVATE_TAG, 'LO', undefined).action, 'X', 'an orphan private element (no creator) never matches a creator rule');
});

t.test('mask (60xx,4000) → matches overlay groups 6000-601E, not (6000,0010)', async (t) => {
  const p = profile([[{ match: { mask: '(60xx,4000)' }, action: 'X' }]]);
  t.equal(decide(p, tagOf(0x6000, 0x4000), 'LT').action, 'X');
  t.equal(decide(p, tagOf(0x601e, 0x4000), 'LT').action, 'X');
  t.equal(decide(p, tagOf(0x6000, 0x0010), 'US').action, 'K', 'Overlay Rows falls to the public default');
});

t.test('no rule → defaults: known public K, unknown public X, private X, stray structure X', async (t) => {
  const p = profile([[]]);
  t.equal(decide(p, PUBLIC_TAG, 'PN').action, 'K');
  t.equal(decide(p, tagOf(0x0011, 0x0010), 'LO').action, 'X', 'private creator');
  t.equal(decide(p, tagOf(0x0008, 0x0002), 'UN').action, 'X', 'a tag the dictionary does not know');
  t.equal(decide(p, tagOf(0x0019, 0x1010), 'UN').action, 'X');
  t.equal(decide(p, 0xfffee000, '').action, 'X');
});

t.test('option column with the option in effect → the option action; without it → the basic action', async (t) => {
  const rule: Rule = { match: { tag: '(0010,0010)' }, action: 'Z', options: { retainPatientCharacteristics: 'K' } };
  t.equal(decide(profile([[rule]]), PUBLIC_TAG, 'PN').action, 'Z');
  const d = decide(profile([[rule]], ['retainPatientCharacteristics']), PUBLIC_TAG, 'PN');
  t.equal(d.action, 'K');
  t.equal(d.option, 'retainPatientCharacteristics');
  t.match(d.origin, /option retainPatientCharacteristics/);
});

t.test('two options in effect on one row, C and K → C (the more protective) wins, either order', async (t) => {
  for (const options of [
    ['retainDeviceIdentity', 'cleanDescriptors'],
    ['cleanDescriptors', 'retainDeviceIdentity'],
  ] as const) {
    const rule: Rule = { match: { tag: '(0018,1000)' }, action: 'X', options: { retainDeviceIdentity: 'K', cleanDescriptors: 'C' } };
    t.equal(decide(profile([[rule]], [...options]), tagOf(0x0018, 0x1000), 'LO').action, 'C');
  }
});

t.test('explicit rule in a derived profile against an option of the base → the explicit rule wins', async (t) => {
  const base: Rule = { match: { tag: '(0010,0010)' }, action: 'Z', options: { retainPatientCharacteristics: 'K' } };
  const derived: Rule = { match: { vr: 'PN' }, action: { replace: 'NOBODY' } };
  t.same(decide(profile([[derived], [base]], ['retainPatientCharacteristics']), PUBLIC_TAG, 'PN').action, { replace: 'NOBODY' });
});

t.test('conditions → the first rule whose conditions hold wins; otherwise the next selector', async (t) => {
  const rules: Rule[] = [
    { match: { tag: '(0010,0010)' }, action: 'K', when: [{ attribute: 'Modality', equals: 'US' }] },
    { match: { tag: '(0010,0010)' }, action: 'D', when: [{ attribute: '(0008,0060)', in: ['CT', 'MR'] }] },
    { match: { vr: 'PN' }, action: 'X' },
  ];
  const read =
    (m: string) =>
    (tag: number): string | undefined =>
      tag === tagOf(0x0008, 0x0060) ? m : undefined;
  t.equal(decide(profile([rules]), PUBLIC_TAG, 'PN', undefined, read('US')).action, 'K');
  t.equal(decide(profile([rules]), PUBLIC_TAG, 'PN', undefined, read('MR')).action, 'D');
  t.equal(decide(profile([rules]), PUBLIC_TAG, 'PN', undefined, read('OT')).action, 'X');
  const presence: Rule[] = [{ match: { tag: '(0010,0010)' }, action: 'K', when: [{ attribute: 'BurnedInAnnotation', present: false }] }];
  t.equal(decide(profile([presence]), PUBLIC_TAG, 'PN').action, 'K');
  const matches: Rule[] = [{ match: { tag: '(0010,0010)' }, action: 'K', when: [{ attribute: 'Modality', matches: '^M' }] }];
  t.equal(decide(profile([matches]), PUBLIC_TAG, 'PN', undefined, read('MR')).action, 'K');
  t.equal(decide(profile([matches]), PUBLIC_TAG, 'PN', undefined, read('CT')).action, 'K', 'no match → public default K');
});

t.test('rule naming an unknown keyword → RuleError at compile time', async (t) => {
  t.throws(() => new CompiledRules(profile([[{ match: { keyword: 'NoSuchKeyword' }, action: 'X' }]])), /unknown attribute/);
  t.throws(() => new CompiledRules(profile([[{ match: { tag: '(0010,0010)' }, action: 'X', when: [{ attribute: 'Nope', present: true }] }]])), /unknown attribute/);
});

t.test('a rule with option columns decided twice, the first decision amended → the second is unchanged', async (t) => {
  const rules = new CompiledRules(profile([[{ match: { tag: '(0010,0010)' }, action: 'Z', options: { retainPatientCharacteristics: 'K' } }]], ['retainPatientCharacteristics']));
  const first = rules.decide({ tag: PUBLIC_TAG, vr: 'PN' }, none);
  first.action = 'X';
  first.origin += ' (amended)';
  t.same(rules.decide({ tag: PUBLIC_TAG, vr: 'PN' }, none), { action: 'K', origin: 'layer0#rules[0] option retainPatientCharacteristics', option: 'retainPatientCharacteristics' });
  const plain = new CompiledRules(profile([[{ match: { tag: '(0010,0010)' }, action: 'Z', options: { retainPatientCharacteristics: 'K' } }]]));
  t.same(plain.decide({ tag: PUBLIC_TAG, vr: 'PN' }, none), { action: 'Z', origin: 'layer0#rules[0]' }, 'no option in effect: the rule itself');
});
