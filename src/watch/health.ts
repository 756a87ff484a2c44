import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WatchStatus } from './status.js';

/** Hosts that only the machine itself can reach. */
export const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

/**
 * The daemon's status in the Prometheus text exposition format (version 0.0.4). Counters restart
 * from zero with the daemon, which Prometheus' rate() expects.
 */
export function metricsText(s: WatchStatus): string {
  const lines: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: [string, number][]): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of samples) lines.push(`${name}${labels} ${v}`);
  };
  const t = s.totals;
  metric('anonflow_watch_files_total', 'counter', 'Inputs finished since the daemon started, by outcome.', [
    ['{outcome="written"}', t.written],
    ['{outcome="already_present"}', t.already_present],
    ['{outcome="failed"}', t.failed],
    ['{outcome="quarantined"}', t.quarantined],
  ]);
  metric('anonflow_watch_retries_total', 'counter', 'Inputs put back for a retry after an I/O error.', [['', t.retried]]);
  metric('anonflow_watch_input_bytes_total', 'counter', 'Bytes of the inputs finished.', [['', t.bytes_in]]);
  const q = s.queue;
  metric('anonflow_watch_queue_files', 'gauge', 'Inputs known to the daemon and not yet finished, by stage.', [
    ['{stage="settling"}', q.settling],
    ['{stage="grouping"}', q.grouping],
    ['{stage="ready"}', q.ready],
    ['{stage="in_flight"}', q.in_flight],
    ['{stage="retrying"}', q.retrying],
  ]);
  metric('anonflow_watch_queue_length', 'gauge', 'Inputs known to the daemon and not yet finished.', [['', q.total]]);
  metric('anonflow_watch_queue_capped', 'gauge', '1 when inputs were left for a later rescan because the queue was full (--max-queue).', [['', q.deferred ? 1 : 0]]);
  metric('anonflow_watch_consecutive_failures', 'gauge', 'Inputs failed in a row, up to the last success.', [['', s.health.consecutive_failures]]);
  metric('anonflow_watch_healthy', 'gauge', '1 when GET /health answers 200.', [['', s.health.ok ? 1 : 0]]);
  metric('anonflow_watch_resident_memory_bytes', 'gauge', 'Resident set size of the daemon process.', [['', Math.round(s.rss_mib * 1048576)]]);
  metric('anonflow_watch_start_time_seconds', 'gauge', 'When the daemon started, in seconds since the Unix epoch.', [['', Math.floor(Date.parse(s.started_at) / 1000)]]);
  return lines.join('\n') + '\n';
}

export interface HealthServer {
  /** The URL it answers on (the real port when 0 was asked for). */
  url: string;
  close(): Promise<void>;
}

/**
 * A minimal read-only HTTP endpoint (node:http, no dependency):
 *   GET /health   the status.json document; 200 when healthy (status.health.ok), else 503
 *   GET /metrics  Prometheus text
 * Anything else is 404 (405 for a method other than GET or HEAD). No request body is read.
 */
export async function startHealthServer(host: string, port: number, status: () => WatchStatus): Promise<HealthServer> {
  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    const send = (code: number, type: string, body: string): void => {
      res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (path === '/health') {
        const s = status();
        return send(s.health.ok ? 200 : 503, 'application/json; charset=utf-8', JSON.stringify(s, null, 2) + '\n');
      }
      if (path === '/metrics') return send(200, 'text/plain; version=0.0.4; charset=utf-8', metricsText(status()));
    } catch (e) {
      return send(500, 'text/plain; charset=utf-8', `${(e as Error).message}\n`);
    }
    send(404, 'text/plain; charset=utf-8', 'not found: try /health or /metrics\n');
  };
  const server: Server = createServer(answer);
  // A probe's request is tiny: slow or idle clients are not kept.
  server.headersTimeout = 5000;
  server.requestTimeout = 5000;
  server.keepAliveTimeout = 1000;
  server.maxHeadersCount = 50;
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', fail);
      ok();
    });
  });
  server.unref(); // never what keeps the process alive
  const a = server.address() as AddressInfo;
  const url = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  return {
    url,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
