// A set of strings that are already written in a file (a run's journal), kept as a 32-bit hash
// and a number per string instead of the string: 12 bytes a slot in an open-addressing table 3/8
// to 3/4 full, 16–32 bytes per string whatever its length. The number names where the string can
// be read back (an offset, with a few low bits its owner may use); a hash match is confirmed by
// reading it, so lookups are exact, and only real matches and hash collisions (about one probe in
// 2^32) cost a read.

/** FNV-1a over the UTF-16 code units; never 0 (0 marks a free slot). */
export function pathHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0 || 1;
}

export class OffsetTable {
  private hashes = new Uint32Array(1024);
  private values = new Float64Array(1024);
  private used = 0;

  /**
   * `keyAt`: the string a stored value names (read from the file), undefined when none. `hash` is a
   * parameter so that tests can force collisions.
   */
  constructor(
    private readonly keyAt: (value: number) => string | undefined,
    private readonly hash: (s: string) => number = pathHash,
  ) {}

  get size(): number {
    return this.used;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.hashes.byteLength + this.values.byteLength;
  }

  /** The value stored for `key` (confirmed by reading it back), or undefined. */
  get(key: string): number | undefined {
    const i = this.find(key);
    return i < 0 ? undefined : this.values[i];
  }

  /** Whether `key` is stored with a value `match` accepts; no read: the value itself decides. */
  holds(key: string, match: (value: number) => boolean): boolean {
    const h = this.hash(key) >>> 0 || 1;
    const mask = this.hashes.length - 1;
    for (let i = h & mask; this.hashes[i] !== 0; i = (i + 1) & mask) if (this.hashes[i] === h && match(this.values[i])) return true;
    return false;
  }

  /** Stores `value` for `key`, replacing the value it had. */
  set(key: string, value: number): void {
    const i = this.find(key);
    if (i >= 0) this.values[i] = value;
    else this.add(key, value);
  }

  /** Stores `value` for a `key` the caller knows is absent (no read). */
  add(key: string, value: number): void {
    if ((this.used + 1) * 4 > this.hashes.length * 3) this.grow();
    this.put(this.hash(key) >>> 0 || 1, value);
    this.used++;
  }

  private find(key: string): number {
    const h = this.hash(key) >>> 0 || 1;
    const mask = this.hashes.length - 1;
    for (let i = h & mask; this.hashes[i] !== 0; i = (i + 1) & mask) if (this.hashes[i] === h && this.keyAt(this.values[i]) === key) return i;
    return -1;
  }

  private put(h: number, value: number): void {
    const mask = this.hashes.length - 1;
    let i = h & mask;
    while (this.hashes[i] !== 0) i = (i + 1) & mask;
    this.hashes[i] = h;
    this.values[i] = value;
  }

  private grow(): void {
    const { hashes, values } = this;
    this.hashes = new Uint32Array(hashes.length * 2);
    this.values = new Float64Array(hashes.length * 2);
    for (let i = 0; i < hashes.length; i++) if (hashes[i] !== 0) this.put(hashes[i], values[i]);
  }
}
