import { walk } from '../io/walk.js';
import type { FileOutcome } from '../job/outcome.js';
import type { RunCounts, RunEvent } from '../pool/batch.js';

export type ProgressMode = 'tty' | 'lines' | 'quiet' | 'json';

const mib = (b: number): string => `${(b / 1048576).toFixed(1)} MiB`;
const clock = (s: number): string => {
  if (!Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60);
  return `${m}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
};

export function outcomeLine(o: FileOutcome): string {
  switch (o.status) {
    case 'written':
      return `written  ${o.path} -> ${o.output}${(o.notices ?? []).map((n) => `\n  warning: ${n}`).join('')}`;
    case 'skipped':
      return `skipped  ${o.path}: ${o.reason}`;
    case 'quarantined':
      return `quarantined ${o.path}: ${o.reason}`;
    case 'failed':
      return `failed   ${o.path}: ${o.error.code}: ${o.error.message}${o.error.path ? ` at ${o.error.path}` : ''}`;
  }
}

/** The compact, machine-readable form of one file's outcome. */
function fileEvent(e: Extract<RunEvent, { type: 'file' }>): Record<string, unknown> {
  const o = e.outcome;
  const base = { type: 'file', status: o.status, input: o.path, ms: Number(e.ms.toFixed(2)), done: e.counts.done };
  switch (o.status) {
    case 'written':
      return {
        ...base,
        output: o.output,
        size: o.size,
        ...(o.entities_found ? { entities_found: o.entities_found } : {}),
        ...(o.notices?.length ? { notices: o.notices } : {}),
        ...(o.pixels ? { pixels: o.pixels } : {}),
      };
    case 'skipped':
      return { ...base, reason: o.reason };
    case 'quarantined':
      return { ...base, reason: o.reason, ...(o.pixels ? { pixels: o.pixels } : {}) };
    case 'failed':
      return { ...base, code: o.error.code, message: o.error.message, element_path: o.error.path };
  }
}

/**
 * Shows a run's progress: a live bar on a terminal (files, MiB, files/s, ETA, failures), plain
 * log lines otherwise, nothing when quiet, NDJSON events with --json. The total for the ETA
 * comes from a separate count of the inputs, so the run never waits for it.
 */
export class Progress {
  private total: number | undefined;
  private last = 0;
  private counts: RunCounts | undefined;
  private readonly started = Date.now();

  constructor(
    readonly mode: ProgressMode,
    inputs: string[],
    private readonly out: (s: string) => void = (s) => process.stdout.write(s),
    private readonly err: (s: string) => void = (s) => process.stderr.write(s),
  ) {
    if (mode === 'tty') void this.count(inputs);
  }

  private async count(inputs: string[]): Promise<void> {
    let n = 0;
    try {
      for await (const _ of walk(inputs)) n++;
      this.total = n;
    } catch {
      /* no ETA then */
    }
  }

  readonly onEvent = (e: RunEvent): void => {
    if (this.mode === 'quiet') return;
    if (this.mode === 'json') {
      if (e.type === 'file') this.out(JSON.stringify(fileEvent(e)) + '\n');
      else this.out(JSON.stringify(e) + '\n');
      return;
    }
    if (e.type === 'file') {
      this.counts = e.counts;
      if (this.mode === 'lines') this.out(outcomeLine(e.outcome) + '\n');
      else if (e.outcome.status === 'failed' || e.outcome.status === 'quarantined' || (e.outcome.status === 'written' && e.outcome.notices?.length))
        this.err(`\r\x1b[K${outcomeLine(e.outcome)}\n`);
      if (this.mode === 'tty' && Date.now() - this.last > 100) this.draw();
      return;
    }
    if (e.type === 'end' && this.mode === 'tty') {
      this.draw();
      this.err('\n');
    }
  };

  private draw(): void {
    this.last = Date.now();
    const c = this.counts;
    if (!c) return;
    const secs = (Date.now() - this.started) / 1000;
    const rate = secs > 0 ? c.done / secs : 0;
    const eta = this.total !== undefined && rate > 0 ? (this.total - c.done) / rate : NaN;
    const width = 24;
    const frac = this.total ? Math.min(1, c.done / this.total) : 0;
    const bar = this.total ? `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ` : '';
    this.err(
      `\r\x1b[K${bar}${c.done}${this.total !== undefined ? `/${this.total}` : ''} files  ${mib(c.bytes_in)}  ` +
        `${rate.toFixed(0)} files/s  ETA ${clock(eta)}  failed ${c.failed + c.quarantined}`,
    );
  }
}
