// The output folders a processor keeps open between files (src/io/dir-cache.ts): bounded, closed
// on release, and never a way out of the output folder when the tree changes under a run.
import { closeSync, existsSync, fstatSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { writeSample } from '../fixtures/sample.js';
import { makeDirAt, openConfined } from '../src/io/confined.js';
import { DirCache } from '../src/io/dir-cache.js';
import { processFile } from '../src/job/process-file.js';
import { createProcessor, releaseProcessors } from '../src/job/processor.js';
import { prepareTempDirAt } from '../src/job/temp-dir.js';

const openFds = (): number => readdirSync('/proc/self/fd').length;

/** Files below a folder, symlinks listed, not followed. */
const filesBelow = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() || d.isSymbolicLink())
    .map((d) => join(d.parentPath, d.name));

/** A sample study in <dir>/in, an output folder <dir>/out held open, its temp folder, and a folder outside. */
function setup(t: Test, noClobber = true) {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-dircache-'));
  writeSample(join(dir, 'in'));
  const out = join(dir, 'out');
  mkdirSync(out);
  mkdirSync(join(dir, 'outside'));
  const outFd = openConfined(dir, ['out'], false);
  const temp = prepareTempDirAt(outFd, 'test');
  const dirs = new DirCache(outFd, 8);
  t.teardown(() => {
    dirs.clear();
    temp.remove();
    closeSync(outFd);
    rmSync(dir, { recursive: true, force: true });
  });
  const run = (n: number) => processFile(join(dir, 'in', 'ct', `slice-${n}.dcm`), `ct/slice-${n}.dcm`, { out, outFd, layout: 'mirror', noClobber, tmpDir: temp.path, dirs });
  return { dir, out, outFd, dirs, run };
}

t.test('DirCache over its bound → the least recently used folders closed, never more than the bound held', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'anonflow-dircache-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const rootFd = openConfined(root, [], false);
  t.teardown(() => closeSync(rootFd));
  const before = openFds();
  const cache = new DirCache(rootFd, 3);
  const fds: number[] = [];
  for (let i = 0; i < 10; i++) {
    const lease = cache.acquire([`f${i}`], true);
    fds.push(lease.fd);
    lease.release();
    t.ok(cache.size <= 3, `at most 3 held after ${i + 1} folders`);
  }
  t.equal(openFds() - before, 3, 'three descriptors held');
  const last = cache.acquire(['f9'], false);
  t.ok(last.cached, 'the last folder is a hit');
  t.equal(last.fd, fds[9]);
  last.release();
  const first = cache.acquire(['f0'], false);
  t.notOk(first.cached, 'the first folder was let go: opened again');
  first.release();
  t.equal(openFds() - before, 3, 'still three');
  t.equal(readdirSync(root).length, 10, 'every folder made');
  cache.clear();
  t.equal(openFds(), before, 'clear closes every one');
  t.end();
});

t.test('DirCache nested folders → one open each, the parent reused from the cache; a leased folder outlives clear until released', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'anonflow-dircache-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const rootFd = openConfined(root, [], false);
  t.teardown(() => closeSync(rootFd));
  const cache = new DirCache(rootFd, 8);
  const a = cache.acquire(['p', 's', 'x'], true);
  t.notOk(a.cached);
  a.release();
  t.equal(cache.size, 3, 'patient, study and series held');
  const b = cache.acquire(['p', 's', 'y'], true);
  t.notOk(b.cached, 'a new series');
  t.equal(cache.size, 4, 'only the new series opened');
  const c = cache.acquire(['p', 's', 'y'], true);
  t.ok(c.cached, 'the same series again: a hit');
  t.equal(c.fd, b.fd);
  cache.clear();
  t.ok(fstatSync(b.fd).isDirectory(), 'still open while leased');
  b.release();
  t.ok(fstatSync(c.fd).isDirectory(), 'still open while a second lease holds it');
  c.release();
  c.release(); // a second release of one lease changes nothing
  t.throws(() => fstatSync(c.fd), { code: 'EBADF' }, 'closed with its last lease');
  t.equal(cache.size, 0);
  t.end();
});

t.test('makeDirAt made first over a symlink or a file → refused (PATH_SYMLINK), nothing made through it; a fresh name → made', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'anonflow-dircache-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'outside'));
  symlinkSync(join(root, 'outside'), join(root, 'link'));
  writeFileSync(join(root, 'file'), 'x');
  mkdirSync(join(root, 'there'));
  const rootFd = openConfined(root, [], false);
  t.teardown(() => closeSync(rootFd));
  for (const makeFirst of [true, false]) {
    t.throws(() => makeDirAt(rootFd, 'link', makeFirst), { code: 'PATH_SYMLINK' });
    t.throws(() => makeDirAt(rootFd, 'file', makeFirst), { code: 'PATH_SYMLINK' });
    const there = makeDirAt(rootFd, 'there', makeFirst);
    t.equal(there.made, false, 'an existing folder is opened, not made');
    closeSync(there.fd);
    const fresh = makeDirAt(rootFd, `fresh-${makeFirst}`, makeFirst);
    t.equal(fresh.made, true);
    t.ok(fstatSync(fresh.fd).isDirectory());
    closeSync(fresh.fd);
  }
  t.same(readdirSync(join(root, 'outside')), [], 'nothing made through the link');
  t.end();
});

