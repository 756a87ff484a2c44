// Unit tests of the watch daemon's parts (queue, grouping, status, ledger, health metrics),
// each alone, without a daemon process.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { metricsText } from '../src/watch/health.js';
import { Ledger } from '../src/watch/ledger.js';
import { WatchQueue, type QueueHooks } from '../src/watch/queue.js';
import { StatusBoard, type StatusParts } from '../src/watch/status-board.js';
import { StudyGrouper } from '../src/watch/studies.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function folder(t: Test): string {
  const d = mkdtempSync(join(tmpdir(), 'anonflow-watch-parts-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function files(d: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const p = join(d, `f${i}.bin`);
    writeFileSync(p, `file ${i}`);
    return p;
  });
}

function queue(o: { maxQueue?: number; maxInFlight?: number; running?: boolean } = {}) {
  const worked: string[] = [];
  const release: (() => void)[] = [];
  let running = o.running ?? true;
  const hooks: QueueHooks = {
    running: () => running,
    accepting: () => true,
    work: (path) => {
      worked.push(path);
      return new Promise<void>((r) => release.push(r));
    },
    error: () => {},
    changedInFlight: () => {},
  };
  const q = new WatchQueue({ settleMs: 0, maxInFlight: o.maxInFlight ?? 2, maxQueue: o.maxQueue ?? 100, unmoved: new Map() }, hooks);
  return { q, worked, release, setRunning: (v: boolean) => (running = v) };
}

const noQueue = { settling: 0, grouping: 0, ready: 0, in_flight: 0, retrying: 0, total: 0, deferred: 0 };
const parts = (p: Partial<StatusParts> = {}): StatusParts => ({ state: 'running', queue: noQueue, unmoved: 0, openReports: [], healthUrl: null, ...p });

t.test('WatchQueue with more files seen than --max-queue → the rest deferred, a rescan wanted once drained to half', async (t) => {
  const d = folder(t);
  const { q, worked, release } = queue({ maxQueue: 3, maxInFlight: 3 });
  for (const p of files(d, 5)) q.seen(p);
  t.match(q.counts(), { settling: 3, total: 3, deferred: 2 });
  t.notOk(q.wantsRescan, 'not while full');
  await sleep(5);
  q.tick();
  t.equal(worked.length, 3, 'the settled files go to work');
  t.match(q.counts(), { settling: 0, in_flight: 3 });
  for (const r of release) r();
  await sleep(5);
  t.match(q.counts(), { in_flight: 0, total: 0, deferred: 2 });
  t.ok(q.wantsRescan, 'drained with files deferred');
  q.rescanning();
  t.equal(q.counts().deferred, 0);
});

t.test('WatchQueue.found with the queue full → false (the walk stops), known files → true and not counted twice', async (t) => {
  const d = folder(t);
  const [a, b, c] = files(d, 3);
  const { q } = queue({ maxQueue: 2, maxInFlight: 1 });
  t.ok(q.found(a));
  t.ok(q.found(a), 'already settling');
  t.ok(q.found(b));
  t.notOk(q.found(c), 'full');
  t.match(q.counts(), { settling: 2, deferred: 1 });
});

t.test('WatchQueue with a ready file changed or removed → settles again, or is dropped', async (t) => {
  const d = folder(t);
  const [a, b] = files(d, 2);
  const { q, worked } = queue({ running: false });
  q.seen(a);
  q.seen(b);
  await sleep(5);
  q.tick();
  t.match(q.counts(), { ready: 2 }, 'not running: held ready');
  q.seen(a, true);
  q.forget(b);
  t.match(q.counts(), { settling: 1, ready: 0, total: 1 });
  t.equal(worked.length, 0);
});

t.test('WatchQueue.failedTry → retry, retry, then give up; later when not running', async (t) => {
  const d = folder(t);
  const [a] = files(d, 1);
  const { q, setRunning } = queue();
  t.equal(q.failedTry(a), 'retry');
  t.equal(q.counts().retrying, 1, 'a retry timer counts as tracked');
  q.cancelRetries();
  t.equal(q.failedTry(a), 'retry');
  q.cancelRetries();
  t.equal(q.failedTry(a), 'give-up');
  q.finished(a);
  setRunning(false);
  t.equal(q.failedTry(a), 'later', 'tries forgotten once finished; stopping: left for the next start');
  t.equal(q.counts().retrying, 0);
});

