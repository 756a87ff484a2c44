import { basename, relative, sep } from 'node:path';
import type { FSWatcher } from 'chokidar';
import { walkAll } from '../io/walk.js';

/** Names a copy tool uses while writing, never picked up (besides hidden files). */
const PARTIAL = /\.(part|partial|tmp|filepart|crdownload|download)$/i;

export interface InboxEvents {
  /** A file was added or changed. */
  seen(path: string, changed: boolean): void;
  /** A file left the inbox. */
  gone(path: string): void;
  /** The watcher failed: events may have been lost. */
  error(e: Error): void;
}

/**
 * Chokidar on the inbox (recursively, hidden and partial names ignored), reporting each file as
 * it is added, changed or removed; whether it is complete is the Settler's to tell.
 */
export class InboxWatcher {
  private watcher?: FSWatcher;

  constructor(
    private readonly inbox: string,
    private readonly on: InboxEvents,
  ) {}

  private ignored = (path: string): boolean => {
    if (path === this.inbox) return false;
    const name = basename(path);
    return name.startsWith('.') || PARTIAL.test(name);
  };

  /** Resolves once the initial scan is done (the files already there have been reported). */
  async start(): Promise<void> {
    // Loaded on demand: the other commands never pay for it.
    const { watch } = await import('chokidar');
    const w = watch(this.inbox, { ignoreInitial: false, persistent: true, ignored: this.ignored, followSymlinks: false });
    this.watcher = w;
    w.on('add', (path: string) => this.on.seen(path, false));
    w.on('change', (path: string) => this.on.seen(path, true));
    w.on('unlink', (path: string) => this.on.gone(path));
    w.on('error', (e: unknown) => this.on.error(e as Error));
    await new Promise<void>((r) => w.once('ready', () => r()));
  }

  async close(): Promise<void> {
    await this.watcher?.close();
  }
}

/**
 * The inbox's entries as a rescan takes them: files, and links, FIFOs, sockets and devices (never
 * followed or opened: the daemon moves them out with their reason); hidden and partial names left
 * out, as the watcher does.
 */
export async function* inboxFiles(inbox: string): AsyncGenerator<string> {
  for await (const e of walkAll([inbox], { followSymlinks: false })) {
    if (e.kind === 'problem' && e.status !== 'skipped') continue; // a folder that could not be read
    const rel = relative(inbox, e.path);
    if (rel.split(sep).some((s) => s.startsWith('.')) || PARTIAL.test(e.path)) continue;
    yield e.path;
  }
}
