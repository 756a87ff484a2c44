/**
 * The de-identification fuzz in CI (issue 13): a few hundred seeded mutants of corpus files through
 * the per-file job. bench/fuzz-deid.ts has the mutator loop and runs 10,000+ as a bench.
 *
 *   FUZZ_DEID_SEED   base seed (default 0x13f022)
 *   FUZZ_DEID_COUNT  mutants (default 300)
 */
import t from 'tap';
import { corpusOriginals, runDeidFuzz } from '../bench/fuzz-deid.js';
import { CORPUS, SKIP_CORPUS } from './helpers/corpus.js';

const SEED = Number(process.env.FUZZ_DEID_SEED ?? 0x13f022) >>> 0;
const COUNT = Number(process.env.FUZZ_DEID_COUNT ?? 300);

t.test(
  `${COUNT} mutants of corpus files through the per-file job (seed ${SEED}) → each accounted for once, no crash, no written output holding an identifier of its input`,
  { skip: SKIP_CORPUS },
  async (t) => {
    const originals = corpusOriginals(CORPUS, 1024 * 1024);
    t.ok(originals.length >= 50, `${originals.length} corpus files with identifiers`);
    const f = await runDeidFuzz({ originals, count: COUNT, seed: SEED });
    t.comment(`outcomes: ${JSON.stringify(f.outcomes)}; ${f.seconds.toFixed(1)} s, slowest ${f.maxMs.toFixed(0)} ms`);
    t.equal(f.mutants, COUNT, 'every mutant ran');
    t.equal(f.unaccounted, 0, 'every input has exactly one outcome');
    t.same(f.crashes, [], 'no crash, no INTERNAL failure');
    t.same(f.leaks, [], `none of ${f.outcomes.written ?? 0} written outputs holds an identifier of its input`);
    t.equal(f.failedWithoutCode, 0, 'every failure has a code');
    t.same(f.withoutPath, [], 'every failure inside the dataset names its element path');
    t.ok((f.outcomes.written ?? 0) > COUNT / 10, 'some mutants are written (the fuzz reaches the writer)');
    // A hang guard, not a speed test: one file taking this long means a loop, not a slow machine.
    t.ok(f.maxMs < 60_000, `no mutant took a minute (slowest ${f.maxMs.toFixed(0)} ms)`);
  },
);