t.test('StudyGrouper with a non-DICOM file → handed on alone; a released study → its batch ends with its last file', async (t) => {
  const d = folder(t);
  const [a] = files(d, 1);
  const ready: [string, string | undefined][] = [];
  const g = new StudyGrouper(10, { settling: () => 0, running: () => true, ready: (p, b) => ready.push([p, b]) });
  g.add([a]);
  t.ok(g.has(a));
  await sleep(20);
  t.same(ready, [[a, undefined]], 'no Study Instance UID: processed on its own');
  t.equal(g.size, 0);
  t.ok(g.batchDone('study-unknown'), 'an unknown batch ends at once');
});

t.test('StatusBoard with failures in a row, then a success → unhealthy with the count, then healthy', async (t) => {
  const b = new StatusBoard({ inbox: '/in', out: '/out' }, 2);
  b.finished('failed', 10);
  t.match(b.status(parts()).health, { ok: true, consecutive_failures: 1 });
  b.finished('failed', 10);
  t.match(b.status(parts()).health, { ok: false, reason: 'the last 2 inputs all failed', consecutive_failures: 2 });
  b.finished('written', 10);
  const s = b.status(parts());
  t.match(s.health, { ok: true, consecutive_failures: 0 });
  t.match(s.totals, { written: 1, failed: 2, bytes_in: 30 });
  t.match(b.status(parts({ unmoved: 2 })).health, { ok: false, reason: '2 originals cannot be moved out of the inbox' });
  t.match(b.status(parts({ state: 'stopping' })).health, { ok: false, reason: 'stopping' });
});

t.test('metricsText of a StatusBoard status → Prometheus counters and gauges', async (t) => {
  const b = new StatusBoard({ inbox: '/in', out: '/out' }, 10);
  b.finished('quarantined', 5);
  b.retried();
  const m = metricsText(b.status(parts({ queue: { ...noQueue, ready: 4, total: 4, deferred: 1 } })));
  t.match(m, /^anonflow_watch_files_total\{outcome="quarantined"\} 1$/m);
  t.match(m, /^anonflow_watch_retries_total 1$/m);
  t.match(m, /^anonflow_watch_queue_length 4$/m);
  t.match(m, /^anonflow_watch_queue_capped 1$/m);
});

t.test('Ledger with a quarantined outcome → journaled claim/outcome/moved, original in quarantine/ with .reason.json', async (t) => {
  const d = folder(t);
  const paths = { inbox: join(d, 'inbox'), out: join(d, 'out'), state: join(d, 'state'), done: join(d, 'done'), failed: join(d, 'failed'), quarantine: join(d, 'quarantine') };
  mkdirSync(join(paths.inbox, 'sub'), { recursive: true });
  const path = join(paths.inbox, 'sub', 'notes.txt');
  writeFileSync(path, 'not DICOM\n');
  const errors: string[] = [];
  const ledger = new Ledger(paths, { layout: 'mirror', profileName: 'basic', profileOptions: [] }, (code) => errors.push(code));
  const input = { path, rel: join('sub', 'notes.txt'), st: statSync(path) };
  ledger.claim(input);
  const rec = ledger.outcome(input, { outcome: { status: 'skipped', path, reason: 'not DICOM' }, bytesIn: 10, ms: 1 }, undefined);
  t.match(rec, { t: 'outcome', dest: 'quarantine', entry: { status: 'quarantined', reason: 'not DICOM' }, batch: /^day-/ });
  const to = ledger.move(rec);
  t.equal(to, join(paths.quarantine, 'sub', 'notes.txt'));
  t.notOk(existsSync(path), 'original left the inbox');
  t.match(JSON.parse(readFileSync(`${to}.reason.json`, 'utf8')), { input: input.rel, reason: 'not DICOM' });
  t.same(ledger.unmoved.size, 0);
  ledger.closeAll();
  ledger.close();
  t.same(errors, []);
  const again = new Ledger(paths, { layout: 'mirror', profileName: 'basic', profileOptions: [] }, () => {});
  t.equal(again.recover(), 0, 'nothing left open for a restart');
  again.close();
});
