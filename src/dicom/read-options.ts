// What a dataset reader is told, and the header it reads before each element's value.
import type { Tag } from './tag.js';

export interface ReadOptions {
  /** Values longer than this stay in the source (default 256 KiB). */
  bulkThreshold?: number;
  /** Deepest sequence nesting accepted (default 64). */
  maxDepth?: number;
}

export const DEFAULT_BULK_THRESHOLD = 256 * 1024;

export interface Header {
  tag: Tag;
  vr: string;
  length: number;
  badVR?: string;
}
