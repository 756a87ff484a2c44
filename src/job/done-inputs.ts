// What a resumed run need not redo, without holding the journal in memory: per input, a hash and
// the journal offset of the last entry about it (an OffsetTable, 16–32 bytes an input), confirmed
// by reading that line. A resume of a million-file run holds ~30 MB less than a map of entries.
import { OffsetTable, pathHash } from '../io/offset-table.js';

/** What the last journal entry about an input says a resumed run does with it. */
export type ResumeState = 'redo' | 'skipped' | 'written';

// the state rides in the low two bits of the stored value (offsets stay exact below 2^51)
const STATE: Record<ResumeState, number> = { redo: 0, skipped: 1, written: 2 };
const offsetOf = (v: number): number => Math.floor(v / 4);
const stateOf = (v: number): number => v % 4;

export class DoneInputs {
  private readonly table: OffsetTable;
  private done = 0;
  private writtenCount = 0;

  /** `inputAt`: the input of the journal entry whose line starts at an offset. */
  constructor(inputAt: (offset: number) => string | undefined, hash: (s: string) => number = pathHash) {
    this.table = new OffsetTable((v) => inputAt(offsetOf(v)), hash);
  }

  /** Inputs not to redo. */
  get size(): number {
    return this.done;
  }

  /** Of those, the ones written (the others were skipped). */
  get written(): number {
    return this.writtenCount;
  }

  /** Bytes held (for the tests and the bench's figures). */
  get bytes(): number {
    return this.table.bytes;
  }

  /** The journal entry at `offset`, about `input`, read in journal order: the last one decides. */
  note(input: string, offset: number, state: ResumeState): void {
    const before = this.table.get(input);
    if (before !== undefined) this.count(stateOf(before), -1);
    this.table.set(input, offset * 4 + STATE[state]);
    this.count(STATE[state], 1);
  }

  /** Whether a resumed run skips `input`. */
  has(input: string): boolean {
    const v = this.table.get(input);
    return v !== undefined && stateOf(v) !== STATE.redo;
  }

  /** Whether the entry at `offset` is the one that makes `input` done (no journal read). */
  decides(input: string, offset: number): boolean {
    return this.table.holds(input, (v) => offsetOf(v) === offset && stateOf(v) !== STATE.redo);
  }

  private count(state: number, by: number): void {
    if (state === STATE.redo) return;
    this.done += by;
    if (state === STATE.written) this.writtenCount += by;
  }
}
