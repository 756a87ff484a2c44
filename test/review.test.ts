// The review room's server side through HTTP (app.inject): listing a watch quarantine folder and a
// run's report folder, one item with and without identifiers, frames and thumbnails, release,
// reject, "apply to all like this", and the token every API call needs.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import t from 'tap';
import { closeDicom, openDicom } from '../src/dicom/file.js';
import { decidePixels } from '../src/deid/pixel-policy.js';
import { loadProfile, validateProfileFile } from '../src/profile/load.js';
import { buildReviewApp, startReview } from '../src/review/app.js';
import { ReviewSession } from '../src/review/session.js';
import { run } from '../src/run/run.js';
import { buildConfig } from '../src/serve/config.js';
import { startServer } from '../src/serve/server.js';
import { buildPixelFile } from '../fixtures/pixel.js';
import { maskedExactly, OCR_BOX, pixelsOf, reviewEnv, US_REASON, US_SPEC } from './helpers/review.js';

const TOKEN = 'review-token-for-tests';
const auth = { authorization: `Bearer ${TOKEN}` };

t.test('review API on a watch quarantine folder', async (t) => {
  const env = await reviewEnv(t);
  const app = buildReviewApp(env.session(), { token: TOKEN, reviewer: 'dana' });
  t.teardown(() => app.close());
  const get = (url: string, headers: Record<string, string> = auth) => app.inject({ method: 'GET', url, headers });
  const post = (url: string, body: unknown) => app.inject({ method: 'POST', url, headers: auth, payload: body as object });

  t.test('the page without a token → served (it holds no data); every API call without the token → 401', async (t) => {
    const page = await get('/review/', {});
    t.equal(page.statusCode, 200);
    t.match(page.body, /<script type="module" src="app.js">/);
    t.match(String(page.headers['content-security-policy']), /default-src 'none'/);
    t.equal((await get('/review/app.js', {})).statusCode, 200);
    for (const url of ['/review/api/items', '/review/api/items/0123456789abcdef', '/review/api/items/0123456789abcdef/frames/1.png']) {
      t.equal((await get(url, {})).statusCode, 401, url);
      t.equal((await get(url, { authorization: 'Bearer wrong' })).statusCode, 401, url);
    }
    t.equal(
      (
        await app.inject({
          method: 'POST',
          url: '/review/api/items/0123456789abcdef/release',
          payload: { boxes: [] },
        })
      ).statusCode,
      401,
    );
  });

  const list = (await get('/review/api/items')).json().items;
  const id = list[0]?.id;

  t.test('list of a quarantine folder → the image with its reason, modality and SOP class', async (t) => {
    t.equal(list.length, 1);
    t.match(list[0], {
      reason: US_REASON,
      modality: 'US',
      sopClass: '1.2.840.10008.5.1.4.1.1.7',
      source: 'watch',
    });
    t.match(id, /^[0-9a-f]{16}$/);
    t.equal((await get(`/review/api/items?reason=${encodeURIComponent('other')}`)).json().items.length, 0, 'filtered by reason');
    t.equal((await get(`/review/api/items?reason=${encodeURIComponent(US_REASON)}`)).json().items.length, 1);
  });

  t.test('one item → size, frames, decision attributes and OCR boxes; identifiers only when asked', async (t) => {
    const d = (await get(`/review/api/items/${id}`)).json();
    t.match(d, {
      rows: US_SPEC.rows,
      columns: US_SPEC.columns,
      frames: 1,
      boxes: [OCR_BOX],
      decision: { kind: 'quarantine' },
    });
    t.match(d.attributes, {
      Modality: 'US',
      Manufacturer: 'Acme Sono',
      ManufacturerModelName: 'Sono 1',
    });
    t.notOk(d.identifiers);
    t.notMatch(JSON.stringify(d), /Doe|PID-424242/);
    const withIds = (await get(`/review/api/items/${id}?identifiers=1`)).json();
    t.match(withIds.identifiers, {
      PatientName: 'Doe^Jane',
      PatientID: 'PID-424242',
    });
    t.equal((await get('/review/api/items/ffffffffffffffff')).statusCode, 404);
    t.equal((await get('/review/api/items/..%2F..%2Fetc')).statusCode, 400);
  });

  t.test('frame and thumbnail → PNGs of the image size (thumbnail no larger), the same bytes from the cache', async (t) => {
    const frame = await get(`/review/api/items/${id}/frames/1.png`);
    t.equal(frame.statusCode, 200);
    t.equal(frame.headers['content-type'], 'image/png');
    const meta = await sharp(frame.rawPayload).metadata();
    t.same([meta.width, meta.height], [US_SPEC.columns, US_SPEC.rows]);
    const thumb = await get(`/review/api/items/${id}/thumbnail.png`);
    t.ok(((await sharp(thumb.rawPayload).metadata()).width ?? 0) <= 160);
    t.same((await get(`/review/api/items/${id}/frames/1.png`)).rawPayload, frame.rawPayload);
    t.equal((await get(`/review/api/items/${id}/frames/2.png`)).statusCode, 400, 'a frame the image does not have');
  });

  t.test('apply to all like this → a valid profile whose rule selects this image', async (t) => {
    const bad = await post(`/review/api/items/${id}/mask-rule`, {
      profile: '../evil',
      boxes: [OCR_BOX],
    });
    t.equal(bad.statusCode, 400);
    const r = await post(`/review/api/items/${id}/mask-rule`, {
      profile: 'acme-sono',
      boxes: [{ x: 6, y: 4, width: 28, height: 9 }],
    });
    t.equal(r.statusCode, 200, r.body);
    const file = join(env.profiles, 'acme-sono.json');
    t.same(validateProfileFile(file), []);
    t.match(r.json().rule.when, [
      { attribute: 'Manufacturer', equals: 'Acme Sono' },
      { attribute: 'ManufacturerModelName', equals: 'Sono 1' },
      { attribute: 'SOPClassUID' },
      { attribute: 'Rows', equals: '60' },
      { attribute: 'Columns', equals: '80' },
    ]);
    const f = await openDicom(env.file);
    t.teardown(() => closeDicom(f));
    t.match(decidePixels(f, loadProfile(file)), {
      kind: 'mask',
      rule: { regions: [{ x: 6, y: 4, width: 28, height: 9 }] },
    });
    t.match(decidePixels(f, loadProfile('basic')), { kind: 'quarantine' });
    const again = await post(`/review/api/items/${id}/mask-rule`, {
      profile: 'acme-sono',
      boxes: [{ x: 0, y: 0, width: 5, height: 5 }],
    });
    t.equal(again.statusCode, 200);
    t.equal(JSON.parse(readFileSync(file, 'utf8')).pixels.masks.length, 2, 'a second rule is added, the newest first');
  });

  t.test('reject → kept in quarantine, listed with the note and reviewer', async (t) => {
    t.equal((await post(`/review/api/items/${id}/reject`, { note: '' })).statusCode, 400);
    const r = await post(`/review/api/items/${id}/reject`, {
      note: 'name burned into the Doppler strip too',
    });
    t.equal(r.statusCode, 200);
    t.ok(existsSync(env.file), 'the original stays');
    t.match((await get('/review/api/items')).json().items[0].review, {
      action: 'rejected',
      reviewer: 'dana',
      note: 'name burned into the Doppler strip too',
    });
  });

  t.test('release without a rectangle → 400, nothing written; with one → de-identified, masked, out of quarantine, logged', async (t) => {
    const none = await post(`/review/api/items/${id}/release`, { boxes: [] });
    t.equal(none.statusCode, 400);
    t.notOk(existsSync(env.out));
    t.equal(
      (
        await post(`/review/api/items/${id}/release`, {
          boxes: [{ x: -1, y: 0, width: 2, height: 2 }],
        })
      ).statusCode,
      400,
    );
    const box = { x: 4, y: 2, width: 32, height: 13 };
    const r = await post(`/review/api/items/${id}/release`, { boxes: [box] });
    t.equal(r.statusCode, 200, r.body);
    const entry = r.json();
    t.match(entry, { action: 'released', reviewer: 'dana' });
    t.notMatch(r.body, env.dir, 'no server path in the answer');
    const output = join(env.out, entry.output);
    t.ok(existsSync(output));
    const written = readFileSync(output);
    t.notOk(written.includes(Buffer.from('Doe^Jane')), 'the header is de-identified');
    const m = maskedExactly(pixelsOf(env.file.replace('quarantine', 'released')), pixelsOf(output), box, US_SPEC.columns);
    t.same(m, { inside: 0, outsideChanged: 0 }, 'the rectangle is blanked, nothing else changed');
    t.notOk(existsSync(env.file), 'the original left quarantine');
    t.ok(existsSync(join(env.dir, 'released', 'us1.dcm')) && existsSync(join(env.dir, 'released', 'us1.dcm.reason.json')));
    const log = readFileSync(join(env.quarantine, 'review-log.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    t.match(log.at(-1), {
      action: 'released',
      reviewer: 'dana',
      output,
      masks: [box],
    });
    t.same((await get('/review/api/items')).json().items, [], 'no longer listed');
  });
});

