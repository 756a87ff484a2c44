import t from 'tap';
import { hmac } from '../src/pseudo/hmac.js';
import { patientCode, pseudoPatientId, pseudoPatientName, pseudoValue } from '../src/pseudo/ids.js';

const K1 = Buffer.from('project-secret-one-0123456789');
const K2 = Buffer.from('project-secret-two-0123456789');

t.test('pseudoPatientId', async (t) => {
  const id = pseudoPatientId(K1, 'MRN-0012345');
  t.equal(pseudoPatientId(K1, 'MRN-0012345'), id, 'pseudoPatientId same secret and ID → same result in every call');
  t.match(id, /^ANON[0-9A-HJKMNP-TV-Z]{12}$/, 'pseudoPatientId is ANON + 12 Crockford base32 characters');
  t.ok(id.length <= 64, 'pseudoPatientId fits LO (64)');
  t.not(pseudoPatientId(K2, 'MRN-0012345'), id, 'pseudoPatientId different secrets → different IDs');
  t.equal(pseudoPatientId(K1, ' MRN-0012345 \0'), id, 'pseudoPatientId ignores LO padding (surrounding spaces, NUL)');
  t.match(pseudoPatientId(K1, 'MRN-0012345', 'STUDY7_'), /^STUDY7_[0-9A-Z]{12}$/, 'pseudoPatientId custom prefix');
  t.match(pseudoPatientId(K1, 'MRN-0012345', ''), /^[0-9A-Z]{12}$/, 'pseudoPatientId empty prefix → code alone');
  t.equal(pseudoPatientId(K1, ''), '', 'pseudoPatientId empty original stays empty (no shared pseudonym for ID-less files)');
  t.equal(pseudoPatientId(K1, '   '), '', 'pseudoPatientId blank original stays empty');
  t.throws(() => pseudoPatientId(K1, 'x', 'A^B'), { code: 'PREFIX_INVALID' }, 'pseudoPatientId refuses a prefix with ^');
  t.throws(() => pseudoPatientId(K1, 'x', 'A\\B'), { code: 'PREFIX_INVALID' }, 'pseudoPatientId refuses a prefix with backslash');
  t.throws(() => pseudoPatientId(K1, 'x', 'P'.repeat(17)), { code: 'PREFIX_INVALID' }, 'pseudoPatientId refuses a prefix over 16 characters');
  const seen = new Set<string>();
  for (let i = 0; i < 20_000; i++) seen.add(pseudoPatientId(K1, `P${i}`));
  t.equal(seen.size, 20_000, 'pseudoPatientId 2·10^4 patients → no collision');
});

t.test('pseudoPatientName', async (t) => {
  const id = pseudoPatientId(K1, 'MRN-0012345');
  const name = pseudoPatientName(K1, 'MRN-0012345');
  t.equal(name, `ANON^${id.slice(4)}`, 'pseudoPatientName is ANON^<same code as the ID>');
  t.equal(pseudoPatientName(K1, 'MRN-0012345'), name, 'pseudoPatientName same secret and ID → same result in every call');
  t.equal(name.split('^')[1], patientCode(K1, 'MRN-0012345'), 'pseudoPatientName given name is patientCode');
  t.match(name, /^[^\\=]{1,64}$/, 'pseudoPatientName is PN-valid (no backslash or =, ≤ 64)');
  t.equal(pseudoPatientName(K1, 'MRN-0012345', ''), pseudoPatientId(K1, 'MRN-0012345', ''), 'pseudoPatientName empty prefix → code alone, equal to the ID');
  t.equal(pseudoPatientName(K1, 'MRN-0012345', 'X'), `X^${id.slice(4)}`, 'pseudoPatientName custom prefix is the family name');
  t.equal(pseudoPatientName(K1, ''), '', 'pseudoPatientName empty patient ID → empty name');
  t.not(pseudoPatientName(K2, 'MRN-0012345'), name, 'pseudoPatientName different secrets → different names');
  t.notSame(hmac(K1, 'patient', 'MRN-0012345').subarray(0, 8), hmac(K1, 'uid', 'MRN-0012345').subarray(0, 8), 'patient codes and UIDs use separate HMAC domains');
});

t.test('pseudoValue', async (t) => {
  const v = pseudoValue(K1, 'AccessionNumber', 'ACC123', 16);
  t.match(v, /^[0-9a-f]{16}$/, 'pseudoValue default is 16 hex characters');
  t.equal(pseudoValue(K1, 'AccessionNumber', 'ACC123  ', 16), v, 'pseudoValue ignores trailing padding');
  t.equal(pseudoValue(K1, 'AccessionNumber', 'ACC123', 16), v, 'pseudoValue same secret, domain and value → same result in every call');
  t.not(pseudoValue(K1, 'StudyID', 'ACC123', 16), v, 'pseudoValue different domains → different results');
  t.not(pseudoValue(K2, 'AccessionNumber', 'ACC123', 16), v, 'pseudoValue different secrets → different results');
  t.equal(pseudoValue(K1, 'AccessionNumber', 'ACC123', 64, { length: 40 }).length, 40, 'pseudoValue length option');
  t.equal(pseudoValue(K1, 'AccessionNumber', 'ACC123', 64, { length: 16 }), v, 'pseudoValue shorter length is a prefix of a longer one');
  t.equal(pseudoValue(K1, 'AccessionNumber', 'ACC123', 16, { prefix: 'AC', length: 32 }), 'AC' + v.slice(0, 14), 'pseudoValue prefix + hex cut to maxLen');
  t.equal(pseudoValue(K1, 'AccessionNumber', '', 16), '', 'pseudoValue empty value stays empty');
  t.throws(() => pseudoValue(K1, 'd', 'x', 16, { prefix: 'ABCDEFGHIJ' }), { code: 'LENGTH_INVALID' }, 'pseudoValue fewer than 8 hex characters left → LENGTH_INVALID');
  t.throws(() => pseudoValue(K1, 'd', 'x', 64, { length: 7 }), { code: 'LENGTH_INVALID' }, 'pseudoValue length below 8 → LENGTH_INVALID');
  t.throws(() => pseudoValue(K1, 'd', 'x', 64, { length: 65 }), { code: 'LENGTH_INVALID' }, 'pseudoValue length above 64 → LENGTH_INVALID');
  t.not(pseudoValue(K1, 'uid', '1.2.3', 64, { length: 64 }), hmac(K1, 'uid', '1.2.3').toString('hex'), 'pseudoValue domain "uid" cannot reproduce pseudoUID hashes');
});
