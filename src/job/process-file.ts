// The per-file job: read one input, de-identify it, write it atomically. Every orchestrator (run,
// watch, serve) and every thread processes files through here.
import { relative } from 'node:path';
import { deidentifyDicomdir, dicomdirForHierarchy, fixDirectoryOffsets, isDicomdir } from '../deid/dicomdir.js';
import { deidentify } from '../deid/engine.js';
import { pathIdentifiers } from '../deid/path-identifiers.js';
import { decidePixels } from '../deid/pixel-policy.js';
import type { DeidEnv } from '../deid/state.js';
import type { RegionSpec } from '../deid/types.js';
import { DicomError, ioCode } from '../dicom/errors.js';
import { closeDicom, openDicom, writeDicomFile } from '../dicom/file.js';
import { BufferPool } from '../dicom/source.js';
import { fileContext } from '../dicom/values.js';
import type { EntityFound } from '../detect/index.js';
import { errorData } from '../errors.js';
import type { MaskRegion } from '../pixel/index.js';
import type { PixelCheck } from '../ocr/types.js';
import { outputPath, type Layout } from './layout.js';
import { claimPseudonyms } from './path-claims.js';
import { outputTarget } from './output-target.js';
import type { DirCache } from '../io/dir-cache.js';
import { checkOutput, checkOutputBytes, inputIdentifiers } from './leak-guard.js';
import type { FileError, FileOutcome } from './outcome.js';

/**
 * A coded error as the outcome records it; a file-system error (making an output folder) as IO or
 * IO_TRANSIENT; anything else is a bug and propagates (INTERNAL).
 */
const asFileError = (e: unknown): FileError | undefined => {
  const d = errorData(e);
  if (d) return { code: d.code, message: d.message, path: d.path, offset: d.offset };
  const err = e as NodeJS.ErrnoException;
  return err && typeof err.code === 'string' && err.syscall ? { code: ioCode(err.code), message: err.message } : undefined;
};

