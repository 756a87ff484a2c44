// Queue URLs, checked without loading a Redis client (anon run checks its flags before anything else).
import { QueueError } from './errors.js';

/** Checks a queue URL (redis:// or rediss://) and returns it; the password is never echoed. */
export function checkQueueUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueError('QUEUE_URL', `--queue takes a Redis URL such as redis://127.0.0.1:6379 (got something else)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new QueueError('QUEUE_URL', `--queue takes a redis:// or rediss:// URL (got ${u.protocol})`);
  return url;
}

/** A URL safe to print: no password. */
export const shownUrl = (url: string): string => {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis://…';
  }
};