t.test("review of a run's report folder → its quarantined inputs; a release is logged beside the report, the input kept", async (t) => {
  const env = await reviewEnv(t);
  const inputs = join(env.dir, 'inputs');
  mkdirSync(inputs);
  writeFileSync(join(inputs, 'a.dcm'), await buildPixelFile(US_SPEC));
  const reportDir = join(env.dir, 'report');
  const report = await run({
    inputs: [inputs],
    out: join(env.dir, 'run-out'),
    reportDir,
    layout: 'hierarchy',
    secretFile: env.secret,
    threads: 0,
  });
  t.equal(report.quarantined.length, 1);
  const session = new ReviewSession({
    sources: [reportDir],
    out: env.out,
    profilesDir: env.profiles,
    secretFile: env.secret,
  });
  const items = await session.list();
  t.match(items, [{ source: 'run', modality: 'US', reason: report.quarantined[0].reason }]);
  const r = await session.release(items[0].id, [{ x: 6, y: 4, width: 28, height: 9 }], 'erik');
  t.ok(r.released);
  t.ok(existsSync(join(inputs, 'a.dcm')), 'a run input is never moved');
  t.match(readFileSync(join(reportDir, 'review-log.ndjson'), 'utf8'), /"action":"released","reviewer":"erik"/);
  t.same(await session.list(), []);
});

