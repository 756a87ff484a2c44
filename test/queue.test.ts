// The queue's parts against a real redis-server, in this process: a worker and a producer as
// anon worker and anon run --queue use them.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import t from 'tap';
import { instance, writeInstances } from '../fixtures/instances.js';
import { setupDeid } from '../src/job/setup.js';
import { runBatch, type RunOptions } from '../src/pool/batch.js';
import { startQueueWorker } from '../src/queue/consumer.js';
import { runQueuedBatch } from '../src/queue/producer.js';
import { keyCheck, seal, unseal } from '../src/queue/seal.js';
import { workerConfig, workerMachine } from '../src/serve/worker-machine.js';
import { redisSkip, startRedis } from './helpers/redis.js';

const tree = (dir: string): Map<string, string> => {
  const m = new Map<string, string>();
  for (const d of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = join(d.parentPath, d.name);
    if (d.isFile() && !relative(dir, p).startsWith('.anonflow-tmp')) m.set(relative(dir, p), readFileSync(p).toString('base64'));
  }
  return m;
};

t.test('seal with a key → opens with that key only; the key check differs between keys', async (t) => {
  const a = Buffer.alloc(32, 1);
  const b = Buffer.alloc(32, 2);
  const sealed = seal(a, { uids: [['1.2.3', '2.25.9']] });
  t.notMatch(Buffer.from(sealed, 'base64').toString('latin1'), /1\.2\.3/, 'the original UID is not readable in the sealed text');
  t.same(unseal(a, sealed), { uids: [['1.2.3', '2.25.9']] });
  t.throws(() => unseal(b, sealed), { code: 'QUEUE_KEY' });
  t.not(keyCheck(a), keyCheck(b));
  t.equal(keyCheck(a), keyCheck(Buffer.alloc(32, 1)));
});

t.test('queue', { skip: redisSkip }, async (t) => {
  const redis = await startRedis(t);
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-queue-parts-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const secretFile = join(dir, 'secret');
  writeFileSync(secretFile, 'queue-test-secret-0123456789', { mode: 0o600 });
  const inDir = join(dir, 'in');
  writeInstances(inDir, 40, { study: '2.25.777', patientName: 'Parts^Test', patientId: 'P-1' });
  // a poison file: DICOM cut in the middle of its pixel data
  const whole = instance(99, { study: '2.25.777' });
  writeFileSync(join(inDir, 'poison.dcm'), whole.subarray(0, whole.length - 1000));
  writeFileSync(join(inDir, 'notes.txt'), 'not DICOM');
  const setup = setupDeid({ profile: 'basic', secretFile });
  const batch = (out: string, report: string): RunOptions => ({
    inputs: [inDir],
    out: join(dir, out),
    reportDir: join(dir, report),
    layout: 'hierarchy',
    worker: { deid: setup.spec, record: false },
    profileName: setup.profile.name,
    profileOptions: setup.profile.options,
    threads: 0,
  });
  const worker = await startQueueWorker({ url: redis.url, machine: workerMachine(workerConfig(), secretFile), threads: 1, concurrency: 2, heartbeatMs: 500 });
  t.teardown(() => worker.close());

  await t.test('a run spread over a worker → the same outputs, byte for byte, as a run in this process; a poison file fails only itself', async (t) => {
    const local = await runBatch(batch('local', 'r-local'));
    const events: string[] = [];
    const spread = await runQueuedBatch({ ...batch('spread', 'r-spread'), queue: redis.url, keyRef: { kind: 'run' }, taskFiles: 8, onEvent: (e) => events.push(e.type) });
    t.equal(spread.anonymized_files.length, 40);
    t.same(
      spread.failures.map((f) => relative(inDir, f.path)),
      ['poison.dcm'],
      'the poison file failed, its task did not',
    );
    t.equal(spread.skipped.length, 1, 'the non-DICOM file is skipped');
    t.same(tree(join(dir, 'spread')), tree(join(dir, 'local')), 'same output paths and bytes');
    t.equal(local.anonymized_files.length, 40);
    t.same([events[0], events.filter((e) => e === 'file').length, events.at(-1)], ['start', 42, 'end'], 'the same events as a local run');
  });

  await t.test('a task done again (a retry) → every output already present, none duplicated', async (t) => {
    const before = tree(join(dir, 'spread'));
    const again = await runQueuedBatch({ ...batch('spread', 'r-again'), queue: redis.url, keyRef: { kind: 'run' }, taskFiles: 8 });
    t.equal(again.anonymized_files.length, 40);
    t.same(tree(join(dir, 'spread')), before, 'no new file, no suffixed copy, same bytes');
    const journal = readFileSync(join(dir, 'r-again', 'journal.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { status: string; present?: boolean });
    t.ok(
      journal.filter((e) => e.status === 'written').every((e) => e.present === true),
      'each output found in place with the same bytes',
    );
  });

  await t.test('a worker holding another key → the task fails on the workers, its files fail with the reason, the run ends', async (t) => {
    const other = setupDeid({ profile: 'basic', secretFile: secretFile, record: false });
    const otherKey = { ...other.spec!, key: Buffer.alloc(32, 7) };
    const r = await runQueuedBatch({ ...batch('wrong', 'r-wrong'), worker: { deid: otherKey, record: false }, queue: redis.url, keyRef: { kind: 'run' }, taskFiles: 50 });
    t.equal(r.anonymized_files.length, 0);
    t.equal(r.failures.length, 42, 'every file of the task fails (none was opened: the non-DICOM one too)');
    t.match(r.failures[0].message, /key .* is not the one the run was started with/);
  });
});
