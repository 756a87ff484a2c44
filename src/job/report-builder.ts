import { closeSync, copyFileSync, existsSync, fstatSync, ftruncateSync, openSync, readFileSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AnonError } from '../errors.js';
import { describeDetection, type DetectionReport } from '../detect/settings.js';
import type { JournalEntry } from './journal.js';
import { LatencyHistogram } from './latency.js';
import type { RunReport } from './report.js';

/**
 * Entries of each list the returned report holds in memory; report.json, written from the lists
 * spooled to disk, holds every entry (memory flat whatever the number of files).
 */
export const IN_MEMORY_LISTED = 1_000;

/** report.json could not be written (a full or read-only report folder); the journal has every file. */
export class ReportWriteError extends AnonError<'REPORT_WRITE'> {
  constructor(message: string) {
    super('REPORT_WRITE', message);
  }
}

/** Characters of spooled lines held before they are written. */
const SPOOL_BLOCK = 64 * 1024;

const LISTS = ['anonymized_files', 'skipped', 'failures', 'quarantined', 'entities_found', 'notices'] as const;
type ListName = (typeof LISTS)[number];

/**
 * One list spooled to an NDJSON file beside the report: its first entries kept for the caller.
 * Lines are written in blocks of SPOOL_BLOCK bytes (one write a file was the run's most frequent
 * small write): the spool is read only by finish(), which flushes first; the journal, not the
 * spool, is what a crashed run resumes from.
 */
class Spool {
  count = 0;
  readonly head: unknown[] = [];
  private fd: number | undefined;
  private pending: string[] = [];
  private pendingChars = 0;
  constructor(readonly path: string) {}

  add(item: unknown): Error | undefined {
    this.count++;
    if (this.head.length < IN_MEMORY_LISTED) this.head.push(item);
    const line = JSON.stringify(item) + '\n';
    this.pending.push(line);
    this.pendingChars += line.length;
    return this.pendingChars >= SPOOL_BLOCK ? this.flush() : undefined;
  }

  /** Writes the lines held; an error is returned (the run goes on: the journal has every file). */
  flush(): Error | undefined {
    if (this.pending.length === 0) return undefined;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    try {
      this.fd ??= openSync(this.path, 'w+', 0o600);
      writeAll(this.fd, Buffer.from(text));
      return undefined;
    } catch (e) {
      return e as Error;
    }
  }

  /** Copies the spooled lines into `out` as JSON array elements (`indent` before each). */
  copyTo(out: number, indent: string): void {
    if (this.fd === undefined) return;
    const block = Buffer.allocUnsafe(1024 * 1024);
    let carry = '';
    let first = true;
    for (let at = 0; ;) {
      const n = readSync(this.fd, block, 0, block.length, at);
      if (n === 0) break;
      at += n;
      const lines = (carry + block.toString('utf8', 0, n)).split('\n');
      carry = lines.pop()!;
      if (lines.length === 0) continue;
      writeAll(out, Buffer.from((first ? '\n' : ',\n') + lines.map((l) => indent + l).join(',\n')));
      first = false;
    }
    if (!first) writeAll(out, Buffer.from('\n' + indent.slice(2)));
  }

  close(remove: boolean): void {
    if (!remove) this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    if (remove) rmQuiet(this.path);
  }
}

function writeAll(fd: number, b: Buffer): void {
  for (let off = 0; off < b.length;) off += writeSync(fd, b, off, b.length - off);
}

function rmQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* not there */
  }
}

/**
 * Builds the run report as files finish. Per-file lists are spooled to disk, never held: memory
 * stays flat whatever the number of files. A spool that cannot be written (a full disk) does not
 * stop the run: the journal has every entry, and finish() says so or fails with the write's error.
 */
export class ReportBuilder {
  readonly id: string;
  private readonly report: RunReport;
  private readonly spools: Record<ListName, Spool>;
  private spoolError: Error | undefined;
  private readonly timings = new LatencyHistogram();
  private bytesIn = 0;
  private readonly started = Date.now();

