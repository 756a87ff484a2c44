// The HTTP(S) server under the app: TLS when a certificate is configured, and timeouts that close
// slow or idle connections (headers, whole request, keep-alive), checked every second rather than
// Node's default 30 s, so slow unauthenticated uploads cannot hold sockets open.

import { readFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { ConfigError } from './errors.js';

export interface TransportOptions {
  tls_cert?: string;
  tls_key?: string;
  /** the longest a request may take, headers and body (ms) */
  request_timeout_ms: number;
}

/** A Fastify serverFactory for these options (certificate files read once, at start). */
export function serverFactory(o: TransportOptions): (handler: RequestListener) => Server {
  if (!!o.tls_cert !== !!o.tls_key) throw new ConfigError('TLS needs both tls_cert and tls_key (--tls-cert, --tls-key)');
  const tls = o.tls_cert && o.tls_key ? { cert: readPem(o.tls_cert, 'tls_cert'), key: readPem(o.tls_key, 'tls_key') } : undefined;
  const timeouts = {
    requestTimeout: o.request_timeout_ms,
    headersTimeout: Math.min(o.request_timeout_ms, 10_000),
    keepAliveTimeout: 5_000,
    connectionsCheckingInterval: Math.min(1_000, o.request_timeout_ms),
  };
  return (handler) => {
    const server = tls ? createTlsServer({ ...tls, ...timeouts }, handler) : createServer(timeouts, handler);
    server.setTimeout(o.request_timeout_ms * 2); // an idle socket (no request at all) goes too
    return server as Server;
  };
}

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new ConfigError(`${what}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}
