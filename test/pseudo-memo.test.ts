import t from 'tap';
import { dateOffsetDays } from '../src/pseudo/dates.js';
import { hmac } from '../src/pseudo/hmac.js';
import { patientCode, pseudoPatientId, pseudoPatientName } from '../src/pseudo/ids.js';
import { memoized } from '../src/pseudo/memo.js';
import { pseudoUID } from '../src/pseudo/uid.js';

const K1 = Buffer.from('memo-secret-one-0123456789abcdef');
const K2 = Buffer.from('memo-secret-two-0123456789abcdef');

t.test('memoized same key, purpose and value → computed once; another key or purpose → computed again', async (t) => {
  let calls = 0;
  const f = (): number => ++calls;
  t.equal(memoized(K1, 'p', 'v', f), 1);
  t.equal(memoized(K1, 'p', 'v', f), 1, 'second call served from the table');
  t.equal(memoized(K2, 'p', 'v', f), 2, 'another key');
  t.equal(memoized(K1, 'q', 'v', f), 3, 'another purpose');
  t.equal(calls, 3);
  t.equal(
    memoized(K1, 'u', 'x', () => undefined),
    undefined,
  );
  t.equal(memoized(K1, 'u', 'x', f), undefined, 'an undefined result is remembered too');
});

t.test('memoized 10,000 values under one key → bounded table, every result still right', async (t) => {
  let wrong = 0;
  for (let round = 0; round < 2; round++) for (let i = 0; i < 10_000; i++) if (memoized(K1, 'bound', String(i), () => i * 2) !== i * 2) wrong++;
  t.equal(wrong, 0);
});

t.test('pseudonyms repeated → the HMAC-derived values of their definitions', async (t) => {
  const uid = '1.2.826.0.1.3680043.8.498.1';
  for (let i = 0; i < 3; i++) {
    t.equal(pseudoUID(K1, uid), '2.25.' + BigInt('0x' + hmac(K1, 'uid', uid).subarray(0, 16).toString('hex')).toString(10), 'pseudoUID');
    t.equal(dateOffsetDays(K1, ' PAT-1 ', { min: -100, max: -1 }), -100 + Number(hmac(K1, 'date-offset', 'PAT-1').readBigUInt64BE(0) % 100n), 'dateOffsetDays');
  }
  t.not(pseudoUID(K2, uid), pseudoUID(K1, uid), 'pseudoUID per key');
  t.equal(dateOffsetDays(K1, 'PAT-1', { min: 5, max: 5 }), 5, 'dateOffsetDays of another range from the same key and patient');
  const code = patientCode(K1, 'PAT-1');
  t.equal(patientCode(K1, 'PAT-1 \0'), code, 'patientCode normalised before the table');
  t.equal(pseudoPatientId(K1, 'PAT-1', 'P'), `P${code}`);
  t.equal(pseudoPatientName(K1, 'PAT-1', 'P'), `P^${code}`);
  t.not(patientCode(K2, 'PAT-1'), code, 'patientCode per key');
});
