// Redis connections for the work queue. Every connection retries for ever with a bounded back-off
// (ioredis reconnects by itself), so a Redis restart pauses producers and workers instead of
// failing them; commands issued meanwhile wait in ioredis's offline queue.
import { Redis } from 'ioredis';
import { QueueError } from './errors.js';
import { checkQueueUrl, shownUrl } from './url.js';

export { checkQueueUrl, shownUrl } from './url.js';

/** The BullMQ queue every producer and worker of one Redis shares; a task's id names its run. */
export const QUEUE_NAME = 'anonflow-tasks';
/** Prefix of every key anonflow writes itself (the worker registry). */
export const KEY_PREFIX = 'anonflow';

/** A connection that waits through Redis restarts (BullMQ requires maxRetriesPerRequest null for workers). */
export function openRedis(url: string): Redis {
  const redis = new Redis(checkQueueUrl(url), {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    // 50 ms, 100 ms … at most 1 s between attempts: back within a second of Redis's return
    retryStrategy: (n) => Math.min(50 * n, 1000),
    lazyConnect: false,
  });
  // Without a listener ioredis prints every refused reconnection; the callers watch `status`.
  redis.on('error', () => {});
  return redis;
}

/** Resolves once the connection is ready; a QueueError after `ms` (a wrong host or port is told, not waited on for ever). */
export function whenReady(redis: Redis, url: string, ms = 20_000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', ok);
      reject(new QueueError('QUEUE_UNAVAILABLE', `cannot reach the queue at ${shownUrl(url)} (${Math.round(ms / 1000)} s): is Redis running there?`));
    }, ms);
    const ok = (): void => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', ok);
  });
}