/** ENOENT, raw (opening a folder) or as the codec reports it (creating a name in a removed folder). */
const missingFolder = (e: unknown): boolean => (e as NodeJS.ErrnoException)?.code === 'ENOENT' || (e instanceof DicomError && e.code === 'IO' && e.message.startsWith('ENOENT'));

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
    /** The output folder's descriptor: writes below it never follow a symlink (JobSpec.outFd). */
    outFd?: number;
    layout: Layout;
    env?: DeidEnv;
    noClobber?: boolean;
    /** With noClobber: a different existing file fails the input (OUTPUT_CONFLICT) instead of taking a suffix. */
    noOverwrite?: boolean;
    tmpDir?: string;
    /** Rectangles masked in every image (--mask), on top of the profile's mask rules. */
    masks?: RegionSpec[];
    /** Folder for review PNGs of masked and quarantined images (--previews). */
    previews?: string;
    /** fsync the output before its rename (anon watch --fsync): passed to writeDicomFile. */
    fsync?: boolean;
    /** The processor's output folders held open (threads that release them: job/processor.ts). */
    dirs?: DirCache;
    /** Filled with the input's size, known once it is open (no second stat). */
    measure?: { bytesIn: number };
  },
): Promise<FileOutcome> {
  let f;
  try {
    f = await openDicom(path, { buffers });
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
    let check: PixelCheck | undefined;
    let ocrDone = false;
    if (opts.env && !dicomdir) {
      const pixels = decidePixels(f, opts.env.profile);
      const extra = opts.masks ?? [];
      const ocr = opts.env.profile.pixels?.detect === 'ocr' && pixels.kind !== 'none';
      if (pixels.kind === 'quarantine' && extra.length === 0 && !ocr) {
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
      if (ocr) {
        // OCR finds the text, masks it (with the mask rule's regions) and checks the result.
        const px = await pixelsApply();
        const ruleRegions = px.maskRegions(pixels.kind === 'mask' ? pixels.rule : undefined, extra);
        const burnedInYes = pixels.kind === 'quarantine' && pixels.reason.startsWith('BurnedInAnnotation is YES');
        let r;
        try {
          r = await px.ocrPixels(f, ruleRegions, opts.env.profile, burnedInYes);
        } catch (e) {
          if (!(e instanceof px.PixelError) && !(e instanceof px.OcrError)) throw e;
          if (opts.previews) await quarantinePreview(path, opts.previews, ruleRegions);
          return { status: 'quarantined', path, reason: `pixel data could not be checked for burned-in text (${e.code}: ${e.message}): not written` };
        }
        check = r.check;
        if (r.kind === 'quarantine') {
          if (opts.previews) await quarantinePreview(path, opts.previews, r.regions, r.check);
          return { status: 'quarantined', path, reason: r.reason, pixels: r.check };
        }
        if (r.kind === 'clean') masked = r.regions;
        ocrDone = true;
      }
      if (!ocrDone && (pixels.kind === 'mask' || extra.length > 0)) {
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
        check = { method: 'mask rule, not verified' };
      }
    }
    // Read before anything changes: the identifiers the independent scan finds in the input, and
    // those a kept path must not carry (a DICOMDIR's come with its renamed File IDs).
    const identifiers = opts.env ? inputIdentifiers(f, opts.env) : [];
    const tokens = opts.env && !dicomdir && opts.layout === 'mirror' ? pathIdentifiers([{ ds: f.dataset, ctx: fileContext(f) }], opts.env) : [];
    const renamed: [string, string][] = [];
    let result: { entities: Record<string, number>; found?: EntityFound[]; warnings: string[]; notices?: string[] } = { entities: {}, warnings: [] };
    if (opts.env && dicomdir) {
      const r = deidentifyDicomdir(f, opts.env);
      tokens.push(...r.paths.tokens);
      renamed.push(...r.paths.renamed);
      result = r;
    } else if (opts.env) result = deidentify(f, opts.env);
    if (masked) {
      (await pixelsApply()).markPixelsCleaned(f);
      result.entities = { ...result.entities, pixel_regions: (result.entities.pixel_regions ?? 0) + masked.length };
    }
    if (dicomdir) fixDirectoryOffsets(f);
    const where = outputPath(opts.out, opts.layout, rel, f, opts.env && { key: opts.env.key, tokens });
    claimPseudonyms([...renamed, ...where.renamed], opts.tmpDir);
    const base = where.path;
    const warnings = [...f.warnings, ...result.warnings];
    const attempt = async (): Promise<FileOutcome | undefined> => {
      const target = outputTarget(opts.out, opts.outFd, base, opts.dirs);
      try {
        // No-clobber: a name already holding other bytes (the same instance in another encoding, or
        // another file reusing its UIDs) is never replaced; the file gets the next free suffix, or
        // with noOverwrite fails, naming the conflict.
        for (let n = 0; n < MAX_SUFFIX; n++) {
          const output = n === 0 ? base : base.replace(/\.dcm$/, '') + `.${n}.dcm`;
          const written = await writeDicomFile(f, target.at(output), {
            noClobber: opts.noClobber,
            tmpDir: opts.tmpDir,
            fsync: opts.fsync,
            check: (tmp) => checkOutput(tmp, identifiers),
            checkBytes: (bytes) => checkOutputBytes(bytes, identifiers),
          });
          if (written.existing === 'different') {
            if (!opts.noOverwrite) continue;
            return { status: 'failed', path, error: { code: 'OUTPUT_CONFLICT', message: `${relative(opts.out, base)} already holds a different file: not overwritten` } };
          }
          if (n > 0) warnings.push(`${base} holds a different file with the same patient, study, series and instance: written as ${output}`);
          // Review material for every image masked or read by OCR (a failed preview is a warning).
          if (opts.previews && (masked || check?.method === 'ocr'))
            await (
              await pixelsApply()
            )
              .writePreview(f, opts.previews, masked ? 'masked' : 'checked', output, masked, check)
              .catch((e: Error) => warnings.push(`preview: ${e.message}`));
          const found = result.found?.length ? { entities_found: result.found } : {};
          const notices = result.notices?.length ? { notices: result.notices } : {};
          const px = check ? { pixels: check } : {};
          return {
            status: 'written',
            path,
            output,
            size: written.size,
            entities: result.entities,
            ...found,
            ...px,
            warnings,
            ...notices,
            alreadyPresent: written.existing === 'identical',
          };
        }
      } finally {
        target.close();
      }
      return undefined;
    };
    let done: FileOutcome | undefined;
    try {
      done = await attempt();
    } catch (e) {
      // A cached folder removed since it was opened: the cache goes, and the file is written once
      // more through a fresh open (which meets a planted symlink or a missing folder like any).
      if (!opts.dirs || !missingFolder(e)) throw e;
      opts.dirs.clear();
      done = await attempt();
    }
    if (done) return done;
    return { status: 'failed', path, error: { code: 'OUTPUT_CONFLICT', message: `${MAX_SUFFIX} different files already claim the output name ${base}` } };
  } catch (e) {
    const err = asFileError(e);
    if (err) return { status: 'failed', path, error: err };
    throw e;
  } finally {
    closeDicom(f);
  }
}

/**
 * This thread's read buffers: a file is read whole into one and nothing of it is used after
 * closeDicom (outcomes hold strings and numbers; the safety net's identifiers are copies).
 */
const buffers = new BufferPool();

/** The pixel library (codecs, sharp, OCR) is loaded the first time an image needs it. */
const pixelsApply = async () => {
  const [apply, lib, ocr] = await Promise.all([import('./pixels.js'), import('../pixel/index.js'), import('../ocr/errors.js')]);
  return { ...apply, PixelError: lib.PixelError, OcrError: ocr.OcrError };
};

/** A quarantined image's preview shows the input as it is (the file in memory may be half-masked), with the regions and boxes. */
async function quarantinePreview(path: string, dir: string, regions: MaskRegion[], check?: PixelCheck): Promise<void> {
  let g;
  try {
    g = await openDicom(path);
    await (await pixelsApply()).writePreview(g, dir, 'quarantined', path, regions, check);
  } catch {
    // a preview is review material: its failure does not change the outcome
  } finally {
    if (g) closeDicom(g);
  }
}

/** Different files one output name may take (name, name.1 … name.N-1) before a file fails. */
const MAX_SUFFIX = 100;
