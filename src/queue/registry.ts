// Workers announce themselves: one Redis key per worker, rewritten every heartbeat with a time to
// live of three heartbeats, so a worker that dies (SIGKILL, machine lost) leaves the list on its own.
import { hostname, loadavg } from 'node:os';
import type { Redis } from 'ioredis';
import { KEY_PREFIX } from './connection.js';

export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  version: string;
  /** Threads of its pool, tasks it takes at once. */
  threads: number;
  concurrency: number;
  /** Tasks running now, files done since start, the machine's 1-minute load average. */
  load: { tasks: number; files: number; loadavg: number };
  started: string;
  heartbeat: string;
}

const keyOf = (id: string): string => `${KEY_PREFIX}:workers:${id}`;

/** Writes the worker's entry now and every `everyMs`; returns the stop (which removes the entry). */
export function announce(
  redis: Redis,
  info: () => Omit<WorkerInfo, 'host' | 'pid' | 'heartbeat' | 'load'> & { load: Omit<WorkerInfo['load'], 'loadavg'> },
  everyMs: number,
): () => Promise<void> {
  const beat = (): void => {
    const i = info();
    const entry: WorkerInfo = { ...i, host: hostname(), pid: process.pid, load: { ...i.load, loadavg: loadavg()[0] }, heartbeat: new Date().toISOString() };
    // Redis down: the next beat after its return writes the entry again
    redis.set(keyOf(i.id), JSON.stringify(entry), 'PX', everyMs * 3).catch(() => {});
  };
  beat();
  const timer = setInterval(beat, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await redis
      .del(keyOf(info().id))
      .then(() => undefined)
      .catch(() => undefined);
  };
}

/** The workers alive now (their entries have not expired), by id. */
export async function listWorkers(redis: Redis): Promise<WorkerInfo[]> {
  const keys: string[] = [];
  let cursor = '0';
  // bounded: SCAN returns to cursor 0 after one full pass
  for (let pass = 0; pass < 10_000; pass++) {
    const [next, found] = await redis.scan(cursor, 'MATCH', keyOf('*'), 'COUNT', 200);
    keys.push(...found);
    cursor = next;
    if (cursor === '0') break;
  }
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return values
    .flatMap((v) => {
      try {
        return v ? [JSON.parse(v) as WorkerInfo] : [];
      } catch {
        return [];
      }
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}
