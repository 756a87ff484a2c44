// The batch's duplicate check (one input per output) without holding every output path: a path
// (~250 bytes as a string) is kept as a 32-bit hash and the journal offset of the entry that
// claimed it, 12 bytes a slot in a table 3/8 to 3/4 full (16–32 bytes per written file). A hash match is
// confirmed against that journal line, so the check is exact; only real duplicates, and hash
// collisions (about one probe in 2^32), cost a read.

/** FNV-1a over the UTF-16 code units; never 0 (0 marks a free slot). */
export function pathHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0 || 1;
}

export class OutputClaims {
  private hashes = new Uint32Array(1024);
  private offsets = new Float64Array(1024);
  private used = 0;
  // claims whose journal line could not be written (a full report disk): few, as the run stops
  private readonly unjournaled = new Set<string>();

  /**
   * `outputAt`: the output of the journal entry at an offset (Journal.outputAt). `hash` is a
   * parameter so that tests can force collisions.
   */
  constructor(
    private readonly outputAt: (offset: number) => string | undefined,
    private readonly hash: (s: string) => number = pathHash,
  ) {}

  get size(): number {
    return this.used + this.unjournaled.size;
  }

  /** Bytes held by the table (for the bench's figures). */
  get bytes(): number {
    return this.hashes.byteLength + this.offsets.byteLength;
  }

  has(output: string): boolean {
    if (this.unjournaled.has(output)) return true;
    const h = this.hash(output) >>> 0 || 1;
    const mask = this.hashes.length - 1;
    for (let i = h & mask; this.hashes[i] !== 0; i = (i + 1) & mask) {
      if (this.hashes[i] === h && this.outputAt(this.offsets[i]) === output) return true;
    }
    return false;
  }

  /** Claims `output` for the entry journaled at `offset` (undefined: it could not be journaled). */
  add(output: string, offset: number | undefined): void {
    if (offset === undefined) {
      this.unjournaled.add(output);
      return;
    }
    if ((this.used + 1) * 4 > this.hashes.length * 3) this.grow();
    this.put(this.hash(output) >>> 0 || 1, offset);
    this.used++;
  }

  private put(h: number, offset: number): void {
    const mask = this.hashes.length - 1;
    let i = h & mask;
    while (this.hashes[i] !== 0) i = (i + 1) & mask;
    this.hashes[i] = h;
    this.offsets[i] = offset;
  }

  private grow(): void {
    const { hashes, offsets } = this;
    this.hashes = new Uint32Array(hashes.length * 2);
    this.offsets = new Float64Array(hashes.length * 2);
    for (let i = 0; i < hashes.length; i++) if (hashes[i] !== 0) this.put(hashes[i], offsets[i]);
  }
}
