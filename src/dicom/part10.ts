import { Cursor } from './cursor.js';
import { UNDEFINED_LENGTH, type DataSet, type Span } from './dataset.js';
import { DicomError } from './errors.js';
import { DataSetReader, type ReadOptions } from './read.js';
import type { ByteSource } from './source.js';
import { formatTag, TRANSFER_SYNTAX_UID } from './tag.js';
import { invalidValue } from './value-check.js';
import { EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_BE, IMPLICIT_LE, nativeTransferSyntax, transferSyntax, type Encoding, type TransferSyntax } from './transfer-syntax.js';
import { hasLongLength, isVR } from './vr.js';

/** What precedes the dataset: preamble, file meta group, and how the dataset is encoded. */
export interface Prefix {
  /** A 128-byte preamble followed by "DICM". */
  preamble: boolean;
  meta?: DataSet;
  /** Offset in the file where the dataset (or, if deflated, its compressed stream) starts. */
  bodyStart: number;
  /** Transfer Syntax UID as the meta declares it, trimmed. */
  transferSyntaxUID?: string;
  transferSyntax: TransferSyntax;
  deflated: boolean;
  /** The meta group's own encoding: explicit VR little endian unless a writer got it wrong. */
  metaEncoding: Encoding;
  warnings: string[];
}

export interface DicomFile extends Prefix {
  source: ByteSource;
  /** The dataset's bytes: the file itself, or the inflated stream of a deflated file. */
  body: ByteSource;
  /** Encoding of the dataset as found (may differ from the declared transfer syntax). */
  encoding: Encoding;
  dataset: DataSet;
  /** Zero bytes after the last element, kept as they are. */
  trailing?: Span;
  /** Write 128 zero bytes instead of the source's preamble (it can hold anything). */
  zeroPreamble?: boolean;
}

const asciiAt = (src: ByteSource, at: number, n: number): string => {
  const b = Buffer.alloc(n);
  src.readInto(b, 0, at, n);
  return b.toString('latin1');
};

const CANDIDATES = [EXPLICIT_LE, IMPLICIT_LE, EXPLICIT_BE, IMPLICIT_BE];

/** The tag number of the element at `at` read in `enc`, if its header is plausible there. */
function plausibleTag(src: ByteSource, at: number, enc: Encoding): number | undefined {
  if (src.size - at < 8) return undefined;
  const b = Buffer.alloc(12);
  src.readInto(b, 0, at, Math.min(12, src.size - at));
  const u16 = (i: number): number => (enc.little ? b.readUInt16LE(i) : b.readUInt16BE(i));
  const u32 = (i: number): number => (enc.little ? b.readUInt32LE(i) : b.readUInt32BE(i));
  const tag = ((u16(0) << 16) | u16(2)) >>> 0;
  const group = tag >>> 16;
  if (group === 0xfffe || group === 0xffff) return undefined;
  const vr = String.fromCharCode(b[4], b[5]);
  const rest = src.size - at;
  if (!enc.explicit) {
    if (isVR(vr)) return undefined;
    const len = u32(4);
    return len === UNDEFINED_LENGTH || 8 + len <= rest ? tag : undefined;
  }
  if (!isVR(vr)) return undefined;
  if (hasLongLength(vr)) {
    if (rest < 12) return undefined;
    const len = u32(8);
    return len === UNDEFINED_LENGTH || 12 + len <= rest ? tag : undefined;
  }
  return 8 + u16(6) <= rest ? tag : undefined;
}

/**
 * The encoding of the element at `at`, by inspection: the declared one if its header reads
 * plausibly there, else the plausible candidate whose tag reads lowest (datasets start low).
 */
export function sniffEncoding(src: ByteSource, at: number, declared?: Encoding): Encoding | undefined {
  if (declared && plausibleTag(src, at, declared) !== undefined) return declared;
  let best: Encoding | undefined;
  let bestTag = Infinity;
  for (const enc of CANDIDATES) {
    const tag = plausibleTag(src, at, enc);
    if (tag !== undefined && tag < bestTag) {
      best = enc;
      bestTag = tag;
    }
  }
  return best;
}

const MAX_LEADING = 16;

/** Whether a file meta element header (group 0002, a VR) stands at 132, where it follows "DICM". */
function metaAfterPreamble(src: ByteSource): boolean {
  if (src.size < 140) return false;
  const b = Buffer.alloc(8);
  src.readInto(b, 0, 132, 8);
  return b.readUInt16LE(0) === 0x0002 && isVR(b.toString('latin1', 4, 6));
}

/**
 * Without a preamble or meta, content is DICOM only if it starts like a dataset: a plausible
 * element of group 0000-0008 (ACR-NEMA group lengths, directory records, identifying group).
 * That keeps text and other files from being mistaken for datasets.
 */
function sniffRawStart(src: ByteSource, at: number): Encoding | undefined {
  const enc = sniffEncoding(src, at);
  if (!enc) return undefined;
  const tag = plausibleTag(src, at, enc)!;
  // (0000,0000) is what zeros read as: an empty or never-written file is not a dataset.
  return tag !== 0 && tag >>> 16 <= 0x0008 ? enc : undefined;
}

const sameEncoding = (a: Encoding, b: Encoding): boolean => a.explicit === b.explicit && a.little === b.little;

