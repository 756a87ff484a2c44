// anon verify's text check: the engine's detectors, read-only, over kept text values.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { buildDicom } from '../fixtures/build.js';
import { verifyPairs } from '../src/verify/index.js';

const file = (name: string, description: string, id = 'ANON-7'): Buffer =>
  buildDicom({
    sopInstanceUID: '2.25.71',
    elements: [
      { tag: 0x00080016, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' },
      { tag: 0x00080018, vr: 'UI', value: '2.25.71' },
      { tag: 0x00081030, vr: 'LO', value: description },
      { tag: 0x00100010, vr: 'PN', value: name },
      { tag: 0x00100020, vr: 'LO', value: id },
    ],
  });

t.test('verify with a kept description naming the patient → TEXT_IDENTIFIER warning with place and label, never the text', async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'anonflow-vtext-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  writeFileSync(join(d, 'in.dcm'), file('Doe^John A.', 'John Doe follow-up', 'TX-1'));
  writeFileSync(join(d, 'leaky.dcm'), file('ANON^1', 'John Doe follow-up'));
  writeFileSync(join(d, 'clean.dcm'), file('ANON^1', 'follow-up'));
  const opts = { pairing: 'content' as const, profile: 'basic', dciodvfy: false as const };
  const leaky = await verifyPairs([{ input: join(d, 'in.dcm'), output: join(d, 'leaky.dcm') }], opts);
  const found = leaky.findings.filter((f) => f.code === 'TEXT_IDENTIFIER');
  t.equal(found.length, 1, 'one finding for the description');
  t.equal(found[0]?.severity, 'warning', 'a warning: a detector guesses');
  t.equal(found[0]?.path, '(0008,1030)');
  t.match(found[0]?.message, /PERSON/, 'names the label');
  t.notMatch(found[0]?.message, /John|Doe/, 'never the text itself');
  const clean = await verifyPairs([{ input: join(d, 'in.dcm'), output: join(d, 'clean.dcm') }], opts);
  t.equal(clean.findings.filter((f) => f.code === 'TEXT_IDENTIFIER').length, 0, 'clinical words alone → no finding');
});
