// What must not travel through Redis in the clear (a file's UID and patient ID mappings) is sealed
// with a key both ends already hold: the project's key. AES-256-GCM with a key derived by HKDF,
// a fresh IV per message: Redis sees ciphertext only, and a tampered message fails to open.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { QueueError } from './errors.js';

const derive = (key: Uint8Array, what: string): Buffer => Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `anonflow queue ${what}`, 32));

/** A short public check of a key: a worker holding another key under the same name refuses the task. */
export function keyCheck(key: Uint8Array): string {
  return createHmac('sha256', derive(key, 'check')).update('anonflow key check').digest('hex').slice(0, 16);
}

/** JSON of `value` sealed with `key`, as base64 (iv | tag | ciphertext). */
export function seal(key: Uint8Array, value: unknown): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', derive(key, 'seal'), iv);
  const body = Buffer.concat([c.update(JSON.stringify(value), 'utf8'), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
}

/** Opens what `seal` made with the same key; a QueueError when the key differs or the bytes changed. */
export function unseal<T>(key: Uint8Array, sealed: string): T {
  const b = Buffer.from(sealed, 'base64');
  try {
    const d = createDecipheriv('aes-256-gcm', derive(key, 'seal'), b.subarray(0, 12));
    d.setAuthTag(b.subarray(12, 28));
    return JSON.parse(Buffer.concat([d.update(b.subarray(28)), d.final()]).toString('utf8')) as T;
  } catch {
    throw new QueueError('QUEUE_KEY', 'a sealed result could not be opened: the worker holds another key');
  }
}
