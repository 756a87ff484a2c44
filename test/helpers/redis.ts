// A real redis-server for the queue tests: on a free loopback port, in its own temp folder, gone
// at the test's end. `persist` turns the append-only file on, so a restart keeps the queue (what
// production needs too: see docs/scaling.md).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';

export const REDIS_SERVER = '/usr/bin/redis-server';
/** The skip reason when redis-server is not installed (CI installs Debian's redis-server). */
export const redisSkip: string | false = existsSync(REDIS_SERVER) ? false : 'redis-server is not installed (Debian package redis-server)';

export interface RedisHandle {
  port: number;
  url: string;
  /** Stops Redis (SIGTERM: it writes its append-only file) and starts it again on the same port and folder. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startRedis(t: Test, o: { persist?: boolean } = {}): Promise<RedisHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-redis-'));
  const port = await freePort();
  const args = ['--save', '', '--appendonly', o.persist ? 'yes' : 'no', '--bind', '127.0.0.1', '--port', String(port), '--dir', dir];
  let child: ChildProcess | undefined;
  const launch = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const c = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      let out = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
      c.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (/Ready to accept connections/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
      c.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}): ${out}`));
      });
    });
  const stop = async (): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  await launch();
  t.teardown(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    restart: async () => {
      await stop();
      await launch();
    },
    stop,
  };
}
