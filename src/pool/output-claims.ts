// The batch's duplicate check (one input per output) without holding every output path: a path
// (~250 bytes as a string) is kept as a hash and the journal offset of the entry that claimed it
// (an OffsetTable: 16–32 bytes per written file), confirmed against that journal line.
import { OffsetTable, pathHash } from '../io/offset-table.js';

export { pathHash };

export class OutputClaims {
  private readonly table: OffsetTable;
  // claims whose journal line could not be written (a full report disk): few, as the run stops
  private readonly unjournaled = new Set<string>();

  /**
   * `outputAt`: the output of the journal entry at an offset (Journal.outputAt). `hash` is a
   * parameter so that tests can force collisions.
   */
  constructor(outputAt: (offset: number) => string | undefined, hash: (s: string) => number = pathHash) {
    this.table = new OffsetTable(outputAt, hash);
  }

  get size(): number {
    return this.table.size + this.unjournaled.size;
  }

  /** Bytes held by the table (for the bench's figures). */
  get bytes(): number {
    return this.table.bytes;
  }

  has(output: string): boolean {
    return this.unjournaled.has(output) || this.table.get(output) !== undefined;
  }

  /** Claims `output` for the entry journaled at `offset` (undefined: it could not be journaled). */
  add(output: string, offset: number | undefined): void {
    if (offset === undefined) this.unjournaled.add(output);
    else this.table.add(output, offset);
  }
}
