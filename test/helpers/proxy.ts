// A loopback TCP proxy in front of a PACS, so a test can cut a transfer at a chosen point: it
// notes every request line, can hold a response after some bytes, and can drop every connection.
import type { Test } from 'tap';
import { connect, createServer, type Socket } from 'node:net';

export interface Proxy {
  url: string;
  /** "GET /path" of every request seen, in order */
  requests: string[];
  /** Stops forwarding a response to a request matching `path` after `bytes` of it. */
  holdAfter(path: RegExp, bytes: number): void;
  /** Forwards everything again (held bytes are dropped with their connections by cutAll). */
  release(): void;
  /** Resolves once a held response has stopped at its limit. */
  held(): Promise<void>;
  /** Drops every open connection, both sides. */
  cutAll(): void;
}

export async function startProxy(t: Test, targetPort: number): Promise<Proxy> {
  const sockets = new Set<Socket>();
  const requests: string[] = [];
  let hold: { path: RegExp; bytes: number } | undefined;
  let onHeld: (() => void) | undefined;
  let heldOnce = false;
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    let watched = false;
    let passed = 0;
    client.on('data', (d: Buffer) => {
      for (const m of d.toString('latin1').matchAll(/(GET|POST|PUT|DELETE) (\S+) HTTP\/1\.[01]\r\n/g)) {
        requests.push(`${m[1]} ${m[2]}`);
        if (hold && hold.path.test(m[2])) watched = true;
      }
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      if (!watched || !hold) return void client.write(d);
      const room = hold.bytes - passed;
      if (room > 0) client.write(d.subarray(0, room));
      passed += d.length;
      if (passed >= hold.bytes) {
        upstream.pause();
        heldOnce = true;
        onHeld?.();
      }
    });
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    requests,
    holdAfter(path, bytes) {
      hold = { path, bytes };
      heldOnce = false;
    },
    release() {
      hold = undefined;
    },
    held: () => (heldOnce ? Promise.resolve() : new Promise<void>((r) => (onHeld = r))),
    cutAll() {
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
  };
}
