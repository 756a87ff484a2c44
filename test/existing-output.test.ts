// A no-clobber write whose name is already taken: compared with the bytes in hand, nothing written
// first; whatever is not a regular file at the name is "different" and is never read through.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { buildDicom } from '../fixtures/build.js';
import { existingOutput, sameContent } from '../src/dicom/existing-output.js';
import { closeDicom, openDicom, serializeDicom, writeDicomFile } from '../src/dicom/file.js';
import { tempDir } from './helpers/tmp.js';

const tmp = (t: Test): string => tempDir(t, 'existing');

const BYTES = Buffer.from('the output about to be written, byte for byte');

t.test('existingOutput on a free name → undefined', async (t) => {
  t.equal(existingOutput(join(tmp(t), 'free.dcm'), BYTES), undefined);
});

t.test('existingOutput on the same bytes → identical; on another size or another byte → different', async (t) => {
  const d = tmp(t);
  writeFileSync(join(d, 'same.dcm'), BYTES);
  writeFileSync(join(d, 'longer.dcm'), Buffer.concat([BYTES, Buffer.from('!')]));
  const flipped = Buffer.from(BYTES);
  flipped[flipped.length - 1] ^= 1;
  writeFileSync(join(d, 'flipped.dcm'), flipped);
  writeFileSync(join(d, 'empty.dcm'), '');
  t.equal(existingOutput(join(d, 'same.dcm'), BYTES), 'identical');
  t.equal(existingOutput(join(d, 'longer.dcm'), BYTES), 'different');
  t.equal(existingOutput(join(d, 'flipped.dcm'), BYTES), 'different');
  t.equal(existingOutput(join(d, 'empty.dcm'), BYTES), 'different');
  t.equal(existingOutput(join(d, 'empty.dcm'), Buffer.alloc(0)), 'identical', 'an empty output against an empty file');
});

t.test('existingOutput over several compare blocks, differing only in the last byte → different; the same → identical', async (t) => {
  const d = tmp(t);
  const big = Buffer.alloc(2.5 * 1024 * 1024, 7);
  writeFileSync(join(d, 'big.dcm'), big);
  t.equal(existingOutput(join(d, 'big.dcm'), big), 'identical');
  const other = Buffer.from(big);
  other[other.length - 1] = 8;
  t.equal(existingOutput(join(d, 'big.dcm'), other), 'different');
});

t.test('existingOutput on a symlink to a file of the same bytes → different, the target not read through', async (t) => {
  const d = tmp(t);
  writeFileSync(join(d, 'elsewhere.dcm'), BYTES);
  symlinkSync(join(d, 'elsewhere.dcm'), join(d, 'planted.dcm'));
  t.equal(existingOutput(join(d, 'planted.dcm'), BYTES), 'different');
  t.equal(sameContent(join(d, 'elsewhere.dcm'), join(d, 'planted.dcm')), false, 'nor by the compare after a link met the name');
});

t.test('existingOutput on a folder or a FIFO nobody writes → different, at once (never blocks)', async (t) => {
  const d = tmp(t);
  mkdirSync(join(d, 'folder.dcm'));
  t.equal(existingOutput(join(d, 'folder.dcm'), BYTES), 'different');
  const fifo = spawnSync('mkfifo', [join(d, 'fifo.dcm')]);
  t.equal(fifo.status, 0, 'mkfifo (coreutils) made a FIFO');
  t.equal(existingOutput(join(d, 'fifo.dcm'), BYTES), 'different');
  t.equal(sameContent(join(d, 'folder.dcm'), join(d, 'fifo.dcm')), false);
});

t.test('sameContent of two files → true for the same bytes, false for another size or byte', async (t) => {
  const d = tmp(t);
  writeFileSync(join(d, 'a'), BYTES);
  writeFileSync(join(d, 'b'), BYTES);
  writeFileSync(join(d, 'c'), BYTES.subarray(1));
  writeFileSync(join(d, 'e'), Buffer.from(BYTES).fill(0x41, 0, 1));
  t.equal(sameContent(join(d, 'a'), join(d, 'b')), true);
  t.equal(sameContent(join(d, 'a'), join(d, 'c')), false);
  t.equal(sameContent(join(d, 'a'), join(d, 'e')), false);
  t.equal(sameContent(join(d, 'a'), join(d, 'absent')), false);
});

/** A small file read whole (the in-memory output path), its name changed so the output is encoded. */
async function changedFile(d: string) {
  const input = join(d, 'in.dcm');
  writeFileSync(
    input,
    buildDicom({
      elements: [
        { tag: 0x00100010, vr: 'PN', value: 'Doe^Jane' },
        { tag: 0x00100020, vr: 'LO', value: 'ID-1' },
      ],
    }),
  );
  const f = await openDicom(input);
  f.dataset.delete(0x00100010);
  return f;
}

t.test('writeDicomFile noClobber onto an identical output → identical, no temporary file made, the output untouched', async (t) => {
  const d = tmp(t);
  const tmpDir = join(d, 'tmp');
  mkdirSync(tmpDir);
  const f = await changedFile(d);
  t.teardown(() => closeDicom(f));
  const out = join(d, 'out.dcm');
  writeFileSync(out, serializeDicom(f));
  const before = statSync(out);
  // a check that would throw on any temporary file: the bytes are checked, then compared
  let checkedBytes = 0;
  const r = await writeDicomFile(f, out, { noClobber: true, tmpDir, checkBytes: (b) => (checkedBytes = b.length), check: () => t.fail('no temporary file to check') });
  t.same(r, { size: before.size, existing: 'identical' });
  t.equal(checkedBytes, before.size, 'the safety check still ran on the bytes');
  t.same(readdirSync(tmpDir), [], 'nothing made in the temporary folder');
  t.equal(statSync(out).mtimeMs, before.mtimeMs, 'the existing output not rewritten');
});

t.test('writeDicomFile noClobber onto a different output → different, the existing file kept as it was', async (t) => {
  const d = tmp(t);
  const f = await changedFile(d);
  t.teardown(() => closeDicom(f));
  const out = join(d, 'out.dcm');
  writeFileSync(out, 'SOMEONE ELSE');
  const r = await writeDicomFile(f, out, { noClobber: true, tmpDir: d });
  t.equal(r.existing, 'different');
  t.equal(readFileSync(out, 'latin1'), 'SOMEONE ELSE');
  t.same(
    readdirSync(d).filter((n) => n.endsWith('.tmp')),
    [],
    'no temporary file left',
  );
});

t.test('writeDicomFile noClobber onto a free name → written, and the same write again → identical', async (t) => {
  const d = tmp(t);
  const f = await changedFile(d);
  t.teardown(() => closeDicom(f));
  const out = join(d, 'out.dcm');
  const first = await writeDicomFile(f, out, { noClobber: true, tmpDir: d });
  t.same(first, { size: statSync(out).size });
  t.same(readFileSync(out), serializeDicom(f));
  t.equal((await writeDicomFile(f, out, { noClobber: true, tmpDir: d })).existing, 'identical');
});
