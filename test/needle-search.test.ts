// The safety net's SIMD search (src/dicom/needle-search.wat) must answer exactly as the indexOf
// reference it replaced: same needles found, on the corpus, on seeded random bytes with needles
// planted at every alignment and edge, across the kernel's windows and the block path's blocks.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { findIdentifiers, scanIdentifiers, type Identifier } from '../src/dicom/identifier-scan.js';
import { findBounded, findBoundedReference, includesBounded, kernelAvailable } from '../src/dicom/needle-search.js';
import { BufferSource, FileSource, type ByteSource } from '../src/dicom/source.js';
import { CORPUS, corpusFiles, SKIP_CORPUS } from './helpers/corpus.js';
import { Rng } from './helpers/mutate.js';
import { fromRoot } from './helpers/root.js';

/** Word bytes, their neighbours and separators, so that near misses and edges are common. */
const ALPHABET = [...Buffer.from('AB1.z ^\\\0-', 'latin1')];
const text = (rng: Rng, n: number): Buffer => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = rng.int(8) === 0 ? rng.int(256) : rng.pick(ALPHABET);
  return b;
};

/** A source without an in-memory buffer: findIdentifiers reads it block by block. */
const blockSource = (b: Buffer): ByteSource => {
  const inner = new BufferSource(b);
  return { size: b.length, readInto: (d, o, s, l) => inner.readInto(d, o, s, l), close: () => {} };
};
const ident = (bytes: Buffer): Identifier => ({ tag: 0x00100020, value: bytes.toString('latin1'), bytes });

t.test('needle kernel on Node 20 → instantiated, not the reference fallback', async (t) => {
  t.ok(kernelAvailable());
});

const BUILT = fromRoot('dist/src/dicom/needle-search.js');
t.test(
  'needle search where WebAssembly is off (node --jitless) → the indexOf reference answers',
  { skip: existsSync(BUILT) ? false : 'dist/ not built: run npm run build (npm test does)' },
  async (t) => {
    const mod = pathToFileURL(BUILT).href;
    const script = `const m = await import(${JSON.stringify(mod)}); console.log(JSON.stringify([m.kernelAvailable(), m.findBounded(Buffer.from(' AB xABx'), [Buffer.from('AB'), Buffer.from('xAB')])]));`;
    const r = spawnSync(process.execPath, ['--jitless', '--no-warnings', '--input-type=module', '-e', script], { encoding: 'utf8' });
    t.equal(r.status, 0, r.stderr);
    t.same(JSON.parse(r.stdout), [false, [true, false]]);
  },
);

t.test('needle search: the reference examples → whole values only', async (t) => {
  const hay = Buffer.from('xx 2994400 xx 1.2.840.2994400.5 DOE^JOHN');
  const needles = ['2994400', '840', 'DOE^JOHN', 'JOHN', 'x', 'xx', '1.2', 'zzz', 'DOE^JOHN '].map((s) => Buffer.from(s));
  t.same(findBounded(hay, needles), [true, false, true, true, false, true, false, false, false]);
  t.same(findBounded(hay, needles), findBoundedReference(hay, needles));
});

t.test('needle search: every length 1..72 at every alignment, bounded or inside a word, at start and end → same as indexOf', async (t) => {
  const rng = new Rng(16);
  let checks = 0;
  let found = 0;
  for (let len = 1; len <= 72; len++) {
    const needle = text(rng, len);
    for (let at = 0; at <= 80; at++) {
      for (const around of [0x20, 0x41, 0x2e, 0x00]) {
        // The haystack ends right after the needle in one case in three: the very end.
        const tail = at % 3 === 0 ? 0 : rng.int(40);
        const hay = Buffer.alloc(at + len + tail, around);
        for (let i = 0; i < hay.length; i++) if (rng.int(4) === 0) hay[i] = rng.int(256);
        needle.copy(hay, at);
        const needles = [needle, needle.subarray(0, Math.max(1, len - 1)), hay.subarray(Math.max(0, at - 3), at + len)];
        const got = findBounded(hay, needles);
        const want = findBoundedReference(hay, needles);
        if (JSON.stringify(got) !== JSON.stringify(want)) t.same(got, want, `len ${len} at ${at} around ${around}`);
        checks++;
        if (want[0]) found++;
      }
    }
  }
  t.ok(found > checks / 4 && found < checks, `a mix of found and not found (${found} of ${checks})`);
});