t.test('a symlink planted in place of a removed cached folder between two files → the second file fails PATH_SYMLINK, nothing outside', async (t) => {
  const { dir, out, run } = setup(t);
  t.equal((await run(1)).status, 'written');
  rmSync(join(out, 'ct'), { recursive: true });
  symlinkSync(join(dir, 'outside'), join(out, 'ct'));
  const second = await run(2);
  t.equal(second.status, 'failed');
  t.match(second.status === 'failed' && second.error, { code: 'PATH_SYMLINK' }, 'refused, with the reason');
  t.same(filesBelow(join(dir, 'outside')), [], 'nothing written through the link');
});

t.test('a symlink planted in place of a cached folder moved within the output → the second file lands in the moved folder, nothing outside', async (t) => {
  const { dir, out, run } = setup(t);
  t.equal((await run(1)).status, 'written');
  renameSync(join(out, 'ct'), join(out, 'moved'));
  symlinkSync(join(dir, 'outside'), join(out, 'ct'));
  t.equal((await run(2)).status, 'written');
  t.same(filesBelow(join(dir, 'outside')), [], 'nothing written through the link');
  t.same(readdirSync(join(out, 'moved')).sort(), ['slice-1.dcm', 'slice-2.dcm'], 'the folder opened holds both');
});

for (const noClobber of [true, false]) {
  t.test(`a cached folder removed between two files (${noClobber ? 'link' : 'rename'}) → the second file is written again through a fresh open, and is there`, async (t) => {
    const { out, dirs, run } = setup(t, noClobber);
    t.equal((await run(1)).status, 'written');
    t.ok(dirs.size > 0, 'the folder is cached');
    rmSync(join(out, 'ct'), { recursive: true });
    const second = await run(2);
    t.equal(second.status, 'written');
    t.ok(existsSync(join(out, 'ct', 'slice-2.dcm')), 'reported written and present');
    t.notOk(existsSync(join(out, 'ct', 'slice-1.dcm')), 'the removed file is not back');
  });
}

t.test('a processor on this thread → its folders held between files, all closed by releaseProcessors', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-dircache-'));
  writeSample(join(dir, 'in'));
  mkdirSync(join(dir, 'out'));
  const outFd = openConfined(dir, ['out'], false);
  const temp = prepareTempDirAt(outFd, 'test');
  t.teardown(() => {
    temp.remove();
    closeSync(outFd);
    rmSync(dir, { recursive: true, force: true });
  });
  const before = openFds();
  const processor = createProcessor({ record: false, out: join(dir, 'out'), outFd, layout: 'mirror', tmpDir: temp.path });
  for (const n of [1, 2, 3]) t.equal((await processor({ path: join(dir, 'in', 'ct', `slice-${n}.dcm`), rel: `ct/slice-${n}.dcm` })).outcome.status, 'written');
  t.equal(openFds() - before, 1, 'the one output folder is held');
  await releaseProcessors();
  t.equal(openFds(), before, 'released');
  t.equal((await processor({ path: join(dir, 'in', 'ct', 'slice-4'), rel: 'ct/slice-4' })).outcome.status, 'written', 'a processor used after release reopens');
  await releaseProcessors();
  t.equal(openFds(), before);
});

t.test('two jobs on this thread, one released while the other runs (anon serve, threads 0) → the other keeps writing, nothing left open', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-dircache-'));
  writeSample(join(dir, 'in'));
  const jobs = ['a', 'b'].map((name) => {
    mkdirSync(join(dir, name));
    const outFd = openConfined(dir, [name], false);
    const temp = prepareTempDirAt(outFd, name);
    return { out: join(dir, name), outFd, temp };
  });
  t.teardown(() => {
    for (const j of jobs) {
      j.temp.remove();
      closeSync(j.outFd);
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const before = openFds();
  const [a, b] = jobs.map((j) => createProcessor({ record: false, out: j.out, outFd: j.outFd, layout: 'mirror', tmpDir: j.temp.path }));
  const task = (n: number) => ({ path: join(dir, 'in', 'ct', `slice-${n}.dcm`), rel: `ct/slice-${n}.dcm` });
  t.equal((await a(task(1))).outcome.status, 'written');
  // b's file has started (its folder comes later) when a's job ends and releases this thread's processors
  const inFlight = b(task(1));
  await releaseProcessors();
  t.equal((await inFlight).outcome.status, 'written');
  t.equal((await b(task(2))).outcome.status, 'written', 'b reopens its folder after the release');
  t.same(readdirSync(join(dir, 'b', 'ct')).sort(), ['slice-1.dcm', 'slice-2.dcm']);
  await releaseProcessors();
  t.equal(openFds(), before, 'nothing left open');
});