t.test('anon review listens on 127.0.0.1 only, with the token in the URL fragment', async (t) => {
  const env = await reviewEnv(t);
  const h = await startReview(env.session(), { port: 0, reviewer: 'dana' });
  t.teardown(() => h.close());
  const url = new URL(h.url);
  t.equal(url.hostname, '127.0.0.1');
  t.match(url.hash, /^#token=[\w-]{20,}$/);
  t.equal(h.host, '127.0.0.1');
  const res = await fetch(`http://127.0.0.1:${h.port}/review/api/items`, {
    headers: { authorization: `Bearer ${url.hash.slice(7)}` },
  });
  t.equal(res.status, 200);
  t.equal((await fetch(`http://127.0.0.1:${h.port}/review/api/items`)).status, 401);
});

t.test('review inside anon serve → the page is served, every API call needs a Bearer token of a user (401 without), decisions record that user', async (t) => {
  const env = await reviewEnv(t);
  const cfg = buildConfig({
    host: '127.0.0.1',
    port: 0,
    dataDir: join(env.dir, 'data'),
    prefix: ['/sandbox'],
    user: ['alice:alice-token-0123'],
    root: [env.dir],
    project: ['P=basic'],
    threads: 0,
  });
  const server = await startServer(cfg, {
    listen: false,
    review: env.session(),
    logStream: { write: () => true } as unknown as NodeJS.WritableStream,
  });
  t.teardown(() => server.close());
  const call = (method: 'GET' | 'POST', url: string, authorization?: string, payload?: object) =>
    server.app.inject({
      method,
      url,
      headers: authorization ? { authorization } : {},
      ...(payload ? { payload } : {}),
    });
  t.equal((await call('GET', '/review/')).statusCode, 200);
  const items = '/review/api/items';
  t.equal((await call('GET', items)).statusCode, 401);
  t.equal((await call('GET', items, 'Bearer not-a-token')).statusCode, 401);
  const list = await call('GET', items, 'Bearer alice-token-0123');
  t.equal(list.statusCode, 200);
  const id = list.json().items[0].id;
  for (const [method, url, body] of [
    ['GET', `${items}/${id}?identifiers=1`],
    ['GET', `${items}/${id}/frames/1.png`],
    ['GET', `${items}/${id}/thumbnail.png`],
    ['POST', `${items}/${id}/release`, { boxes: [{ x: 0, y: 0, width: 80, height: 20 }] }],
    ['POST', `${items}/${id}/reject`, { note: 'n' }],
    ['POST', `${items}/${id}/mask-rule`, { profile: 'p', boxes: [{ x: 0, y: 0, width: 8, height: 8 }] }],
  ] as const) {
    t.equal((await call(method, url, undefined, body)).statusCode, 401, `${method} ${url.replace(id, ':id')} without a token`);
  }
  t.ok(existsSync(env.file), 'nothing was released');
  const rejected = await call('POST', `${items}/${id}/reject`, 'Bearer alice-token-0123', { note: 'needs a second look' });
  t.equal(rejected.statusCode, 200, rejected.body);
  t.match(rejected.json(), { action: 'rejected', reviewer: 'alice' });
});

t.test('anon review PATH --port 0 → prints the page address on 127.0.0.1 with its token; stops on SIGTERM', async (t) => {
  const env = await reviewEnv(t);
  const child = spawn(process.execPath, ['bin/anon', 'review', env.quarantine, '--out', env.out, '--port', '0', '--secret-file', env.secret, '--reviewer', 'cli'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => void child.kill('SIGKILL'));
  let out = '';
  let err = '';
  const url = await new Promise<string>((done, fail) => {
    // a bound for a loaded machine, not a speed check
    const timer = setTimeout(() => fail(new Error(`no address printed: ${out} ${err}`)), 120_000);
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /open (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        done(m[1]);
      }
    });
  });
  const u = new URL(url);
  t.equal(u.hostname, '127.0.0.1');
  const res = await fetch(new URL('api/items', u.origin + u.pathname), {
    headers: { authorization: `Bearer ${u.hash.slice('#token='.length)}` },
  });
  t.equal(res.status, 200);
  t.equal(((await res.json()) as any).items.length, 1);
  const exit = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  child.kill('SIGTERM');
  t.equal(await exit, 0);
});

