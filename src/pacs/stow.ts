// STOW-RS: files sent to a PACS in batches, each request's body streamed from disk part by part
// (multipart/related; type="application/dicom"), never a batch in memory.

import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { PacsConnection } from './connection.js';
import { PacsError } from './errors.js';
import { pacsRequest, readSmall } from './http.js';

export interface StowOptions {
  /** Files per request (default 50). */
  batch?: number;
  signal?: AbortSignal;
  onStored?: (stored: number, total: number) => void;
}

function body(files: string[], boundary: string): Readable {
  return Readable.from(
    (async function* () {
      for (const f of files) {
        yield Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`);
        for await (const chunk of createReadStream(f)) yield chunk as Buffer;
        yield Buffer.from('\r\n');
      }
      yield Buffer.from(`--${boundary}--\r\n`);
    })(),
  );
}

/** Stores the files; a refused instance (FailedSOPSequence) or an HTTP error is a PacsError. */
export async function stowFiles(conn: PacsConnection, files: string[], opts: StowOptions = {}): Promise<number> {
  const size = Math.max(1, opts.batch ?? 50);
  let stored = 0;
  for (let i = 0; i < files.length; i += size) {
    const chunk = files.slice(i, i + size);
    const boundary = `anonflow-${randomBytes(12).toString('hex')}`;
    const what = `STOW-RS of ${chunk.length} instance(s)`;
    const res = await pacsRequest(conn, {
      method: 'POST',
      path: 'studies',
      headers: { 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`, accept: 'application/dicom+json' },
      body: () => body(chunk, boundary),
      what,
      signal: opts.signal,
      accept: [202],
    });
    const text = (await readSmall(conn, res, what)).toString('utf8');
    let failed = 0;
    try {
      const j = text.trim() ? (JSON.parse(text) as Record<string, { Value?: unknown[] }>) : {};
      failed = j['00081198']?.Value?.length ?? 0;
    } catch {
      /* a PACS that answers 200 without JSON stored what it was sent */
    }
    if (res.status === 202 || failed > 0) {
      throw new PacsError('PACS_HTTP', `PACS ${conn.name}: refused ${failed || 'some'} of ${chunk.length} instance(s) in ${what} (HTTP ${res.status})`, { status: res.status });
    }
    stored += chunk.length;
    opts.onStored?.(stored, files.length);
  }
  return stored;
}
