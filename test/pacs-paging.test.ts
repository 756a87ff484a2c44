// A PACS caps its search results: a study's instance list is read page by page, and a PACS that
// does not honour paging fails the fetch instead of losing the instances it did not list.
// A small DICOMweb search endpoint on loopback plays the PACS (no images are moved here).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { PacsError, pacsConnection, studyInstances } from '../src/pacs/index.js';

const STUDY = '2.25.9100';
const SERIES = `${STUDY}.1`;
const INSTANCES = Array.from({ length: 7 }, (_, i) => `${SERIES}.${i + 1}`);

/** A search endpoint answering at most `cap` rows a request; `offset` honoured or not. */
async function fakePacs(t: Test, cap: number, honoursOffset: boolean): Promise<{ url: string; asked: URLSearchParams[] }> {
  const asked: URLSearchParams[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const json = (rows: unknown[]) => res.writeHead(200, { 'content-type': 'application/dicom+json' }).end(JSON.stringify(rows));
    if (u.pathname === `/dicom-web/studies/${STUDY}/instances`) {
      asked.push(u.searchParams);
      const offset = honoursOffset ? Number(u.searchParams.get('offset') ?? 0) : 0;
      const limit = Math.min(cap, Number(u.searchParams.get('limit') ?? cap));
      return json(INSTANCES.slice(offset, offset + limit).map((sop) => ({ '00080018': { vr: 'UI', Value: [sop] }, '0020000E': { vr: 'UI', Value: [SERIES] } })));
    }
    if (u.pathname === '/dicom-web/studies' && u.searchParams.get('StudyInstanceUID') === STUDY) {
      return json([{ '0020000D': { vr: 'UI', Value: [STUDY] }, '00201208': { vr: 'IS', Value: [INSTANCES.length] } }]);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dicom-web`, asked };
}

t.test('a PACS answering 3 instances a search, paging honoured → all 7 listed, asked page by page from where the last stopped', async (t) => {
  const p = await fakePacs(t, 3, true);
  const list = await studyInstances(pacsConnection({ name: 'capped', url: p.url }), STUDY);
  t.same(list.map((i) => i.sop).sort(), [...INSTANCES].sort());
  t.same(
    p.asked.map((q) => q.get('offset')),
    ['0', '3', '6', '7'],
    'offsets follow what was listed; an empty page ends it',
  );
});

t.test('a PACS that caps results and ignores offset → PACS_BAD_RESPONSE naming both counts, never a part of the study', async (t) => {
  const p = await fakePacs(t, 3, false);
  const err = await studyInstances(pacsConnection({ name: 'stubborn', url: p.url }), STUDY).catch((e: unknown) => e);
  t.type(err, PacsError);
  t.match(err, { code: 'PACS_BAD_RESPONSE', message: /holds 7 instances, its search listed 3/ });
  t.equal(p.asked.length, 2, 'a page with nothing new stops the paging');
});

t.test('a PACS without a cap → one page holds all, the next is empty', async (t) => {
  const p = await fakePacs(t, 10_000, true);
  const list = await studyInstances(pacsConnection({ name: 'open', url: p.url }), STUDY);
  t.equal(list.length, 7);
  t.equal(p.asked[0].get('limit'), '1000', 'pages of 1000 asked');
});
