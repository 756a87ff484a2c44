// V8's growth of every thread's heap, held close to what the thread keeps alive, so that a batch's
// memory is flat whatever its number of files. Two process-wide flags, read by V8 at each growth:
// - young generation: V8 doubles it each time enough objects have survived scavenges since it last
//   grew, up to 16 MiB a semi-space, so over a long batch every thread ended at its maximum (a
//   100k-file run held ~30 MiB more than a 1k-file one for nothing). A growth factor of 1 keeps
//   each thread at its starting size.
// - old generation: after a full collection V8 lets a heap grow by a factor chosen from the
//   machine's memory and the time spent collecting (up to 4× on a large machine) before the next.
//   The main thread's heap is mostly short-lived garbage promoted by chance (a file in hand, results
//   in flight): it collected once in a 10k-file run and grew 10 → 38 MiB; RSS grew 110 → 140 MiB
//   (1k → 10k) and 159 MiB at 100k. At 10 % the next limit is V8's floor (8 MiB plus the young
//   generation past what is alive): RSS 111–128 MiB from 1k to 100k, CPU within noise
//   (bench/README.md, issue 16, seventh pass). Collecting by hand instead (a forced gc() between
//   files, as the feeding thread once did) deoptimises the thread's compiled code: a forced
//   collection keeps no object shape (V8's map) that only compiled code still refers to, and the
//   code depending on it is thrown away.
// Node resets V8's flags whenever a worker thread starts: bin/anon sets them for the main thread
// (the same text, before anything else loads), and whatever starts a worker sets them again once it
// has started (every pool worker, the OCR engine's recogniser).
import { setFlagsFromString } from 'node:v8';

/** The V8 flags that hold every thread's heap growth (bin/anon holds a copy: test/run-memory checks). */
export const HOLD_HEAP_GROWTH = '--semi-space-growth-factor=1 --heap-growing-percent=10';

export function holdHeapGrowth(): void {
  setFlagsFromString(HOLD_HEAP_GROWTH);
}
