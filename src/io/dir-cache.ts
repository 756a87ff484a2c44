// A bounded cache of output folders held open, so consecutive files of a run do not reopen the
// chain <out>/<patient>/<study>/<series> component by component (3 opens and 3 closes a file).
//
// What a cached descriptor means for confinement. Each entry was opened exactly as openDirBelow
// opens it (one component at a time from the root's descriptor, O_NOFOLLOW, never a symlink): it
// pins that folder's inode, and later writes name their parent by it (/proc/self/fd/N/name). So:
// - A symlink planted later in place of a cached folder's name is never followed: writes still go
//   to the inode opened, wherever it now is. That is the guarantee the run's own output-folder
//   descriptor already gives (test/serve-confinement: a swapped output folder).
// - A cached folder (or an ancestor) renamed elsewhere takes later outputs with it. Renaming needs
//   write access to the old and the new parent, so whoever does it could as well move the
//   outputs themselves once written: nothing lands where that user could not put it.
// - A cached folder removed: the kernel refuses to create a name in a dead folder (ENOENT). The
//   caller must then drop the cache (`clear`) and retry once through a fresh, checked open, which
//   meets the planted symlink or the missing folder like any first open; never report it written.
// Entries are leased while a file uses them: eviction and `clear` close a leased descriptor only
// when its lease ends, so a number in use is never closed and reused under an in-flight write.
// A cache that holds descriptors is listed in its thread's registry until cleared
// (`clearDirCaches`): a processor's release closes them all, and an emptied cache stays usable.
import { closeSync } from 'node:fs';
import { makeDirAt, openDirAt, openDirBelow } from './confined.js';

interface Entry {
  fd: number;
  leases: number;
  /** Out of the cache: closed when the last lease ends. */
  dropped: boolean;
}

/** A folder borrowed from the cache: `fd` is valid until `release()`. */
export interface DirLease {
  fd: number;
  /** True when the folder came from the cache rather than a fresh open. */
  cached: boolean;
  release(): void;
}

/** This thread's caches holding descriptors. */
const live = new Set<DirCache>();

/** Closes every descriptor this thread's caches hold (leased ones when their lease ends). */
export function clearDirCaches(): void {
  for (const c of [...live]) c.clear();
}

/** Folders below one root descriptor, by their components; the least recently used go first. */
export class DirCache {
  private readonly entries = new Map<string, Entry>();
  /** The last folder missed was made, not found: the run writes a fresh tree, so the next is made before it is opened. */
  private lastMade = false;

  /** `max`: folders held open at most (the root's descriptor is the caller's, never held here). */
  constructor(
    readonly root: number,
    readonly max = 64,
  ) {
    if (!(max >= 1)) throw new RangeError(`a folder cache holds at least one folder (got ${max})`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The folder `parts` below the root, made when missing (create), opened without following a symlink. */
  acquire(parts: readonly string[], create: boolean): DirLease {
    if (parts.length === 0) return this.fresh(parts, create);
    const key = parts.join('/');
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key); // re-inserted: most recently used last
      this.entries.set(key, hit);
      return this.lease(hit, true);
    }
    let fd: number;
    if (parts.length === 1) fd = this.open(this.root, parts[0], create);
    else {
      const parent = this.acquire(parts.slice(0, -1), create);
      try {
        fd = this.open(parent.fd, parts[parts.length - 1], create);
      } finally {
        parent.release();
      }
    }
    const entry: Entry = { fd, leases: 0, dropped: false };
    this.entries.set(key, entry);
    live.add(this);
    this.evict();
    return this.lease(entry, false);
  }

  /** Closes every folder held (a leased one when its lease ends); the cache stays usable. */
  clear(): void {
    for (const e of this.entries.values()) this.drop(e);
    this.entries.clear();
    live.delete(this);
  }

  private open(parent: number, name: string, create: boolean): number {
    if (!create) return openDirAt(parent, name, false);
    const r = makeDirAt(parent, name, this.lastMade);
    this.lastMade = r.made;
    return r.fd;
  }

  private fresh(parts: readonly string[], create: boolean): DirLease {
    const fd = openDirBelow(this.root, [...parts], create);
    return { fd, cached: false, release: () => closeSync(fd) };
  }

  private lease(e: Entry, cached: boolean): DirLease {
    e.leases++;
    let done = false;
    return {
      fd: e.fd,
      cached,
      release: () => {
        if (done) return;
        done = true;
        if (--e.leases === 0 && e.dropped) closeSync(e.fd);
      },
    };
  }

  private drop(e: Entry): void {
    e.dropped = true;
    if (e.leases === 0) closeSync(e.fd);
  }

  /** Least recently used first; a leased entry is closed when its lease ends. */
  private evict(): void {
    for (const [key, e] of this.entries) {
      if (this.entries.size <= this.max) break;
      this.entries.delete(key);
      this.drop(e);
    }
  }
}