  constructor(
    readonly dir: string,
    init: { id: string; profile: string; options: Record<string, unknown>; detection?: DetectionReport },
  ) {
    this.id = init.id;
    this.report = {
      id: init.id,
      status: 'PROCESSING',
      profile: init.profile,
      options: init.options,
      created_at: new Date(this.started).toISOString(),
      ...(init.detection ?? describeDetection(undefined)),
      results: { samples_processed: 0, entity_summary: {}, entities_found: [], error: null },
      anonymized_files: [],
      skipped: [],
      failures: [],
      quarantined: [],
    };
    const spools = {} as Record<ListName, Spool>;
    for (const l of LISTS) spools[l] = new Spool(join(dir, `.report-${init.id}.${l}.ndjson`));
    this.spools = spools;
  }

  /** The id of the run whose report is in `dir`, so a resumed run keeps it. */
  static previousId(dir: string): string | undefined {
    const p = join(dir, 'report.json');
    if (!existsSync(p)) return undefined;
    try {
      const fd = openSync(p, 'r');
      try {
        const b = Buffer.alloc(4096); // the id is the first key: no need to read a long report
        const text = b.toString('utf8', 0, readSync(fd, b, 0, b.length, 0));
        return /^\{\s*"id":\s*"([^"]+)"/.exec(text)?.[1] ?? (JSON.parse(readFileSync(p, 'utf8')) as { id?: string }).id;
      } finally {
        closeSync(fd);
      }
    } catch {
      return undefined;
    }
  }

  private list(name: ListName, item: unknown): void {
    const err = this.spools[name].add(item);
    if (err) this.spoolError ??= err;
  }

  addEntry(e: JournalEntry, _fromJournal: boolean): void {
    const r = this.report;
    r.results.samples_processed++;
    switch (e.status) {
      case 'written':
        this.list('anonymized_files', {
          id: String(this.spools.anonymized_files.count + 1),
          path: e.output,
          source: e.input,
          size_in_bytes: e.size,
          content_type: 'application/dicom',
          ...(e.pixels ? { pixels: e.pixels } : {}),
        });
        for (const [k, n] of Object.entries(e.entities)) r.results.entity_summary[k] = (r.results.entity_summary[k] ?? 0) + n;
        for (const f of e.entities_found ?? []) this.list('entities_found', { file: e.output, ...f });
        for (const notice of e.notices ?? []) this.list('notices', { path: e.output, notice });
        break;
      case 'skipped':
        this.list('skipped', { path: e.input, reason: e.reason });
        break;
      case 'failed':
        this.list('failures', { path: e.input, code: e.code, message: e.message, element_path: e.element_path, offset: e.offset });
        break;
      case 'quarantined':
        this.list('quarantined', { path: e.input, reason: e.reason, ...(e.pixels ? { pixels: e.pixels } : {}) });
        break;
    }
  }

  addTiming(ms: number, bytesIn = 0): void {
    this.timings.add(ms);
    this.bytesIn += bytesIn;
  }

  /**
   * Completes the report and writes report.json (atomically, its lists copied from the spools).
   * May be called again (anon watch writes snapshots of an open batch). Returns the report with
   * each list's first IN_MEMORY_LISTED entries; `counts` counts them all. Throws the file system's
   * error when report.json cannot be written.
   */
  finish(cancelled?: string): RunReport {
    const s = this.spools;
    const r = this.report;
    const ended = Date.now();
    r.completed_at = new Date(ended).toISOString();
    r.duration_seconds = (ended - this.started) / 1000;
    const failed = s.failures.count || s.quarantined.count;
    r.status = failed ? 'FAILED' : 'SUCCEEDED';
    r.results.error = failed ? `${s.failures.count} file(s) failed, ${s.quarantined.count} quarantined` : null;
    if (cancelled) {
      r.status = 'FAILED';
      r.results.error = r.results.error ? `${cancelled}; ${r.results.error}` : cancelled;
    }
    for (const l of LISTS) {
      const err = s[l].flush();
      if (err) this.spoolError ??= err;
    }
    if (this.spoolError) {
      const why = `the report's lists could not be written (${this.spoolError.message}): journal.ndjson lists every file`;
      r.status = 'FAILED';
      r.results.error = r.results.error ? `${r.results.error}; ${why}` : why;
    }
    const usage = process.resourceUsage();
    const timed = this.timings.count;
    r.performance = {
      files_timed: timed,
      p50_ms: Number(this.timings.percentile(50).toFixed(3)),
      p99_ms: Number(this.timings.percentile(99).toFixed(3)),
      files_per_second: r.duration_seconds > 0 ? Number((timed / r.duration_seconds).toFixed(1)) : 0,
      mib_per_second: r.duration_seconds > 0 ? Number((this.bytesIn / 1048576 / r.duration_seconds).toFixed(1)) : 0,
      cpu_seconds: Number(((usage.userCPUTime + usage.systemCPUTime) / 1e6).toFixed(3)),
      peak_rss_mib: Number((usage.maxRSS / 1024).toFixed(1)),
    };
    r.counts = { written: s.anonymized_files.count, skipped: s.skipped.count, failed: s.failures.count, quarantined: s.quarantined.count };
    try {
      this.write(this.spoolError === undefined);
    } catch (e) {
      throw new ReportWriteError(`${join(this.dir, 'report.json')} cannot be written (${(e as Error).message}): every file is in journal.ndjson`);
    }
    const out: RunReport = {
      ...r,
      results: { ...r.results, entities_found: s.entities_found.head as RunReport['results']['entities_found'] },
      anonymized_files: s.anonymized_files.head as RunReport['anonymized_files'],
      skipped: s.skipped.head as RunReport['skipped'],
      failures: s.failures.head as RunReport['failures'],
      quarantined: s.quarantined.head as RunReport['quarantined'],
      ...(s.notices.count ? { notices: s.notices.head as RunReport['notices'] } : {}),
    };
    if (LISTS.some((l) => s[l].count > IN_MEMORY_LISTED)) out.lists_truncated_at = IN_MEMORY_LISTED;
    return out;
  }

  /** report.json: the report's fields with each list streamed from its spool (or the heads, if a spool failed). */
  private write(fromSpools: boolean): void {
    const marker = (l: ListName): string => `\u0000${l}\u0000`;
    const shell = { ...this.report, results: { ...this.report.results, entities_found: marker('entities_found') } } as Record<string, unknown>;
    for (const l of LISTS) if (l !== 'entities_found' && (l !== 'notices' || this.spools.notices.count)) shell[l] = marker(l);
    const text = JSON.stringify(shell, null, 2);
    const tmp = join(this.dir, `.report-${this.id}.json.tmp`);
    const fd = openSync(tmp, 'w', 0o644);
    try {
      const parts = text.split(/"\\u0000([a-z_]+)\\u0000"/);
      for (let i = 0; i < parts.length; i++) {
        if (i % 2 === 0) {
          writeAll(fd, Buffer.from(parts[i]));
          continue;
        }
        const l = parts[i] as ListName;
        const indent = l === 'entities_found' ? '      ' : '    ';
        writeAll(fd, Buffer.from('['));
        if (fromSpools) this.spools[l].copyTo(fd, indent);
        else if (this.spools[l].head.length) writeAll(fd, Buffer.from('\n' + this.spools[l].head.map((x) => indent + JSON.stringify(x)).join(',\n') + '\n' + indent.slice(2)));
        writeAll(fd, Buffer.from(']'));
      }
      writeAll(fd, Buffer.from('\n'));
      closeSync(fd);
    } catch (e) {
      closeSync(fd);
      rmQuiet(tmp);
      throw e;
    }
    renameSync(tmp, join(this.dir, 'report.json'));
  }

  /** Removes the spools (the run is over; report.json has their entries). */
  close(): void {
    for (const l of LISTS) this.spools[l].close(true);
  }
}

/**
 * Adds one top-level field to a written report.json without reading it whole (its lists may be
 * long): a copy, cut before its closing brace, the field appended, renamed over the original.
 */
export function addReportField(dir: string, key: string, value: unknown): void {
  const path = join(dir, 'report.json');
  const tmp = join(dir, `.report-field.${process.pid}.json.tmp`);
  copyFileSync(path, tmp);
  const fd = openSync(tmp, 'r+');
  try {
    const size = fstatSync(fd).size;
    const tail = Buffer.alloc(Math.min(size, 16));
    readSync(fd, tail, 0, tail.length, size - tail.length);
    const brace = tail.lastIndexOf('}');
    if (brace < 0) throw new Error(`${path} does not end with a JSON object`);
    const cut = size - tail.length + brace;
    ftruncateSync(fd, cut);
    const field = JSON.stringify(value, null, 2).replace(/\n/g, '\n  ');
    const b = Buffer.from(`,\n  ${JSON.stringify(key)}: ${field}\n}\n`);
    for (let off = 0; off < b.length;) off += writeSync(fd, b, off, b.length - off, cut + off);
  } catch (e) {
    closeSync(fd);
    rmQuiet(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}
