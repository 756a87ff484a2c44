import { lstatSync } from 'node:fs';

interface Candidate {
  size: number;
  mtimeMs: number;
  due: number;
}

/**
 * Files seen but not yet known to be complete. A file is settled when its size and mtime have
 * not changed for `settleMs`. Every candidate waits the same delay, so the map, kept in insertion
 * order (a touched file is moved to the end), is also in due order: a sweep stats only the files
 * that are due, and stops at the first that is not.
 */
export class Settler {
  private readonly pending = new Map<string, Candidate>();

  constructor(private readonly settleMs: number) {}

  get size(): number {
    return this.pending.size;
  }

  has(path: string): boolean {
    return this.pending.has(path);
  }

  /** A file was added or changed: (re)start its wait from what it is now. */
  touch(path: string): void {
    let size = -1;
    let mtimeMs = -1;
    try {
      const st = lstatSync(path);
      size = st.size;
      mtimeMs = st.mtimeMs;
    } catch {
      /* checked again when due */
    }
    this.pending.delete(path);
    this.pending.set(path, { size, mtimeMs, due: Date.now() + this.settleMs });
  }

  forget(path: string): void {
    this.pending.delete(path);
  }

  /** The files that have stayed unchanged for the settle time (at most `max` stats per sweep). */
  sweep(max = 5000): string[] {
    const now = Date.now();
    const settled: string[] = [];
    let checked = 0;
    for (const [path, c] of this.pending) {
      if (c.due > now || checked++ >= max) break;
      let size: number;
      let mtimeMs: number;
      try {
        // lstat: a link is judged as itself, never through its target.
        const st = lstatSync(path);
        if (st.isDirectory()) {
          this.pending.delete(path);
          continue;
        }
        if (!st.isFile()) {
          // A link, FIFO, socket or device: nothing to wait for, it is moved out with its reason.
          this.pending.delete(path);
          settled.push(path);
          continue;
        }
        size = st.size;
        mtimeMs = st.mtimeMs;
      } catch {
        this.pending.delete(path); // gone
        continue;
      }
      this.pending.delete(path);
      if (size === c.size && mtimeMs === c.mtimeMs) settled.push(path);
      else this.pending.set(path, { size, mtimeMs, due: now + this.settleMs });
    }
    return settled;
  }
}
