import { randomUUID } from 'node:crypto';
import { isAlive as alive } from '../io/pid.js';
import { mkdirSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pLimit from 'p-limit';
import { deidentifyDicomdir, dicomdirForHierarchy, fixDirectoryOffsets, isDicomdir } from '../deid/dicomdir.js';
import { deidentify } from '../deid/engine.js';
import { decidePixels } from '../deid/pixel-policy.js';
import type { RegionSpec } from '../deid/types.js';
import type { MaskRegion } from '../pixel/index.js';
import { DeidError } from '../deid/errors.js';
import type { DeidEnv } from '../deid/state.js';
import { DicomError } from '../dicom/errors.js';
import { closeDicom, openDicom, writeDicomFile } from '../dicom/file.js';
import { isInside, walk } from '../io/walk.js';
import type { MappingRecorder } from '../pseudo/mapping.js';
import { journalEntry, Journal, type JournalEntry } from './journal.js';
import { outputPath, type Layout } from './layout.js';
import type { RunReport } from './report.js';
import { ReportBuilder } from './report-builder.js';
import { openPool } from '../pool/pool.js';
import type { FileResult, WorkerConfig } from '../pool/task.js';

/** The typed error of a failed file, as data. */
export interface FileError {
  code: string;
  message: string;
  path?: string;
  offset?: number;
}

export type FileOutcome =
  | {
      status: 'written';
      path: string;
      output: string;
      size: number;
      entities: Record<string, number>;
      warnings: string[];
      /** The output was already in place with these exact bytes (a resumed run, or a copy of an input). */
      alreadyPresent?: boolean;
    }
  | { status: 'skipped'; path: string; reason: string }
  | { status: 'quarantined'; path: string; reason: string }
  | { status: 'failed'; path: string; error: FileError };

/** A usage error: reported with exit code 2 before any file is touched. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const asFileError = (e: unknown): FileError | undefined => {
  if (e instanceof DicomError) return { code: e.code, message: e.message, path: e.path, offset: e.offset };
  if (e instanceof DeidError) return { code: e.code, message: e.message, path: e.path };
  return undefined;
};

/**
 * Processes one file: read it, de-identify it, write it atomically. Only a fully processed file
 * is written; anything else is reported, never half-done. With noClobber (hierarchy layout, where
 * a name is the instance's identity) an existing output is never replaced: the same bytes mean
 * the instance is already there, different bytes are a conflict.
 */
export async function processFile(
  path: string,
  rel: string,
  opts: {
    out: string;
    layout: Layout;
    env?: DeidEnv;
    noClobber?: boolean;
    tmpDir?: string;
    /** Rectangles masked in every image (--mask), on top of the profile's mask rules. */
    masks?: RegionSpec[];
    /** Folder for review PNGs of masked and quarantined images (--previews). */
    previews?: string;
    /** fsync the output before its rename (anon watch --fsync): passed to writeDicomFile. */
    fsync?: boolean;
    /** Filled with the input's size, known once it is open (no second stat). */
    measure?: { bytesIn: number };
  },
): Promise<FileOutcome> {
  let f;
  try {
    f = await openDicom(path);
    if (opts.measure) opts.measure.bytesIn = f.source.size;
  } catch (e) {
    if (e instanceof DicomError && e.code === 'NOT_DICOM') return { status: 'skipped', path, reason: `not DICOM: ${e.message}` };
    const err = asFileError(e);
    if (err) return { status: 'failed', path, error: err };
    throw e;
  }
  try {
    // A DICOMDIR indexes files by their paths and its records by byte offsets: it is
    // de-identified with its patients' keys and its offsets recomputed, in the mirror layout only.
    const dicomdir = isDicomdir(f);
    if (dicomdir && opts.layout === 'hierarchy') return { status: 'skipped', path, reason: dicomdirForHierarchy(f) };
    let masked: MaskRegion[] | undefined;
    if (opts.env && !dicomdir) {
      const pixels = decidePixels(f, opts.env.profile);
      const extra = opts.masks ?? [];
      if (pixels.kind === 'quarantine' && extra.length === 0) {
        if (opts.previews) await (await pixelsApply()).writePreview(f, opts.previews, 'quarantined', path).catch(() => undefined);
        return { status: 'quarantined', path, reason: pixels.reason };
      }
      if (opts.env.profile.pixels?.overlays === 'burnIn' && f.dataset.elements.some((e) => e.tag >>> 16 >= 0x6000 && e.tag >>> 16 <= 0x601e && (e.tag & 0xffff) === 0x3000)) {
        const px = await pixelsApply();
        try {
          px.burnOverlays(f);
        } catch (e) {
          if (!(e instanceof px.PixelError)) throw e;
          return { status: 'quarantined', path, reason: `overlays could not be burnt in (${e.code}: ${e.message}): not written` };
        }
      }
      if (pixels.kind === 'mask' || extra.length > 0) {
        const px = await pixelsApply();
        const regions = px.maskRegions(pixels.kind === 'mask' ? pixels.rule : undefined, extra);
        try {
          await px.cleanPixels(f, regions, opts.env.profile.pixels?.lossy ?? 'explicitLittleEndian');
        } catch (e) {
          if (!(e instanceof px.PixelError)) throw e;
          if (opts.previews) await px.writePreview(f, opts.previews, 'quarantined', path).catch(() => undefined);
          return { status: 'quarantined', path, reason: `pixel data could not be cleaned (${e.code}: ${e.message}): not written` };
        }
        masked = regions;
      }
    }
    const result: { entities: Record<string, number>; warnings: string[] } = !opts.env
      ? { entities: {}, warnings: [] }
      : dicomdir
        ? deidentifyDicomdir(f, opts.env)
        : deidentify(f, opts.env);
    if (masked) {
      (await pixelsApply()).markPixelsCleaned(f);
      result.entities = { ...result.entities, pixel_regions: (result.entities.pixel_regions ?? 0) + masked.length };
    }
    if (dicomdir) fixDirectoryOffsets(f);
    const base = outputPath(opts.out, opts.layout, rel, f);
    ensureDir(dirname(base));
    const warnings = [...f.warnings, ...result.warnings];
    // No-clobber: a name already holding other bytes (the same instance in another encoding, or
    // another file reusing its UIDs) is never replaced; the file gets the next free suffix.
    for (let n = 0; n < MAX_SUFFIX; n++) {
      const output = n === 0 ? base : base.replace(/\.dcm$/, '') + `.${n}.dcm`;
      const written = await writeDicomFile(f, output, { noClobber: opts.noClobber, tmpDir: opts.tmpDir, fsync: opts.fsync });
      if (written.existing === 'different') continue;
      if (n > 0) warnings.push(`${base} holds a different file with the same patient, study, series and instance: written as ${output}`);
      if (masked && opts.previews) await (await pixelsApply()).writePreview(f, opts.previews, 'masked', output, masked).catch((e: Error) => warnings.push(`preview: ${e.message}`));
      return { status: 'written', path, output, size: written.size, entities: result.entities, warnings, alreadyPresent: written.existing === 'identical' };
    }
    return { status: 'failed', path, error: { code: 'OUTPUT_CONFLICT', message: `${MAX_SUFFIX} different files already claim the output name ${base}` } };
  } catch (e) {
    const err = asFileError(e);
    if (err) return { status: 'failed', path, error: err };
    throw e;
  } finally {
    closeDicom(f);
  }
}

/** The pixel library (codecs, sharp) is loaded the first time an image needs it. */
const pixelsApply = async () => {
  const [apply, lib] = await Promise.all([import('../deid/pixels-apply.js'), import('../pixel/index.js')]);
  return { ...apply, PixelError: lib.PixelError };
};

/** Folders known to exist: most files of a run share their folder with the previous one. */
const madeDirs = new Set<string>();
function ensureDir(dir: string): void {
  if (madeDirs.has(dir)) return;
  mkdirSync(dir, { recursive: true });
  if (madeDirs.size > 10_000) madeDirs.clear(); // bounded: a cache, not a record
  madeDirs.add(dir);
}

/** Different files one output name may take (name, name.1 … name.N-1) before a file fails. */
const MAX_SUFFIX = 100;

/** What a run tells as it goes (progress displays and --json consume these). */
export type RunEvent =
  | { type: 'start'; id: string; threads: number; resumed: number }
  | { type: 'file'; outcome: FileOutcome; bytes_in: number; ms: number; counts: RunCounts }
  | { type: 'end'; report: RunReport };

export interface RunCounts {
  done: number;
  written: number;
  skipped: number;
  failed: number;
  quarantined: number;
  bytes_in: number;
}

export interface RunOptions {
  inputs: string[];
  out: string;
  layout: Layout;
  /** Everything a worker needs (profile name or path, options, secret, pseudonym table). */
  worker: Omit<WorkerConfig, 'out' | 'layout' | 'tmpDir'>;
  /** The profile's name and options, for the report. */
  profileName: string;
  profileOptions: string[];
  /** Worker threads; 0 processes files on the main thread (default: the machine's cores). */
  threads?: number;
  /** Folder for the journal and report (created). */
  reportDir: string;
  /** Continue the run recorded in reportDir: inputs already done are not redone. */
  resume?: boolean;
  recorder?: MappingRecorder;
  onEvent?: (e: RunEvent) => void;
  /**
   * Stops the run: no new file is started, files in flight finish (and are journaled), and the
   * report says CANCELLED-like FAILED with the reason. A resumed run picks up from there.
   */
  signal?: AbortSignal;
}

const TEMP_ROOT = '.anonflow-tmp';


/**
 * Temporary files go to <out>/.anonflow-tmp/<pid>-<run>/ (same file system, so renames are atomic),
 * never beside outputs. What a killed run left there is removed by the next run.
 */
export function prepareTempDir(out: string, runId: string): string {
  const root = join(out, TEMP_ROOT);
  mkdirSync(root, { recursive: true });
  for (const name of readdirSync(root)) {
    const pid = Number(name.split('-')[0]);
    if (!Number.isInteger(pid) || !alive(pid)) rmSync(join(root, name), { recursive: true, force: true });
  }
  const dir = join(root, `${process.pid}-${runId}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function run(opts: RunOptions): Promise<RunReport> {
  const out = resolve(opts.out);
  for (const input of opts.inputs) {
    if (isInside(out, input)) throw new UsageError(`output folder ${out} must not be inside input ${resolve(input)}`);
  }
  const reportDir = resolve(opts.reportDir);
  if (isInside(reportDir, out)) throw new UsageError(`report folder ${reportDir} must not be inside the output folder ${out}`);
  mkdirSync(reportDir, { recursive: true });
  const journalPath = join(reportDir, 'journal.ndjson');
  const done = opts.resume ? Journal.done(journalPath) : new Map<string, JournalEntry>();
  const builder = new ReportBuilder(reportDir, {
    id: opts.resume ? ReportBuilder.previousId(reportDir) ?? randomUUID() : randomUUID(),
    profile: opts.profileName,
    options: { layout: opts.layout, inputs: opts.inputs.map((i) => resolve(i)), out, deidentification_options: opts.profileOptions, resumed: done.size },
  });
  const journal = new Journal(journalPath, opts.resume === true);
  const tmpDir = prepareTempDir(out, builder.id);
  const threads = opts.threads ?? availableParallelism();
  const cfg: WorkerConfig = { ...opts.worker, out, layout: opts.layout, tmpDir };
  const counts: RunCounts = { done: 0, written: 0, skipped: 0, failed: 0, quarantined: 0, bytes_in: 0 };
  opts.onEvent?.({ type: 'start', id: builder.id, threads, resumed: done.size });
  for (const e of done.values()) builder.addEntry(e, true);

  const pool = await openPool(cfg, threads);

  // Outputs claimed in this run (and, on resume, by the journal): one input per output is
  // written, any other that produced the same output is a duplicate.
  const claimed = new Set<string>();
  for (const e of done.values()) if (e.status === 'written') claimed.add(e.output);
  const finish = (r: FileResult): void => {
    const o = r.outcome;
    if (o.status === 'written') {
      if (claimed.has(o.output)) r.outcome = { status: 'skipped', path: o.path, reason: `duplicate: another input of this run has the same output ${o.output}` };
      else claimed.add(o.output);
    }
    const entry = journalEntry(r.outcome);
    journal.append(entry);
    builder.addEntry(entry, false);
    if (r.mapping) opts.recorder?.merge(r.mapping);
    counts.done++;
    counts.bytes_in += r.bytesIn;
    counts[r.outcome.status]++;
    builder.addTiming(r.ms, r.bytesIn);
    opts.onEvent?.({ type: 'file', outcome: r.outcome, bytes_in: r.bytesIn, ms: r.ms, counts: { ...counts } });
  };

  // p-limit bounds the files open at once; the pending set bounds the queue, so a walk of a
  // million files never runs ahead of the workers.
  const inFlight = Math.max(1, threads) * 2;
  const limit = pLimit(inFlight);
  const pending = new Set<Promise<void>>();
  try {
    for await (const entry of walk(opts.inputs)) {
      if (opts.signal?.aborted) break;
      if (done.has(entry.path)) continue;
      const task = { path: entry.path, rel: entry.rel };
      // A worker that dies (out of memory on a pathological file, a bug) fails that file, not the run.
      const p: Promise<void> = limit(() =>
        pool.run(task).catch((e: unknown): FileResult => ({
          outcome: { status: 'failed', path: task.path, error: { code: 'INTERNAL', message: `processing stopped unexpectedly: ${(e as Error)?.message ?? String(e)}` } },
          bytesIn: 0,
          ms: 0,
        })),
      ).then(finish);
      pending.add(p);
      void p.finally(() => pending.delete(p)).catch(() => {});
      if (pending.size >= inFlight * 2) await Promise.race(pending);
    }
    await Promise.all(pending);
  } finally {
    await pool.close();
    journal.close();
    rmSync(tmpDir, { recursive: true, force: true });
    try {
      rmdirSync(dirname(tmpDir)); // only when no other run is using it
    } catch {
      /* another run's temp files are there */
    }
  }
  const report = builder.finish(opts.signal?.aborted ? `cancelled: ${String(opts.signal.reason ?? 'by request')}` : undefined);
  opts.onEvent?.({ type: 'end', report });
  return report;
}
