import t from 'tap';
import { hmac } from '../src/pseudo/hmac.js';
import { isValidUID, isWellKnownUID, normalizeUID, pseudoUID } from '../src/pseudo/uid.js';

const K1 = Buffer.from('project-secret-one-0123456789');
const K2 = Buffer.from('project-secret-two-0123456789');
const SYNTAX = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;

t.test('hmac', async (t) => {
  t.equal(hmac(K1, 'uid', '1.2.3').length, 32, 'hmac gives 32 bytes (SHA-256)');
  t.same(hmac(K1, 'uid', '1.2.3'), hmac(K1, 'uid', '1.2.3'), 'hmac same key, domain and value → same bytes');
  t.notSame(hmac(K1, 'uid', '1.2.3'), hmac(K1, 'patient', '1.2.3'), 'hmac different domains never share outputs for one value');
  t.notSame(hmac(K1, 'ab', 'c'), hmac(K1, 'a', 'bc'), 'hmac domain/value boundary is unambiguous ("ab"+"c" ≠ "a"+"bc")');
  t.notSame(hmac(K1, 'uid', 'x'), hmac(K2, 'uid', 'x'), 'hmac different secrets differ');
  t.throws(() => hmac(K1, 'a\0b', 'x'), TypeError, 'hmac refuses a domain containing NUL');
});

t.test('pseudoUID', async (t) => {
  const u = '1.3.6.1.4.1.14519.5.2.1.7009.9004.230644014812350129473291218581';
  const a = pseudoUID(K1, u);
  for (let i = 0; i < 5; i++) t.equal(pseudoUID(K1, u), a, 'pseudoUID same secret and UID → same result in every call');
  t.match(a, /^2\.25\.[1-9][0-9]*$/, 'pseudoUID result is 2.25.<decimal>');
  t.ok(BigInt(a.slice(5)) < 2n ** 128n, 'pseudoUID decimal part is a 128-bit number');
  t.not(pseudoUID(K2, u), a, 'pseudoUID different secrets → different UID');
  t.not(pseudoUID(K1, u + '1'), a, 'pseudoUID different UIDs → different results');
  t.equal(pseudoUID(K1, u + '\0'), a, 'pseudoUID trailing NUL padding is stripped before hashing');
  t.equal(pseudoUID(K1, u + ' '), a, 'pseudoUID trailing space padding is stripped before hashing');
  t.equal(pseudoUID(K1, ' ' + u + ' \0'), a, 'pseudoUID surrounding whitespace is stripped before hashing');
  t.equal(pseudoUID(K1, ''), '', 'pseudoUID empty value stays empty');
  t.equal(pseudoUID(K1, '\0'), '', 'pseudoUID padding-only value becomes empty');
  t.ok(isValidUID(pseudoUID(K1, 'not a uid at all')), 'pseudoUID of a malformed original is still a valid UID');
  t.equal(hmac(K1, 'uid', u).subarray(0, 16).toString('hex'), BigInt(a.slice(5)).toString(16).padStart(32, '0'), 'pseudoUID decimal = first 16 bytes of HMAC(secret, "uid", uid)');
});

t.test('pseudoUID 10^5 distinct UIDs → no collision and all valid', async (t) => {
  const seen = new Set<string>();
  let bad = 0;
  let maxLen = 0;
  let badExample = '';
  for (let i = 0; i < 100_000; i++) {
    const v = pseudoUID(K1, `1.2.826.0.1.3680043.2.1125.${i}.${i % 7}`);
    seen.add(v);
    maxLen = Math.max(maxLen, v.length);
    if (!(SYNTAX.test(v) && v.length <= 64 && v.startsWith('2.25.'))) {
      bad++;
      badExample ||= v;
    }
  }
  t.equal(seen.size, 100_000, 'pseudoUID 10^5 distinct UIDs → 10^5 distinct results');
  t.equal(bad, 0, `pseudoUID every result matches the UID syntax, no leading zero components, ≤ 64 chars ${badExample}`);
  t.ok(maxLen <= 44, `pseudoUID longest result ${maxLen} ≤ 44 characters`);
});

t.test('isWellKnownUID', async (t) => {
  const known = [
    '1.2.840.10008.5.1.4.1.1.2', // CT Image Storage
    '1.2.840.10008.1.2.4.50', // JPEG Baseline
    '1.2.840.10008.1.2', // Implicit VR Little Endian
    '1.2.840.10008.2.16.4', // DCM coding scheme
    '1.2.840.10008.1.4.1.1', // Talairach frame of reference
    '1.2.840.10008.3.1.1.1', // application context
    '1.2.840.10008.1.2.1\0', // padded
  ];
  for (const u of known) {
    t.ok(isWellKnownUID(u), `isWellKnownUID ${JSON.stringify(u)} → true`);
    t.equal(pseudoUID(K1, u), normalizeUID(u), `pseudoUID leaves well-known ${JSON.stringify(u)} unchanged`);
  }
  for (const u of ['1.2.840.100081.2', '1.2.840.113619.2.55.3', '1.2.840.10008', '2.25.1234', '']) {
    t.notOk(isWellKnownUID(u), `isWellKnownUID ${JSON.stringify(u)} → false`);
  }
});

t.test('isValidUID', async (t) => {
  t.ok(isValidUID('1.2.3'), 'isValidUID 1.2.3');
  t.ok(isValidUID('0.0'), 'isValidUID single-zero components are allowed');
  t.notOk(isValidUID('1.02.3'), 'isValidUID leading zero component rejected');
  t.notOk(isValidUID('1..2'), 'isValidUID empty component rejected');
  t.notOk(isValidUID('1.2.'), 'isValidUID trailing dot rejected');
  t.notOk(isValidUID('1.' + '2'.repeat(63)), 'isValidUID over 64 characters rejected');
});
