import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { buildDicom } from '../fixtures/build.js';
import { writeSample } from '../fixtures/sample.js';
import { cleanEnv } from './helpers/child-env.js';

const BIN = fileURLToPath(new URL('../bin/anon', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../dist/src/watch/daemon.js', import.meta.url)));
const skip = built ? false : 'dist/ not built: run npm run build (npm test does)';
const ENV = { ...cleanEnv(), ANON_SECRET: 'watch-test-secret-0123456789' };

const tmp = (t: Tap.Test): string => {
  const d = mkdtempSync(join(tmpdir(), 'anonflow-watch-'));
  mkdirSync(join(d, 'inbox'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
};

/** A small CT instance with its own SOP Instance UID (and study, when given). */
function instance(i: number, study = '2.25.999', pixels = 4096): Buffer {
  return buildDicom({
    sopInstanceUID: `${study}.${i + 1}`,
    elements: [
      { tag: 0x00080016, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' },
      { tag: 0x00080018, vr: 'UI', value: `${study}.${i + 1}` },
      { tag: 0x00100010, vr: 'PN', value: 'Watch^Test' },
      { tag: 0x00100020, vr: 'LO', value: 'WT-1' },
      { tag: 0x0020000d, vr: 'UI', value: study },
      { tag: 0x0020000e, vr: 'UI', value: `${study}.0` },
      { tag: 0x7fe00010, vr: 'OW', value: Buffer.alloc(pixels, i & 0xff) },
    ],
  });
}

/** Drops a file into the inbox whole: written beside it, then renamed in. */
function drop(d: string, rel: string, bytes: Buffer): void {
  const staged = join(d, 'staging', rel.replace(/[/\\]/g, '_'));
  mkdirSync(dirname(staged), { recursive: true });
  writeFileSync(staged, bytes);
  mkdirSync(dirname(join(d, 'inbox', rel)), { recursive: true });
  renameSync(staged, join(d, 'inbox', rel));
}

const files = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)) : [];
const outputs = (d: string): string[] => files(join(d, 'out')).filter((p) => !p.includes('.anonflow-tmp'));

interface Daemon {
  child: ChildProcess;
  events: any[];
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startDaemon(d: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Daemon {
  const defaults: Record<string, string> = { '--settle-ms': '200', '--threads': '1', '--stats-s': '1' };
  for (const k of Object.keys(defaults)) if (extra.includes(k)) delete defaults[k];
  const args = [BIN, 'watch', join(d, 'inbox'), '--out', join(d, 'out'), '--json', ...Object.entries(defaults).flat(), ...extra];
  const child = spawn(process.execPath, args, { env: { ...ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: any[] = [];
  let buf = '';
  let err = '';
  child.stdout!.on('data', (b) => {
    buf += b;
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) if (l) events.push(JSON.parse(l));
  });
  child.stderr!.on('data', (b) => (err += b));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return { child, events, stderr: () => err, exit };
}

async function waitFor(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const statusOf = (d: string): any => {
  try {
    return JSON.parse(readFileSync(join(d, '.anonflow-watch', 'inbox', 'status.json'), 'utf8'));
  } catch {
    return undefined;
  }
};
const running = (d: string) => () => statusOf(d)?.state === 'running';
/** Inbox empty and nothing queued: everything dropped so far has been handled. */
const drained = (d: string) => () => files(join(d, 'inbox')).length === 0 && statusOf(d)?.queue.total === 0;

async function stop(t: Tap.Test, dm: Daemon): Promise<void> {
  dm.child.kill('SIGTERM');
  const { code } = await dm.exit;
  t.equal(code, 0, 'SIGTERM → exit 0');
}

t.test('watch with files already in the inbox at start → DICOM written and moved to done/, text to quarantine/ with reason, broken DICOM to failed/ with .error.json', { skip }, async (t) => {
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
  t.same(files(join(d, 'quarantine')).map((p) => p.slice(join(d, 'quarantine').length + 1)).sort(), ['sample/notes.txt', 'sample/notes.txt.reason.json']);
  t.match(JSON.parse(readFileSync(join(d, 'quarantine', 'sample', 'notes.txt.reason.json'), 'utf8')), { input: 'sample/notes.txt', reason: /not DICOM/ });
  t.ok(existsSync(join(d, 'failed', 'broken.dcm')), 'broken original in failed/');
  t.match(JSON.parse(readFileSync(join(d, 'failed', 'broken.dcm.error.json'), 'utf8')), { input: 'broken.dcm', code: 'TRUNCATED' });
  t.same(files(join(d, 'inbox')), [], 'inbox empty');

  const fileEvents = dm.events.filter((e) => e.type === 'file');
  t.equal(fileEvents.length, 11, 'one event (log line) per file');
  t.equal(fileEvents.filter((e) => e.status === 'written').length, 9);
  t.ok(dm.events.some((e) => e.type === 'stats'), 'a stats line');
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
});

t.test('watch with a file copied slowly (growing for 1.5 s) → read once, after it stopped growing', { skip }, async (t) => {
  const d = tmp(t);
  const dm = startDaemon(d, ['--settle-ms', '500']);
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
  t.ok(dm.events.filter((e) => e.type === 'file').every((e) => e.moved_to === null), 'every original removed');
});

t.test('watch sent SIGTERM with files in flight → in-flight files finished, exit 0, nothing half-done', { skip }, async (t) => {
  const d = tmp(t);
  for (let i = 0; i < 80; i++) drop(d, `img${i}.dcm`, instance(i, '2.25.997', 256 * 1024));
  const dm = startDaemon(d, ['--settle-ms', '50']);
  await waitFor('a first file', () => dm.events.some((e) => e.type === 'file'));
  await stop(t, dm);
  t.ok(dm.events.some((e) => e.type === 'stop'), 'a stop event');
  const left = files(join(d, 'inbox')).length;
  const done = files(join(d, 'done')).length;
  t.ok(left > 0, `stopped before the end (${left} left in the inbox)`);
  t.equal(left + done, 80, 'every input either in the inbox or in done/');
  t.equal(outputs(d).length, done, 'one output per original moved');
  // Every claim in the journal was carried through to its move.
  const jdir = join(d, '.anonflow-watch', 'inbox', 'journal');
  const recs = readdirSync(jdir).flatMap((n) => readFileSync(join(jdir, n), 'utf8').trim().split('\n').map((l) => JSON.parse(l)));
  const claimed = new Set(recs.filter((r) => r.t === 'claim').map((r) => r.rel));
  const moved = new Set(recs.filter((r) => r.t === 'moved').map((r) => r.rel));
  t.same([...claimed].filter((r) => !moved.has(r)), [], 'no claim left open');
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
  const dm = startDaemon(d, ['--study-quiet', '0.6']);
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
  t.equal(studies.length, 2, 'two study reports');
  const counts = studies.map((s) => JSON.parse(readFileSync(join(root, s, 'report.json'), 'utf8')).anonymized_files.length).sort();
  t.same(counts, [3, 4]);
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