export function readPrefix(src: ByteSource, opts: ReadOptions = {}): Prefix {
  const warnings: string[] = [];
  let metaStart: number | undefined;
  let preamble = false;
  if (src.size >= 132 && asciiAt(src, 128, 4) === 'DICM') {
    preamble = true;
    metaStart = 132;
  } else if (src.size >= 8) {
    const b = Buffer.alloc(8);
    src.readInto(b, 0, 0, 8);
    if (b.readUInt16LE(0) === 0x0002) {
      metaStart = 0;
      warnings.push('no preamble: file starts with the file meta group');
    }
  }
  if (metaStart === undefined) {
    // A raw dataset; some writers leave a few stray bytes before it, which are kept as they are.
    let at = 0;
    let enc: Encoding | undefined;
    for (; at < Math.min(MAX_LEADING, src.size) && !enc; at++) enc = sniffRawStart(src, at);
    if (!enc) {
      // A file meta group right after a preamble whose "DICM" is damaged is a damaged DICOM file, not another kind of file.
      if (metaAfterPreamble(src))
        throw new DicomError({
          code: 'BAD_META',
          message: `the "DICM" marker at 128 is damaged (${JSON.stringify(asciiAt(src, 128, 4))}) but a file meta group follows it`,
          offset: 128,
        });
      throw new DicomError({ code: 'NOT_DICOM', message: 'no preamble, no file meta, and no readable data element at the start', offset: 0 });
    }
    at--;
    warnings.push('no file meta: transfer syntax inferred from the dataset');
    if (at > 0) warnings.push(`${at} stray byte(s) before the dataset kept as they are`);
    const ts = nativeTransferSyntax(enc);
    return { preamble, bodyStart: at, transferSyntax: ts, deflated: false, metaEncoding: EXPLICIT_LE, warnings };
  }
  const metaEncoding = (sniffEncoding(src, metaStart) ?? EXPLICIT_LE).explicit ? EXPLICIT_LE : IMPLICIT_LE;
  if (!metaEncoding.explicit) warnings.push('file meta group is encoded implicit VR');
  const reader = new DataSetReader(new Cursor(src, metaStart), opts);
  let meta: DataSet;
  try {
    meta = reader.readTopLevel(metaEncoding, { stopUnlessGroup: 0x0002 }).dataset;
  } catch (e) {
    if (e instanceof DicomError) throw new DicomError({ ...e.toJSON(), code: e.code === 'TRUNCATED' ? 'TRUNCATED' : 'BAD_META', message: `file meta: ${e.message}` });
    throw e;
  }
  warnings.push(...reader.warnings);
  checkMeta(meta, warnings);
  const bodyStart = reader.cur.pos;
  const tsEl = meta.get(TRANSFER_SYNTAX_UID);
  const uid = tsEl?.value
    ?.toString('latin1')
    .replace(/[\0 ]+$/, '')
    .trim();
  if (!uid) warnings.push('file meta has no Transfer Syntax UID: inferred from the dataset');
  const ts = uid ? transferSyntax(uid) : nativeTransferSyntax(sniffEncoding(src, bodyStart, EXPLICIT_LE) ?? EXPLICIT_LE);
  return { preamble, meta, bodyStart, transferSyntaxUID: uid, transferSyntax: ts, deflated: ts.deflated, metaEncoding, warnings };
}

/** Parses the dataset of a file whose prefix is known; `body` holds the dataset bytes from `bodyStart`. */
export function readBody(prefix: Prefix, source: ByteSource, body: ByteSource, bodyStart: number, opts: ReadOptions = {}): DicomFile {
  const warnings = [...prefix.warnings];
  let encoding = prefix.transferSyntax.encoding;
  const found = sniffEncoding(body, bodyStart, encoding);
  if (found && !sameEncoding(found, encoding) && prefix.meta) {
    warnings.push(`transfer syntax ${prefix.transferSyntax.uid} says ${describe(encoding)} but the dataset is ${describe(found)}: read as found`);
    encoding = found;
  } else if (found && !prefix.meta) {
    encoding = found;
  }
  const reader = new DataSetReader(new Cursor(body, bodyStart), opts);
  const { dataset, trailingStart } = reader.readTopLevel(encoding, { allowTrailingZeros: true });
  warnings.push(...reader.warnings);
  const file: DicomFile = { ...prefix, warnings, source, body, encoding, dataset };
  if (trailingStart !== undefined) file.trailing = { start: trailingStart, end: body.size };
  return file;
}

const META_RELIED = new Set([0x00020001, 0x00020002, 0x00020003, 0x00020010, 0x00020012, 0x00020013]);

/**
 * The meta group's own consistency. A meta value that is not of its VR is the sign of a length
 * that swallowed the start of the dataset: a structural guess that could hide data, so the file
 * fails rather than being read so. A group length that disagrees with the elements is only a
 * warning: writers get it wrong, and the values are checked either way.
 */
function checkMeta(meta: DataSet, warnings: string[]): void {
  const gl = meta.elements[0];
  if (gl && gl.tag === 0x00020000 && gl.value?.length === 4 && gl.span) {
    const end = gl.span.end + gl.value.readUInt32LE(0);
    const across = meta.elements.find((e) => e.span && e.span.start < end && e.span.end > end);
    if (across) warnings.push(`file meta: ${formatTag(across.tag)} runs past the end the group length declares (${end})`);
  }
  for (const el of meta.elements) {
    const bad = el.tag === 0x00020001 ? (el.value && el.value.length !== 2 ? `${el.value.length} bytes where 2 stand` : undefined) : invalidValue(el);
    if (!bad) continue;
    const message = `file meta: ${formatTag(el.tag)} is not a valid value (${bad})`;
    // Version, UIDs and implementation name are what the reader relies on; a bad AE title or
    // private information is never carried into an output, so it only warns.
    if (META_RELIED.has(el.tag)) throw new DicomError({ code: 'BAD_META', message, offset: el.span?.start, path: formatTag(el.tag) });
    warnings.push(message);
  }
}

const describe = (e: Encoding): string => `${e.explicit ? 'explicit' : 'implicit'} VR ${e.little ? 'little' : 'big'} endian`;