t.test('a multi-frame image → each frame rendered; a box limited to frame 2 blanks frame 2 only', async (t) => {
  const env = await reviewEnv(t);
  const spec = { ...US_SPEC, frames: 3 };
  writeFileSync(env.file, await buildPixelFile(spec));
  const session = env.session();
  const [item] = await session.list();
  const d = await session.detail(item.id, false);
  t.equal(d.frames, 3);
  const pngs = await Promise.all([1, 2, 3].map((n) => session.image(item.id, n, false)));
  t.equal(new Set(pngs.map((p) => p.toString('base64'))).size, 3, 'three different frames');
  const box = { x: 10, y: 10, width: 20, height: 20, frame: 2 };
  const r = await session.release(item.id, [box], 'dana');
  t.ok(r.released);
  if (!r.released) return;
  const out = pixelsOf(r.entry.output!);
  const src = pixelsOf(join(env.dir, 'released', 'us1.dcm'));
  const n = spec.rows * spec.columns;
  t.same(out.subarray(0, n), src.subarray(0, n), 'frame 1 unchanged');
  t.same(maskedExactly(src.subarray(n, 2 * n), out.subarray(n, 2 * n), box, spec.columns), { inside: 0, outsideChanged: 0 }, 'frame 2 masked under the box');
  t.same(out.subarray(2 * n), src.subarray(2 * n), 'frame 3 unchanged');
});
