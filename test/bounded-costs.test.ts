/**
 * Bounded costs and classified faults (issue 13): a deflate bomb stops at the inflation ratio or
 * the absolute cap with a typed INFLATE_LIMIT, and file-system errors that may pass (disk full,
 * I/O error, too many open files) are IO_TRANSIENT, which anon watch retries instead of failing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import t, { type Test } from 'tap';
import { buildDicom, TS } from '../fixtures/build.js';
import { DicomError, ioCode } from '../src/dicom/errors.js';
import { closeDicom, openDicom } from '../src/dicom/file.js';

const tmp = (t: Test): string => {
  const d = mkdtempSync(join(tmpdir(), 'anonflow-bounded-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
};

/** A deflated file whose body is `mib` MiB of zeros (about a thousand to one). */
function bomb(dir: string, mib: number): string {
  const empty = buildDicom({ transferSyntax: TS.deflatedLE, elements: [] });
  const head = empty.subarray(0, empty.length - deflateRawSync(Buffer.alloc(0)).length); // the meta, without its empty body
  const p = join(dir, 'bomb.dcm');
  writeFileSync(p, Buffer.concat([head, deflateRawSync(Buffer.alloc(mib * 1024 * 1024))]));
  return p;
}

t.test('a deflate bomb above the ratio → INFLATE_LIMIT, typed, with the offset of the compressed body', async (t) => {
  const p = bomb(tmp(t), 70);
  const e = await openDicom(p, { maxInflateRatio: 100 }).then(
    () => undefined,
    (x: unknown) => x,
  );
  t.ok(e instanceof DicomError, 'a DicomError');
  t.equal((e as DicomError).code, 'INFLATE_LIMIT');
  t.type((e as DicomError).offset, 'number');
});

t.test('a deflate bomb above the absolute cap → INFLATE_LIMIT whatever the ratio', async (t) => {
  const p = bomb(tmp(t), 70);
  await t.rejects(openDicom(p, { maxInflated: 65 * 1024 * 1024, maxInflateRatio: 1_000_000 }), { code: 'INFLATE_LIMIT' });
});

t.test('a deflated body under 64 MiB → inflated whatever its ratio', async (t) => {
  const f = await openDicom(bomb(tmp(t), 8), { maxInflateRatio: 1 });
  t.equal(f.body.size, 8 * 1024 * 1024, 'all 8 MiB inflated (zeros: read as trailing padding)');
  closeDicom(f);
});

t.test('ioCode: disk full, I/O error, too many open files → IO_TRANSIENT; permission, missing → IO', async (t) => {
  for (const c of ['ENOSPC', 'EDQUOT', 'EIO', 'EMFILE', 'ENFILE']) t.equal(ioCode(c), 'IO_TRANSIENT', c);
  for (const c of ['EACCES', 'EROFS', 'ENOENT', undefined]) t.equal(ioCode(c), 'IO', String(c));
});
