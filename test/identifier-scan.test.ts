// The safety net's tag scan looks at every second byte only: a tag planted at any offset, in
// either byte order, in noise or among zeros, at the very end of the bytes, is still found.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { findIdentifiers, scanIdentifiers } from '../src/dicom/identifier-scan.js';
import { BufferSource, FileSource } from '../src/dicom/source.js';
import * as T from '../src/dicom/tags.generated.js';

/** An explicit VR short-length element (PN) holding `value`, in either byte order. */
function element(tag: number, value: string, little: boolean): Buffer {
  const v = Buffer.from(value.length % 2 ? value + ' ' : value, 'latin1');
  const h = Buffer.alloc(8);
  if (little) {
    h.writeUInt16LE(tag >>> 16, 0);
    h.writeUInt16LE(tag & 0xffff, 2);
    h.write('PN', 4, 'latin1');
    h.writeUInt16LE(v.length, 6);
  } else {
    h.writeUInt16BE(tag >>> 16, 0);
    h.writeUInt16BE(tag & 0xffff, 2);
    h.write('PN', 4, 'latin1');
    h.writeUInt16BE(v.length, 6);
  }
  return Buffer.concat([h, v]);
}

const fills: [string, (n: number) => Buffer][] = [
  ['noise', (n) => randomBytes(n)],
  ['zeros', (n) => Buffer.alloc(n)],
  ['group bytes', (n) => Buffer.alloc(n, 0x10)],
];

t.test('tag scan: a name planted at every offset, either byte order, any surroundings → found, in memory and through a file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-scan-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [what, fill] of fills) {
    for (const little of [true, false]) {
      for (let offset = 0; offset < 8; offset++) {
        for (const atEnd of [false, true]) {
          const el = element(T.PatientName, 'DOE^JANE', little);
          const bytes = atEnd ? Buffer.concat([fill(64 + offset), el]) : Buffer.concat([fill(offset), el, fill(37)]);
          const where = `${what}, ${little ? 'little' : 'big'} endian, offset ${offset}${atEnd ? ', at the end' : ''}`;
          const inMemory = scanIdentifiers(new BufferSource(bytes)).map((i) => i.value);
          t.ok(inMemory.includes('DOE^JANE'), `in memory: ${where}`);
          const file = join(dir, 'x.bin');
          writeFileSync(file, bytes);
          const src = new FileSource(file);
          try {
            t.same(
              scanIdentifiers(src).map((i) => i.value),
              inMemory,
              `through a file: ${where}`,
            );
          } finally {
            src.close();
          }
        }
      }
    }
  }
});

t.test('tag scan: bytes starting at any alignment of their memory, a tag at any offset among zeros and group bytes → every tag found, in order', async (t) => {
  // The scan reads four bytes at a time from the first aligned word: the bytes before it, the
  // word edges and the tail are each read another way.
  const filler = Buffer.from([0x00, 0x10, 0x00, 0x08, 0x32, 0x00, 0x10, 0x10, 0x00, 0x00, 0x20]);
  const a = element(T.PatientName, 'DOE^JANE', true);
  const b = element(T.AccessionNumber, 'ACC98765', false);
  let missed = 0;
  for (let align = 0; align < 4; align++) {
    for (let at = 0; at < 12; at++) {
      const body = Buffer.concat([filler.subarray(0, at), a, filler, b, filler.subarray(0, (at * 7) % 11)]);
      const memory = Buffer.alloc(body.length + align + 8);
      body.copy(memory, align);
      const found = scanIdentifiers(new BufferSource(memory.subarray(align, align + body.length))).map((i) => i.value);
      if (found.join() !== 'DOE^JANE,ACC98765') missed++;
    }
  }
  t.equal(missed, 0, 'both tags found, in order, at every alignment and offset (48 layouts)');
});

t.test('tag scan: a tag of another attribute, or a tag cut off by the end → nothing found', async (t) => {
  t.same(scanIdentifiers(new BufferSource(element(T.StudyDescription, 'DOE^JANE', true))), []);
  const el = element(T.PatientName, 'DOE^JANE', true);
  t.same(scanIdentifiers(new BufferSource(el.subarray(0, 3))), []);
});

t.test('identifier search: in memory and through a file → the same identifiers, whole values only', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-scan-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const ids = scanIdentifiers(new BufferSource(Buffer.concat([element(T.PatientName, 'DOE^JANE', true), element(T.PatientID, 'ID12345', true)])));
  t.equal(ids.length, 2);
  const out = Buffer.concat([randomBytes(100), Buffer.from(' DOE^JANE '), randomBytes(50), Buffer.from('XID12345')]);
  const file = join(dir, 'out.bin');
  writeFileSync(file, out);
  const src = new FileSource(file);
  try {
    const viaFile = findIdentifiers(src, ids).map((i) => i.value);
    t.same(viaFile, ['DOE^JANE'], 'the ID inside a longer word is not a hit');
    t.same(
      findIdentifiers(new BufferSource(out), ids).map((i) => i.value),
      viaFile,
    );
  } finally {
    src.close();
  }
});