t.test('needle search: 4,000 seeded random haystacks, planted, repeated, overlapping needles of 1..80 bytes → same as indexOf', async (t) => {
  const rng = new Rng(1606);
  let mismatches = 0;
  let found = 0;
  let total = 0;
  for (let trial = 0; trial < 4000; trial++) {
    // Mostly short; one in 40 spans several of the kernel's 16 KiB chunks and 64 KiB windows.
    const n = (trial % 40 === 0 ? 140_000 : rng.pick([0, 1, 2, 7, 16, 63, 64, 65, 200, 1000, 5000])) + rng.int(40);
    const hay = text(rng, n);
    const needles: Buffer[] = [];
    for (let k = rng.range(1, 9); k > 0; k--) {
      const len = rng.pick([1, 2, 3, 4, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 80, n, n + 1]) || 1;
      const needle = text(rng, len);
      // Planted once or more, maybe overlapping itself; sometimes a slice of the haystack instead.
      if (rng.int(5) === 0 && n > 0) {
        const s = rng.int(n);
        needles.push(hay.subarray(s, s + rng.range(1, 70)));
        continue;
      }
      for (let r = rng.int(4); r > 0 && len <= n; r--) needle.copy(hay, rng.pick([0, n - len, rng.int(n - len + 1)]));
      needles.push(needle);
    }
    if (rng.int(10) === 0) needles.push(Buffer.alloc(0));
    const got = findBounded(hay, needles);
    const want = findBoundedReference(hay, needles);
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      mismatches++;
      if (mismatches <= 5) t.same(got, want, `trial ${trial}: ${n} bytes, needles of ${needles.map((x) => x.length).join(',')}`);
    }
    total += want.length;
    found += want.filter(Boolean).length;
  }
  t.equal(mismatches, 0);
  t.ok(found > total / 5 && found < (total * 4) / 5, `a mix of found and not found (${found} of ${total})`);
});

t.test('needle search: values across a 64 KiB window edge and the 4 MiB block edge, letters or spaces around them → same as indexOf', async (t) => {
  const rng = new Rng(4);
  let found = 0;
  let rounds = 0;
  // One needle per round, its start or end on the edge, with a letter or a space on either side.
  for (const [edge, size] of [
    [64 * 1024, 200_000],
    [4 * 1024 * 1024, 4 * 1024 * 1024 + 5000],
  ]) {
    const hay = Buffer.alloc(size);
    for (const [before, after] of [
      [0x20, 0x20],
      [0x41, 0x20],
      [0x20, 0x2e],
    ]) {
      for (const d of [-14, -13, -12, -11, -1, 0, 1, 2]) {
        hay.fill(0x20);
        for (let i = rng.int(7); i < hay.length; i += 7) hay[i] = rng.int(256);
        const needle = Buffer.from(`W${rounds}`.padEnd(12, 'Q'), 'latin1');
        const at = edge + d;
        hay[at - 1] = before;
        needle.copy(hay, at);
        hay[at + needle.length] = after;
        // A second needle, unplanted: the one found must not stop the search for the other.
        const needles = [Buffer.from('ZZZZZZZ'), needle];
        const want = findBoundedReference(hay, needles);
        t.same(findBounded(hay, needles), want, `in memory, ${d} from ${edge}, ${before}/${after} around`);
        const ids = needles.map(ident);
        const viaBlocks = findIdentifiers(blockSource(hay), ids).map((i) => i.value);
        t.same(
          viaBlocks,
          findIdentifiers(blockSource(hay), ids, findBoundedReference).map((i) => i.value),
          `block by block, ${d} from ${edge}`,
        );
        rounds++;
        if (want[1]) found++;
      }
    }
  }
  t.ok(found > 0 && found < rounds, `whole in ${found} of ${rounds} rounds`);
});

t.test('needle search: every corpus file with its own identifiers and slices of itself → same findings as indexOf, in memory and by block', { skip: SKIP_CORPUS }, async (t) => {
  const rng = new Rng(330);
  let files = 0;
  let hits = 0;
  let misses = 0;
  for (const rel of corpusFiles()) {
    const path = `${CORPUS}/${rel}`;
    const bytes = readFileSync(path);
    const ids = scanIdentifiers(new BufferSource(bytes));
    // Slices of the file itself: found by indexOf always, whole or not by where they stand.
    for (let k = 0; k < 8 && bytes.length > 0; k++) {
      const s = rng.int(bytes.length);
      ids.push(ident(Buffer.from(bytes.subarray(s, s + rng.range(1, 64)))));
    }
    if (ids.length === 0) continue;
    const want = findIdentifiers(new BufferSource(bytes), ids, findBoundedReference).map((i) => i.value);
    const got = findIdentifiers(new BufferSource(bytes), ids).map((i) => i.value);
    if (JSON.stringify(got) !== JSON.stringify(want)) t.same(got, want, rel);
    const src = new FileSource(path); // no whole buffer: read block by block
    try {
      const viaFile = findIdentifiers(src, ids).map((i) => i.value);
      if (JSON.stringify(viaFile) !== JSON.stringify(findIdentifiers(src, ids, findBoundedReference).map((i) => i.value))) t.fail(`${rel} by block`);
    } finally {
      src.close();
    }
    files++;
    hits += want.length;
    misses += ids.length - want.length;
  }
  t.ok(files > 200, `${files} files searched`);
  t.ok(hits > 0 && misses > 0, `found ${hits}, not found ${misses}`);
});

t.test('needle search: a long haystack, then a shorter one → the shorter one ends where it ends', async (t) => {
  // The kernel's memory is reused: one call's bytes must not be read as the next call's.
  const long = Buffer.alloc(100_000, 0x20);
  Buffer.from('SMITH^ANN').copy(long, 99_000);
  const needle = Buffer.from('SMITH^ANN');
  t.same(findBounded(long, [needle]), [true]);
  t.same(findBounded(Buffer.from('SMITH^AN'), [needle]), [false], 'the previous haystack is not read past the new end');
  t.same(findBounded(Buffer.from('xSMITH^ANN'), [needle]), [false]);
  t.equal(includesBounded(Buffer.from(' SMITH^ANN'), needle), true);
});
