import type { PoolOptions } from '../job/task.js';
import type { WatchEvent } from './events.js';

/**
 * With `worker.fsync` each output is fsynced before its rename (by the codec) and, once in place, the
 * folders from its own up to the output root are fsynced too, before its outcome is journaled and its
 * original moved (see OutputSync).
 */
export interface WatchOptions extends PoolOptions {
  inbox: string;
  /** Journal, reports, status.json and the lock (default <inbox's parent>/.anonflow-watch/<inbox's name>). */
  state?: string;
  done?: string;
  failed?: string;
  quarantine?: string;
  /** Delete originals that were written instead of moving them to done/. */
  deleteOriginals?: boolean;
  /** How long a file must stay unchanged (size and mtime) before it is read (default 2000). */
  settleMs?: number;
  /** Study grouping: hold a study until none of its files arrived for this long (default: off). */
  studyQuietMs?: number;
  /** A full walk of the inbox, in case the file system dropped events (default 60 000). */
  rescanMs?: number;
  /** How often the stats event is emitted (default 10 000). */
  statsMs?: number;
  /**
   * At most this many inputs are tracked at once (settling, grouping, ready, in flight,
   * retrying; default 50 000). Files seen beyond it stay in the inbox, untracked, and are picked
   * up by a rescan once the queue has drained to half. Bounds the daemon's own bookkeeping;
   * chokidar still keeps a small record per file and folder in the inbox.
   */
  maxQueue?: number;
  /** Serve GET /health and /metrics on this port (0: any free port; default: no endpoint). */
  healthPort?: number;
  /** The address the endpoint listens on (default 127.0.0.1: this machine only). */
  healthHost?: string;
  /** Unhealthy (503) once this many inputs in a row failed (default 10). */
  unhealthyAfter?: number;
  onEvent?: (e: WatchEvent) => void;
}
