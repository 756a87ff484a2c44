// V8 starts a full collection only once a thread's old generation has grown 8 MiB plus its young
// generation past what the last one left alive, and the main thread's first limit is higher still: its
// heap (results, journal lines) is 9 MiB committed after 1k files and ~27 MiB after 10k, without
// holding more alive. The thread that feeds a pool and journals its results collects its heap between
// results once it has grown a small step past its last low: a few collections a 10k-file run.
// Not in the workers (nor on a thread that processes files, as anon run's does): collecting there
// between files cost 30-40 % more CPU a run for ~15 MiB (bench/README.md, issue 16, fifth pass):
// a forced collection keeps no map that only compiled code refers to, so the thread's optimised
// code is thrown away and compiled again (`--trace-deopt`: 667 "weak objects" in a 10k-file run,
// none without). src/heap-growth.ts holds every thread's heap instead.
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** How far a thread's old generation may grow past its last low before it is collected between files (MiB). */
export const HEAP_TRIM_STEP_MB = 4;

/** The step in bytes: ANON_HEAP_TRIM_MB overrides it for benchmarks and tests (0: between every file; Infinity: never). */
function trimStep(): number {
  const mb = Number(process.env.ANON_HEAP_TRIM_MB || HEAP_TRIM_STEP_MB);
  return (Number.isNaN(mb) || mb < 0 ? HEAP_TRIM_STEP_MB : mb) * 2 ** 20;
}

/**
 * V8's own full collection, without `--expose-gc` on the command line (which bin/anon cannot give):
 * the flag puts `gc` into contexts made while it is on, so it is on for one new context only. A
 * worker starting at that moment resets V8's flags (see src/heap-growth.ts): then it is asked again,
 * and should it still be missing the thread goes without (memory only; no file depends on it).
 */
function fullCollection(): (() => void) | undefined {
  for (let attempt = 0; attempt < 3; attempt++) {
    setFlagsFromString('--expose-gc');
    try {
      const gc: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
      if (typeof gc === 'function') return gc as () => void;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  }
  return undefined;
}

/** Bytes in use in the old generation (old, code, large-object spaces), the young one left out: it fills and empties with every file. */
function oldGenerationUsed(): number {
  let used = 0;
  for (const s of getHeapSpaceStatistics()) if (!s.space_name.startsWith('new_')) used += s.space_used_size;
  return used;
}

/**
 * Call the result at each idle point between files. It collects (and says so) when
 * the old generation in use has grown `step` past the lowest it has been since the last collection.
 */
export function heapTrimmer(): () => boolean {
  // taken when first needed: most runs of a few thousand files never are, and the workers start meanwhile
  let gc: (() => void) | undefined | null = null;
  const grow = trimStep();
  // measured from the first idle point, once the thread has loaded and compiled what it needs
  let low = Infinity;
  return () => {
    const used = oldGenerationUsed();
    if (used < low + grow) {
      // V8's own collections lower the mark too
      if (used < low) low = used;
      return false;
    }
    if (gc === null) gc = fullCollection();
    if (!gc) return false;
    gc();
    low = oldGenerationUsed();
    return true;
  };
}
