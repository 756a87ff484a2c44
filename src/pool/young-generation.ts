// V8 doubles a thread's young generation each time enough objects have survived scavenges since it
// last grew, up to 16 MiB a semi-space: over a long batch every thread ends at its maximum, so a
// 100k-file run held ~30 MiB more than a 1k-file one for nothing (the live heaps are flat). A
// growth factor of 1 keeps each thread at its starting size. The flag is process-wide and read at
// each growth, and Node resets V8's flags whenever a worker thread starts: bin/anon sets it for
// the main thread, and every pool worker sets it again once it has started (this module).
import { setFlagsFromString } from 'node:v8';

/** The V8 flag that keeps young generations at their starting size. */
export const HOLD_YOUNG_GENERATION = '--semi-space-growth-factor=1';

export function holdYoungGeneration(): void {
  setFlagsFromString(HOLD_YOUNG_GENERATION);
}
