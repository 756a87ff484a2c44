// A WADO-RS answer (multipart/related) split into files as it arrives, one part at a time, with
// backpressure: a part's bytes go straight to disk and the next part is not read before the
// previous one is on disk and accepted. multipasta parses any multipart with a boundary (busboy
// only takes form-data parts) and streams each part's body.

import { createWriteStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as MP from 'multipasta/node';
import type { PacsConnection } from './connection.js';
import { PacsError } from './errors.js';
import type { PacsResponse } from './http.js';

let serial = 0;

/** Writes each part of `res` to a temp file in `dir` and hands it to `accept`, which moves or removes it. */
export async function saveParts(conn: PacsConnection, res: PacsResponse, dir: string, what: string, accept: (file: string) => Promise<void>): Promise<number> {
  const type = res.headers.get('content-type') ?? '';
  if (!/^multipart\/related\b/i.test(type)) {
    res.body.destroy();
    throw new PacsError('PACS_BAD_RESPONSE', `PACS ${conn.name}: expected multipart/related for ${what}, got "${type.slice(0, 80)}"`);
  }
  const bad = (e: unknown): Error =>
    e instanceof Error
      ? e
      : new PacsError('PACS_BAD_RESPONSE', `PACS ${conn.name}: malformed multipart answer for ${what} (${(e as { _tag?: string })._tag ?? 'unknown'})`, { transient: true });
  const parts = MP.make({ headers: { 'content-type': type }, isFile: () => true });
  // the body's own failure (timeout, reset) ends the parser with that error, not a parse error
  let bodyError: Error | undefined;
  const feeding = pipeline(res.body, parts).catch((e: unknown) => {
    bodyError ??= bad(e);
  });
  let n = 0;
  try {
    for await (const part of parts as AsyncIterable<MP.Part>) {
      if (part._tag !== 'File') continue;
      const tmp = join(dir, `.part-${process.pid}-${++serial}`);
      try {
        await pipeline(part, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
      } catch (e) {
        rmSync(tmp, { force: true });
        throw bodyError ?? bad(e);
      }
      await accept(tmp);
      n++;
    }
  } catch (e) {
    res.body.destroy();
    await feeding;
    throw bodyError ?? bad(e);
  }
  await feeding;
  if (bodyError) throw bodyError;
  return n;
}
