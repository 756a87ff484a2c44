import { loadProfile } from '../src/profile/load.js';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { writeSample } from '../fixtures/sample.js';
import { BIN, skip, ENV, tmp, instance, drop, files, outputs, type Daemon, startDaemon, waitFor, statusOf, drained } from './helpers/watch.js';

const running = (d: string) => () => statusOf(d)?.state === 'running';

async function stop(t: Test, dm: Daemon): Promise<void> {
  dm.child.kill('SIGTERM');
  const { code } = await dm.exit;
  t.equal(code, 0, 'SIGTERM → exit 0');
}

t.test(
  'watch with files already in the inbox at start → DICOM written and moved to done/, text to quarantine/ with reason, broken DICOM to failed/ with .error.json',
  { skip },
  async (t) => {
    const d = tmp(t);
    writeSample(join(d, 'inbox', 'sample'));
    for (let i = 0; i < 5; i++) drop(d, `series/img${i}.dcm`, instance(i));
    const broken = instance(99);
    drop(d, 'broken.dcm', broken.subarray(0, broken.length - 100));
    const dm = startDaemon(d);
    await waitFor('the inbox to drain', drained(d));
    await stop(t, dm);

    t.equal(outputs(d).length, 9, 'nine outputs: four sample slices and five instances');
    t.equal(files(join(d, 'done')).length, 9, 'nine originals in done/');
    t.ok(existsSync(join(d, 'done', 'sample', 'ct', 'slice-4')), 'relative paths kept under done/');
    t.same(
      files(join(d, 'quarantine'))
        .map((p) => p.slice(join(d, 'quarantine').length + 1))
        .sort(),
      ['sample/notes.txt', 'sample/notes.txt.reason.json'],
    );
    t.match(JSON.parse(readFileSync(join(d, 'quarantine', 'sample', 'notes.txt.reason.json'), 'utf8')), { input: 'sample/notes.txt', reason: /not DICOM/ });
    t.ok(existsSync(join(d, 'failed', 'broken.dcm')), 'broken original in failed/');
    t.match(JSON.parse(readFileSync(join(d, 'failed', 'broken.dcm.error.json'), 'utf8')), { input: 'broken.dcm', code: 'TRUNCATED' });
    t.same(files(join(d, 'inbox')), [], 'inbox empty');

    const fileEvents = dm.events.filter((e) => e.type === 'file');
    t.equal(fileEvents.length, 11, 'one event (log line) per file');
    t.equal(fileEvents.filter((e) => e.status === 'written').length, 9);
    t.ok(
      dm.events.some((e) => e.type === 'stats'),
      'a stats line',
    );
    const status = statusOf(d);
    t.equal(status.state, 'stopped');
    t.match(status.totals, { written: 9, failed: 1, quarantined: 1 });
    t.match(status.last_error, { code: 'TRUNCATED' });
    const reports = readdirSync(join(d, '.anonflow-watch', 'inbox', 'reports'));
    t.equal(reports.length, 1, 'one daily report');
    t.match(reports[0], /^day-\d{4}-\d{2}-\d{2}$/);
    const report = JSON.parse(readFileSync(join(d, '.anonflow-watch', 'inbox', 'reports', reports[0], 'report.json'), 'utf8'));
    t.equal(report.anonymized_files.length, 9);
    t.equal(report.failures.length, 1);
    t.equal(report.quarantined.length, 1);
    t.notOk(existsSync(join(d, '.anonflow-watch', 'inbox', 'lock')), 'lock released');
    t.notOk(existsSync(join(d, 'out', '.anonflow-tmp')), 'temp folder removed');
  },
);

