// Per-file latencies as a fixed histogram instead of one number per file: memory does not grow
// with the run (a watch folder's batch may be endless), and a percentile is within 0.5 % of the
// exact one (log-spaced buckets, 1 % wide, from 1 µs to about 3 hours).

const MIN_MS = 0.001;
const STEP = Math.log(1.01);
const BUCKETS = Math.ceil(Math.log(1e7 / MIN_MS) / STEP) + 2;

export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  count = 0;
  private min = Infinity;
  private max = -Infinity;

  add(ms: number): void {
    if (!(ms >= 0)) ms = 0;
    const i = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, 1 + Math.floor(Math.log(ms / MIN_MS) / STEP));
    this.counts[i]++;
    this.count++;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  /** The value at rank floor(p% × count) of the sorted latencies (0 when none), to within 0.5 %. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.min(this.count - 1, Math.floor((p / 100) * this.count));
    let seen = 0;
    let i = 0;
    for (; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen > rank) break;
    }
    // the bucket's geometric middle, kept within what was seen
    const mid = i === 0 ? MIN_MS : MIN_MS * Math.exp((i - 0.5) * STEP);
    return Math.min(this.max, Math.max(this.min, mid));
  }
}
