import { closeSync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { isInside } from '../io/walk.js';
import { fsyncDir } from './move.js';

/**
 * --fsync: the output's data was fsynced before its rename (by the codec); here its folder is
 * fsynced so the new name is durable, and each folder above it up to the output root the first
 * time (hierarchy folders are made as instances arrive). Done before the outcome is journaled and
 * the original moved or deleted, so a power loss can lose at most work still redone from the inbox.
 * A failure (EIO) throws, and is treated like any I/O error: the original stays, and is retried.
 */
export class OutputSync {
  /** Output folders whose own entry in their parent is already durable (a bounded cache). */
  private readonly synced = new Set<string>();

  constructor(private readonly root: string) {}

  sync(output: string): void {
    // The file itself again: cheap when the codec already did, and the codec's kernel-copy path
    // (an untouched file, identity profile) does not fsync.
    const fd = openSync(output, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    let dir = dirname(output);
    fsyncDir(dir);
    while (dir !== this.root && isInside(dir, this.root)) {
      if (this.synced.has(dir)) break;
      const up = dirname(dir);
      fsyncDir(up);
      if (this.synced.size >= 10_000) this.synced.clear();
      this.synced.add(dir);
      dir = up;
    }
  }
}
