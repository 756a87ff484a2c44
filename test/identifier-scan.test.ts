// The safety net's tag scan: a tag planted at any offset, in either byte order, in noise or among
// zeros, at the very end of the bytes, is still found; and the WebAssembly kernel (tag-hits.ts)
// finds exactly the hits of a byte-by-byte reading and the identifiers of the JavaScript scan.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { findIdentifiers, IDENTIFIER_TAGS, scanIdentifiers, type Identifier } from '../src/dicom/identifier-scan.js';
import { BufferSource, FileSource } from '../src/dicom/source.js';
import { tagHits } from '../src/dicom/tag-hits.js';
import * as T from '../src/dicom/tags.generated.js';
import { CORPUS, corpusFiles, SKIP_CORPUS } from './helpers/corpus.js';
import { Rng } from './helpers/mutate.js';

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

// ---------------------------------------------------------------------------
// the kernel against a byte-by-byte reading, and against the JavaScript scan
// ---------------------------------------------------------------------------

type Hit = [at: number, little: boolean, tag: number];

/** The definition, read byte by byte: group, 0, element (little endian) or 0, group, element (big endian). */
function hitsByByte(b: Uint8Array, last: number, tags: ReadonlySet<number>, from = 0): Hit[] {
  const hits: Hit[] = [];
  for (let i = from; i <= last; i++) {
    const x = b[i];
    const y = b[i + 1];
    if (y === 0 && x !== 0) {
      const tag = ((x << 16) | b[i + 2] | (b[i + 3] << 8)) >>> 0;
      if (tags.has(tag)) hits.push([i, true, tag]);
    } else if (x === 0 && y !== 0) {
      const tag = ((y << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
      if (tags.has(tag)) hits.push([i, false, tag]);
    }
  }
  return hits;
}

function kernelHits(b: Uint8Array, last: number, tags: ReadonlySet<number>): Hit[] | undefined {
  const hits: Hit[] = [];
  return tagHits(b, last, tags, (at, little, tag) => hits.push([at, little, tag])) ? hits : undefined;
}

/** A tag's 4 bytes in either order. */
function tagBytes(tag: number, little: boolean): Buffer {
  const b = Buffer.alloc(4);
  if (little) b.writeUInt32LE((tag & 0xffff) * 0x10000 + (tag >>> 16));
  else b.writeUInt32BE(tag >>> 0);
  return b;
}

const ID_SET = new Set(IDENTIFIER_TAGS);
/** Bytes that make candidates: zeros, the groups, the elements' bytes, and a few others. */
const ALPHABET = [0x00, 0x00, 0x00, 0x08, 0x10, 0x32, 0x50, 0x90, 0x20, 0x21, 0x54, 0x01, 0x05, 0x60, 0x70, 0x40, 0x11, 0xff];

/** Seeded bytes of one of four kinds, with tags of the set (and near misses) planted anywhere, the very end included. */
function fuzzBytes(rng: Rng, n: number): Buffer {
  const kind = rng.int(4);
  const b = kind === 0 ? rng.bytes(n) : kind === 1 ? Buffer.alloc(n) : Buffer.from(Array.from({ length: n }, () => rng.pick(ALPHABET)));
  if (kind === 3) for (let i = 0; i + 1 < n; i += 2) b[i + 1] = rng.int(8) === 0 ? rng.int(256) : 0; // small 16-bit samples
  for (let k = rng.int(6); k > 0 && n >= 4; k--) {
    const tag = rng.int(5) === 0 ? rng.pick([T.StudyDescription, T.PatientName + 1, 0x00000010, 0x10000010]) : rng.pick(IDENTIFIER_TAGS);
    const at = rng.int(3) === 0 ? n - 4 : rng.int(n - 3);
    tagBytes(tag, rng.int(2) === 0).copy(b, at);
  }
  return b;
}

const kernelRuns = kernelHits(Buffer.alloc(8), 4, ID_SET) !== undefined;

t.test('tag kernel: instantiated on this Node → it scans (else the JavaScript scan would run and these tests compare it with itself)', async (t) => {
  t.ok(kernelRuns, 'WebAssembly SIMD kernel available');
});

t.test('tag kernel: 4,000 seeded buffers of 4 to 300 bytes, tags planted anywhere and at the end → the byte-by-byte hits, in order', async (t) => {
  const rng = new Rng(16);
  let differ = 0;
  let hits = 0;
  for (let round = 0; round < 4000; round++) {
    const n = rng.range(4, 300);
    const b = fuzzBytes(rng, n);
    // a random start in memory, and a last position at or before the end
    const memory = Buffer.alloc(n + 16);
    const align = rng.int(16);
    b.copy(memory, align);
    const view = memory.subarray(align, align + n);
    const last = rng.int(4) === 0 ? rng.int(n - 3) : n - 4;
    const want = hitsByByte(view, last, ID_SET);
    hits += want.length;
    if (JSON.stringify(kernelHits(view, last, ID_SET)) !== JSON.stringify(want)) differ++;
  }
  t.equal(differ, 0, 'no buffer differs');
  t.ok(hits > 4000, `the buffers hold hits (${hits})`);
});

t.test('tag kernel: a tag at every position across the first 1 MiB chunk boundary, and more hits than its output area holds → the same hits', async (t) => {
  const n = 1024 * 1024 + 200;
  const rng = new Rng(7);
  let differ = 0;
  const noise = rng.bytes(n);
  const b = Buffer.alloc(n);
  for (let at = 1024 * 1024 - 40; at <= 1024 * 1024 + 40; at++) {
    noise.copy(b);
    tagBytes(T.AccessionNumber, at % 2 === 0).copy(b, at);
    // the noise's own hits are checked once below; here, those near the boundary
    const near = (kernelHits(b, n - 4, ID_SET) ?? []).filter(([i]) => i >= 1024 * 1024 - 64 && i <= 1024 * 1024 + 64);
    if (JSON.stringify(near) !== JSON.stringify(hitsByByte(b, 1024 * 1024 + 64, ID_SET, 1024 * 1024 - 64))) differ++;
  }
  t.equal(differ, 0, 'every position around the boundary');
  t.same(kernelHits(noise, n - 4, ID_SET), hitsByByte(noise, n - 4, ID_SET), 'the whole noise');
  // 10 00 10 00 …: (0010,0010) little endian at every even position, big endian at every odd one
  const dense = Buffer.alloc(3 * 4096 * 2 + 7);
  for (let i = 0; i < dense.length; i += 2) dense[i] = 0x10;
  const want = hitsByByte(dense, dense.length - 4, ID_SET);
  t.ok(want.length > 3 * 4096, `${want.length} hits`);
  t.same(kernelHits(dense, dense.length - 4, ID_SET), want);
});

t.test('tag kernel: other tag sets (a group 0 tag, 7 groups) → the byte-by-byte hits; 8 groups → declined, and the scan still answers', async (t) => {
  const rng = new Rng(3);
  const seven = new Set([0x00080050, 0x00100010, 0x00200010, 0x00320032, 0x00400010, 0x00ff0000, 0x00010100, 0x00000010]);
  for (const tags of [new Set([0x00000010, 0x00100020]), seven]) {
    let differ = 0;
    for (let round = 0; round < 300; round++) {
      const n = rng.range(4, 200);
      const b = Buffer.from(Array.from({ length: n }, () => rng.pick([0, 0, 0x08, 0x10, 0x20, 0x32, 0x40, 0xff, 0x01, 0x50, 0x00])));
      if (JSON.stringify(kernelHits(b, n - 4, tags)) !== JSON.stringify(hitsByByte(b, n - 4, tags))) differ++;
    }
    t.equal(differ, 0, `set of ${tags.size} tags`);
  }
  const eight = [...seven, 0x00500010];
  t.equal(kernelHits(Buffer.alloc(16), 12, new Set(eight)), undefined, 'declined');
  const bytes = Buffer.concat([Buffer.alloc(5), element(0x00500010, 'DOE^JANE', true)]);
  t.same(
    scanIdentifiers(new BufferSource(bytes), { tags: eight }).map((i) => i.value),
    ['DOE^JANE'],
  );
});

const ids = (found: Identifier[]): string => JSON.stringify(found.map((i) => [i.tag, i.value, i.bytes.toString('hex')]));

t.test('identifier scan: 2,000 seeded buffers with elements planted → the kernel and the JavaScript scan find the same identifiers', async (t) => {
  const rng = new Rng(2026);
  let differ = 0;
  let found = 0;
  const names = ['DOE^JANE', 'ACC98765', 'Müller^Jörg', 'ID12345', 'SMITH^J ', '12 MAIN ST'];
  for (let round = 0; round < 2000; round++) {
    const parts = [fuzzBytes(rng, rng.range(0, 120))];
    for (let k = rng.int(4); k > 0; k--) {
      const el = element(rng.pick(IDENTIFIER_TAGS), rng.pick(names), rng.int(2) === 0);
      parts.push(rng.int(4) === 0 ? el.subarray(0, rng.int(el.length)) : el, fuzzBytes(rng, rng.range(0, 40)));
    }
    const src = new BufferSource(Buffer.concat(parts));
    const kernel = scanIdentifiers(src);
    found += kernel.length;
    if (ids(kernel) !== ids(scanIdentifiers(src, { reference: true }))) differ++;
  }
  t.equal(differ, 0, 'no buffer differs');
  t.ok(found > 1000, `identifiers found (${found})`);
});

t.test('identifier scan: a 9 MiB file in 4 MiB blocks, tags at the block edges and in the overlap, with and without a skipped range → the same identifiers', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-scan-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const rng = new Rng(9);
  const size = 9 * 1024 * 1024 + 333;
  const bytes = Buffer.from(Array.from({ length: size >> 4 }, () => rng.pick(ALPHABET))).toString('hex'); // hex digits: text-like noise
  const b = Buffer.from(bytes.padEnd(size, '0'), 'latin1');
  const block = 4 * 1024 * 1024;
  const planted = [0, block - 45, block - 22, block - 1, block + 20, block + 1000, 2 * block - 30, 2 * block - 3, 2 * block + 500, size - 16]; // 16-byte elements, none overlapping
  planted.forEach((at, k) => element(IDENTIFIER_TAGS[k % IDENTIFIER_TAGS.length], `NAME^${k}X`, k % 2 === 0).copy(b, at));
  const file = join(dir, 'big.bin');
  writeFileSync(file, b);
  for (const skip of [undefined, { start: 1000, end: 2 * block + 2000 }, { start: block - 100, end: size }]) {
    const src = new FileSource(file);
    try {
      const kernel = scanIdentifiers(src, { skip });
      t.equal(ids(kernel), ids(scanIdentifiers(src, { skip, reference: true })), `skip ${JSON.stringify(skip)}`);
      if (!skip) t.equal(kernel.filter((i) => i.value.startsWith('NAME^')).length, planted.length, 'every planted name');
    } finally {
      src.close();
    }
  }
  t.equal(ids(scanIdentifiers(new BufferSource(b))), ids(scanIdentifiers(new BufferSource(b), { reference: true })), 'in memory');
});

t.test(
  'identifier scan: every shared corpus file, in memory and in blocks through the file → the kernel finds what the JavaScript scan finds',
  { skip: SKIP_CORPUS },
  async (t) => {
    let differ = 0;
    let found = 0;
    const files = corpusFiles();
    for (const rel of files) {
      const path = join(CORPUS, rel);
      const mem = new BufferSource(readFileSync(path));
      const kernel = scanIdentifiers(mem);
      found += kernel.length;
      const differs = (what: string): void => {
        differ++;
        t.comment(`differs ${what}: ${rel}`);
      };
      if (ids(kernel) !== ids(scanIdentifiers(mem, { reference: true }))) differs('in memory');
      const src = new FileSource(path);
      try {
        if (ids(scanIdentifiers(src)) !== ids(scanIdentifiers(src, { reference: true }))) differs('through the file');
      } finally {
        src.close();
      }
    }
    t.equal(differ, 0, `${files.length} files`);
    t.ok(found > 100, `identifiers found (${found})`);
  },
);