t.test('watch with a file copied slowly (growing for 1.5 s) → read once, after it stopped growing', { skip }, async (t) => {
  const d = tmp(t);
  const dm = startDaemon(d, ['--settle-ms', '1500']);
  await waitFor('the daemon to run', running(d));
  const bytes = instance(1, '2.25.998', 64 * 1024);
  const fd = openSync(join(d, 'inbox', 'slow.dcm'), 'w');
  const step = Math.ceil(bytes.length / 10);
  for (let at = 0; at < bytes.length; at += step) {
    writeSync(fd, bytes, at, Math.min(step, bytes.length - at));
    await new Promise((r) => setTimeout(r, 150));
  }
  closeSync(fd);
  await waitFor('the slow file', () => dm.events.some((e) => e.type === 'file'));
  await waitFor('the inbox to drain', drained(d));
  await stop(t, dm);
  const ev = dm.events.filter((e) => e.type === 'file');
  t.equal(ev.length, 1, 'one outcome');
  t.equal(ev[0].status, 'written', 'written, not failed as truncated');
  t.equal(outputs(d).length, 1);
  t.ok(readFileSync(join(d, 'done', 'slow.dcm')).equals(bytes), 'the whole original in done/');
});

t.test('watch with files dropped while running, --delete-originals → written, originals deleted, done/ empty', { skip }, async (t) => {
  const d = tmp(t);
  const dm = startDaemon(d, ['--delete-originals']);
  await waitFor('the daemon to run', running(d));
  for (let i = 0; i < 10; i++) drop(d, `a/b/img${i}.dcm`, instance(i));
  await waitFor('ten outcomes', () => dm.events.filter((e) => e.type === 'file').length === 10);
  await waitFor('the inbox to drain', drained(d));
  await stop(t, dm);
  t.equal(outputs(d).length, 10);
  t.same(files(join(d, 'done')), []);
  t.ok(
    dm.events.filter((e) => e.type === 'file').every((e) => e.moved_to === null),
    'every original removed',
  );
});

