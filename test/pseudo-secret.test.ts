import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { PseudoError } from '../src/pseudo/errors.js';
import { loadSecret, userSecretPath } from '../src/pseudo/secret.js';

const temp = (t: Test): string => {
  const d = mkdtempSync(join(tmpdir(), 'anonflow-secret-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
};
const posix = process.platform !== 'win32';
const mode = (p: string): number => statSync(p).mode & 0o777;

t.test('--secret-file', async (t) => {
  const d = temp(t);
  const f = join(d, 'key');
  writeFileSync(f, 'abcdefghijklmnopqrstuvwxyz\r\n');
  const s = loadSecret({ secretFile: f, env: { ANON_SECRET: 'env-secret-0123456789' }, home: d });
  t.equal(s.source, 'file', 'loadSecret --secret-file takes precedence over ANON_SECRET and the user secret');
  t.equal(s.key.toString(), 'abcdefghijklmnopqrstuvwxyz', 'loadSecret --secret-file key is the file bytes less the trailing CRLF');
  t.equal(s.path, f, 'loadSecret --secret-file reports its path');

  const bin = join(d, 'bin');
  const bytes = Buffer.from([0, 1, 2, 0xff, 0x0a, 0x20, 3, 4, 5, 6, 7, 8, 9, 0x0d, 11, 12, 14, 0x0d, 0x0a]);
  writeFileSync(bin, bytes);
  t.same(loadSecret({ secretFile: bin, env: {} }).key, bytes.subarray(0, 17), 'loadSecret --secret-file binary bytes kept exactly (only trailing CR/LF removed)');

  const empty = join(d, 'empty');
  writeFileSync(empty, '\n');
  t.throws(() => loadSecret({ secretFile: empty, env: {} }), { code: 'SECRET_WEAK', file: empty }, 'loadSecret empty secret file → SECRET_WEAK');
  const short = join(d, 'short');
  writeFileSync(short, '0123456789abcde\n');
  t.throws(() => loadSecret({ secretFile: short, env: {} }), { code: 'SECRET_WEAK' }, 'loadSecret 15-byte secret file → SECRET_WEAK');
  writeFileSync(short, '0123456789abcdef\n');
  t.equal(loadSecret({ secretFile: short, env: {} }).key.length, 16, 'loadSecret 16-byte secret file accepted');
  const err = (() => {
    try {
      loadSecret({ secretFile: join(d, 'nope'), env: { ANON_SECRET: 'env-secret-0123456789' } });
    } catch (e) {
      return e;
    }
  })();
  t.ok(err instanceof PseudoError && err.code === 'SECRET_MISSING', 'loadSecret missing --secret-file → SECRET_MISSING, no fall-back to ANON_SECRET');
  t.same((err as PseudoError).toJSON().code, 'SECRET_MISSING', 'PseudoError serialises with its code');

  if (posix) {
    chmodSync(f, 0o644);
    const w = loadSecret({ secretFile: f, env: {} });
    t.equal(w.warnings.length, 1, 'loadSecret secret file with mode 0644 → one warning');
    t.match(w.warnings[0], /0644/, 'loadSecret warning names the mode');
    chmodSync(f, 0o600);
    t.same(loadSecret({ secretFile: f, env: {} }).warnings, [], 'loadSecret secret file with mode 0600 → no warning');
  }
});

t.test('ANON_SECRET', async (t) => {
  const d = temp(t);
  const s = loadSecret({ env: { ANON_SECRET: 'ünïcode-secret-0123' }, home: d });
  t.equal(s.source, 'env', 'loadSecret ANON_SECRET takes precedence over the per-user secret');
  t.same(s.key, Buffer.from('ünïcode-secret-0123', 'utf8'), 'loadSecret ANON_SECRET key is its UTF-8 bytes');
  t.throws(() => statSync(userSecretPath(d)), 'loadSecret ANON_SECRET does not create a per-user secret');
  t.throws(() => loadSecret({ env: { ANON_SECRET: 'short' }, home: d }), { code: 'SECRET_WEAK' }, 'loadSecret short ANON_SECRET → SECRET_WEAK');
  t.throws(() => loadSecret({ env: { ANON_SECRET: '' }, home: d }), { code: 'SECRET_WEAK' }, 'loadSecret empty ANON_SECRET → SECRET_WEAK (no silent fall-back)');
});

t.test('per-user secret', async (t) => {
  const home = temp(t);
  const p = userSecretPath(home);
  t.equal(p, join(home, '.config', 'anonflow', 'secret'), 'userSecretPath is <home>/.config/anonflow/secret');
  const a = loadSecret({ env: {}, home });
  t.equal(a.source, 'created', 'loadSecret no file and no env → creates the per-user secret');
  t.match(readFileSync(p, 'utf8'), /^[0-9a-f]{64}\n$/, 'loadSecret created secret is 32 random bytes in hex');
  t.equal(a.key.toString(), readFileSync(p, 'utf8').trim(), 'loadSecret created key is the file text (same as --secret-file of it)');
  if (posix) {
    t.equal(mode(p), 0o600, 'loadSecret created secret file has mode 0600');
    t.equal(mode(join(home, '.config', 'anonflow')), 0o700, 'loadSecret created secret folder has mode 0700');
  }
  t.same(a.warnings, [], 'loadSecret created secret → no warnings');
  const b = loadSecret({ env: {}, home });
  t.equal(b.source, 'user', 'loadSecret second call reads the existing per-user secret');
  t.same(b.key, a.key, 'loadSecret per-user secret is stable across calls');
  t.same(loadSecret({ secretFile: p, env: {} }).key, a.key, 'loadSecret --secret-file of the user secret gives the same key');
  t.same(loadSecret({ env: { HOME: home } }).key, a.key, 'loadSecret home defaults to env.HOME');
  const other = temp(t);
  t.notSame(loadSecret({ env: {}, home: other }).key, a.key, 'loadSecret another home → another random secret');
  if (posix) {
    chmodSync(p, 0o640);
    const w = loadSecret({ env: {}, home });
    t.equal(w.source, 'user', 'loadSecret existing user secret with wide mode is still used');
    t.match(w.warnings.join('\n'), /wider than 0600/, 'loadSecret user secret with mode 0640 → warning');
  }
  writeFileSync(p, '');
  t.throws(() => loadSecret({ env: {}, home }), { code: 'SECRET_WEAK' }, 'loadSecret empty existing user secret → SECRET_WEAK, not silently replaced');
});

t.test('per-user secret under an existing .config', async (t) => {
  const home = temp(t);
  mkdirSync(join(home, '.config'), { mode: 0o755 });
  const s = loadSecret({ env: {}, home });
  t.equal(s.source, 'created', 'loadSecret creates the anonflow folder inside an existing .config');
  if (posix) t.equal(mode(join(home, '.config')), 0o755, 'loadSecret leaves the mode of an existing .config alone');
});