t.test('watch sent SIGTERM with files in flight → in-flight files finished, exit 0, nothing half-done', { skip }, async (t) => {
  const d = tmp(t);
  for (let i = 0; i < 80; i++) drop(d, `img${i}.dcm`, instance(i, '2.25.997', 256 * 1024));
  const dm = startDaemon(d, ['--settle-ms', '50']);
  await waitFor('a first file', () => dm.events.some((e) => e.type === 'file'));
  await stop(t, dm);
  t.ok(
    dm.events.some((e) => e.type === 'stop'),
    'a stop event',
  );
  const left = files(join(d, 'inbox')).length;
  const done = files(join(d, 'done')).length;
  t.ok(left > 0, `stopped before the end (${left} left in the inbox)`);
  t.equal(left + done, 80, 'every input either in the inbox or in done/');
  t.equal(outputs(d).length, done, 'one output per original moved');
  // Every claim in the journal was carried through to its move.
  const jdir = join(d, '.anonflow-watch', 'inbox', 'journal');
  const recs = readdirSync(jdir).flatMap((n) =>
    readFileSync(join(jdir, n), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
  );
  const claimed = new Set(recs.filter((r) => r.t === 'claim').map((r) => r.rel));
  const moved = new Set(recs.filter((r) => r.t === 'moved').map((r) => r.rel));
  t.same(
    [...claimed].filter((r) => !moved.has(r)),
    [],
    'no claim left open',
  );
  t.equal(statusOf(d).state, 'stopped');
  t.notOk(existsSync(join(d, 'out', '.anonflow-tmp')), 'temp folder removed');

  // The next start takes the rest.
  const again = startDaemon(d, ['--settle-ms', '50']);
  await waitFor('the inbox to drain', drained(d));
  await stop(t, again);
  t.equal(outputs(d).length, 80);
  t.equal(files(join(d, 'done')).length, 80);
});

t.test('watch with study grouping → each study processed after it is quiet, one report per study', { skip }, async (t) => {
  const d = tmp(t);
  const dm = startDaemon(d, ['--study-quiet', '2']);
  await waitFor('the daemon to run', running(d));
  for (let i = 0; i < 3; i++) drop(d, `s1/img${i}.dcm`, instance(i, '2.25.101'));
  for (let i = 0; i < 4; i++) drop(d, `s2/img${i}.dcm`, instance(i, '2.25.102'));
  await new Promise((r) => setTimeout(r, 400));
  t.equal(dm.events.filter((e) => e.type === 'file').length, 0, 'nothing processed while the studies are still arriving');
  await waitFor('seven outcomes', () => dm.events.filter((e) => e.type === 'file').length === 7);
  await waitFor('the inbox to drain', drained(d));
  await stop(t, dm);
  const root = join(d, '.anonflow-watch', 'inbox', 'reports');
  const studies = readdirSync(root).filter((n) => n.startsWith('study-'));
  // By design a report never mixes studies and every file is in exactly one. A study whose files
  // reach the daemon further apart than the quiet time (watcher latency on a loaded machine) is
  // reported in more than one batch: usually there are exactly two.
  t.ok(studies.length >= 2, `at least one report per study (${studies.length})`);
  const sources = studies.map((s) => (JSON.parse(readFileSync(join(root, s, 'report.json'), 'utf8')).anonymized_files as { source: string }[]).map((f) => f.source));
  for (const list of sources) {
    t.equal(new Set(list.map((p) => (p.includes(`${join('inbox', 's1')}`) ? 's1' : 's2'))).size, 1, 'a report holds one study only');
  }
  const all = sources.flat();
  t.equal(all.length, 7, 'every file reported');
  t.equal(new Set(all).size, 7, 'no file in two reports');
});

t.test('watch with the output inside the inbox, or a second daemon on the same state → usage error, exit 2', { skip }, async (t) => {
  const d = tmp(t);
  const r = spawnSync(process.execPath, [BIN, 'watch', join(d, 'inbox'), '--out', join(d, 'inbox', 'out')], { env: ENV, encoding: 'utf8' });
  t.equal(r.status, 2);
  t.match(r.stderr, /must not be inside the inbox/);
  const dm = startDaemon(d);
  await waitFor('the daemon to run', running(d));
  const second = spawnSync(process.execPath, [BIN, 'watch', join(d, 'inbox'), '--out', join(d, 'out2')], { env: ENV, encoding: 'utf8' });
  t.equal(second.status, 2);
  t.match(second.stderr, /another watch \(pid \d+\)/);
  await stop(t, dm);
});

t.test('watch with a burst of files dropped at once → all processed, memory bounded', { skip, timeout: 120_000 }, async (t) => {
  const N = Number(process.env.WATCH_BURST ?? 2000);
  const d = tmp(t);
  const dm = startDaemon(d, ['--threads', '2', '--settle-ms', '300']);
  await waitFor('the daemon to run', running(d));
  const t0 = Date.now();
  // Written outside and renamed in, in folders of 500, as fast as the file system takes them.
  for (let i = 0; i < N; i++) drop(d, `burst/${Math.floor(i / 500)}/img${i}.dcm`, instance(i, '2.25.996', 1024));
  await waitFor(`${N} outcomes`, () => dm.events.filter((e) => e.type === 'file').length >= N, 110_000);
  await waitFor('the inbox to drain', drained(d));
  const secs = (Date.now() - t0) / 1000;
  const peak = Math.max(...dm.events.filter((e) => e.type === 'stats').map((e) => e.status.rss_mib));
  t.comment(`${N} files in ${secs.toFixed(1)} s, peak RSS ${peak} MiB (main thread and workers)`);
  await stop(t, dm);
  t.equal(outputs(d).length, N);
  t.ok(peak < 400, `peak RSS ${peak} MiB under 400 MiB`);
});

t.test('watch --health-port 0 --fsync --max-queue 5 → /health 200 with totals, 503 after failures in a row, /metrics, every input taken despite the cap', { skip }, async (t) => {
  const d = tmp(t);
  // More inputs than --max-queue: the rest waits in the inbox for a rescan once the queue drains.
  for (let i = 0; i < 12; i++) drop(d, `img${i}.dcm`, instance(i));
  const dm = startDaemon(d, ['--health-port', '0', '--fsync', '--max-queue', '5', '--unhealthy-after', '2']);
  await waitFor('the start event', () => dm.events.some((e) => e.type === 'start'));
  const url: string = dm.events.find((e) => e.type === 'start').health;
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+$/, 'listens on loopback, on the port it was given');
  const get = async (path: string, init?: RequestInit) => {
    const r = await fetch(url + path, init);
    return { code: r.status, type: r.headers.get('content-type'), body: await r.text() };
  };
  await waitFor('twelve outcomes', () => dm.events.filter((e) => e.type === 'file').length === 12);
  await waitFor('the inbox to drain', drained(d));
  let h = await get('/health');
  t.equal(h.code, 200, '/health 200 while running');
  const s = JSON.parse(h.body);
  t.match(s, { state: 'running', totals: { written: 12, failed: 0 }, queue: { total: 0 }, health: { ok: true, consecutive_failures: 0 }, health_url: url });
  t.same(Object.keys(s).sort(), Object.keys(statusOf(d)).sort(), 'the same document as status.json');
  t.equal(outputs(d).length, 12, 'every output written (with --fsync)');
  t.equal(files(join(d, 'done')).length, 12);
  t.ok(
    dm.events.filter((e) => e.type === 'stats').every((e) => e.status.queue.total <= 5),
    'never more than --max-queue inputs tracked',
  );
  const m = await get('/metrics');
  t.equal(m.code, 200);
  t.match(m.type, /^text\/plain; version=0\.0\.4/);
  t.match(m.body, /^anonflow_watch_files_total\{outcome="written"\} 12$/m);
  t.match(m.body, /^anonflow_watch_queue_length 0$/m);
  t.match(m.body, /^# TYPE anonflow_watch_files_total counter$/m);
  t.equal((await get('/nope')).code, 404);
  t.equal((await get('/health', { method: 'POST', body: 'x' })).code, 405);

  // Two inputs failing in a row (--unhealthy-after 2) → 503; a success → 200 again.
  for (let i = 0; i < 2; i++) {
    const b = instance(50 + i);
    drop(d, `broken${i}.dcm`, b.subarray(0, b.length - 100));
  }
  await waitFor('two failures', () => dm.events.filter((e) => e.status === 'failed').length === 2);
  h = await get('/health');
  t.equal(h.code, 503, '503 after the last 2 inputs failed');
  t.match(JSON.parse(h.body).health, { ok: false, reason: /last 2 inputs all failed/, consecutive_failures: 2 });
  drop(d, 'good.dcm', instance(60));
  await waitFor('the inbox to drain', drained(d));
  t.equal((await get('/health')).code, 200, '200 again after a success');
  await stop(t, dm);
  await t.rejects(fetch(url + '/health'), 'endpoint gone after SIGTERM');
  t.equal(statusOf(d).health_url, null);
});

t.test('WatchDaemon.stop() → /health 503 while stopping, endpoint closed once stopped', { skip }, async (t) => {
  const d = tmp(t);
  const { WatchDaemon } = await import('../src/watch/daemon.js');
  const daemon = new WatchDaemon({
    inbox: join(d, 'inbox'),
    out: join(d, 'out'),
    layout: 'hierarchy',
    threads: 0,
    settleMs: 50,
    healthPort: 0,
    worker: { deid: { profile: loadProfile('basic'), key: new Uint8Array(Buffer.from(ENV.ANON_SECRET)) }, record: false },
    profileName: 'basic',
    profileOptions: [],
  });
  await daemon.start();
  const url = daemon.status().health_url!;
  t.equal((await fetch(url + '/health')).status, 200);
  const stopping = daemon.stop();
  t.match(daemon.status().health, { ok: false, reason: 'stopping' }, 'unhealthy as soon as it stops');
  await stopping;
  await t.rejects(fetch(url + '/health'), 'closed once stopped');
  t.equal(daemon.status().state, 'stopped');
});
