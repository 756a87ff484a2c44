// A second, tolerant reading of a file for the safety net: identifier values found by looking for
// their tags' bytes anywhere, without the dictionary, the parser's framing or its guesses. Every
// header form is tried at every hit (explicit short and long, implicit; little and big endian),
// so a length or VR the parser misread cannot hide a value from it. What it finds is searched for
// in the output's raw bytes: a misread input cannot hide its own leak.

import type { ByteSource } from './source.js';
import { findBounded } from './needle-search.js';
import { tagHits, type TagVisit } from './tag-hits.js';
import * as T from './tags.generated.js';

/** Attributes whose values identify the patient or the people around them. */
export const IDENTIFIER_TAGS: readonly number[] = [
  T.PatientName,
  T.PatientID,
  T.OtherPatientIDs,
  T.OtherPatientNames,
  T.PatientBirthName,
  T.PatientMotherBirthName,
  T.ReferringPhysicianName,
  T.PerformingPhysicianName,
  T.NameOfPhysiciansReadingStudy,
  T.OperatorsName,
  T.RequestingPhysician,
  T.AccessionNumber,
  T.PatientAddress,
  T.PatientTelephoneNumbers,
  T.MedicalRecordLocator,
];

export interface Identifier {
  tag: number;
  /** The value as its bytes read in latin1, padding removed. */
  value: string;
  /** Its bytes, as they stand in the input. */
  bytes: Buffer;
}

/** Shortest value searched for: shorter ones turn up by chance. */
const MIN_LENGTH = 4;
/** Longest value read at a hit: identifiers are short, and a longer "value" is a misreading. */
const MAX_VALUE = 1024;
/** Values a de-identifier's own dummies repeat, or which say nothing. */
const PLACEHOLDER = /^([0.:\s^=-]+|ANONYMI[SZ]ED|ANONYMOUS|REMOVED|UNKNOWN|NONE|N\/A|DE-?IDENTIFIED)$/i;

const BLOCK = 4 * 1024 * 1024;
const OVERLAP = MAX_VALUE + 16;

/** Bytes a text value may hold: printable ASCII, 8-bit text, ESC, and the format effectors. */
const textByte = (b: number): boolean => (b >= 0x20 ? b !== 0x7f : b === 0x1b || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0c);

/**
 * Text rather than binary that happens to follow a tag's bytes (waveform and pixel samples hold
 * such pairs): two ASCII letters or digits, or non-ASCII letters in valid UTF-8, or ISO 2022 escapes.
 */
function textLike(b: Buffer): boolean {
  let alnum = 0;
  for (const c of b) if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) alnum++;
  if (alnum >= 2 || b.includes(0x1b)) return true;
  const utf8 = new TextDecoder('utf-8', { fatal: false }).decode(b);
  return !utf8.includes('\ufffd') && /\p{L}/u.test(utf8);
}

function values(raw: Buffer, out: Map<string, Identifier>, tag: number): void {
  let end = raw.length;
  while (end > 0 && (raw[end - 1] === 0x20 || raw[end - 1] === 0x00)) end--;
  if (end < MIN_LENGTH) return;
  for (let i = 0; i < end; i++) if (!textByte(raw[i])) return;
  let from = 0;
  for (let i = 0; i <= end; i++) {
    if (i < end && raw[i] !== 0x5c) continue;
    let s = from;
    let e = i;
    while (s < e && raw[s] === 0x20) s++;
    while (e > s && raw[e - 1] === 0x20) e--;
    from = i + 1;
    if (e - s < MIN_LENGTH) continue;
    const bytes = Buffer.from(raw.subarray(s, e));
    const value = bytes.toString('latin1');
    if (PLACEHOLDER.test(value) || /^[\d.\s]{1,5}$/.test(value) || !textLike(bytes)) continue;
    if (!out.has(value)) out.set(value, { tag, value, bytes });
  }
}

const isLetter = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x20 || c === 0x3f;

/** Every plausible value behind a tag hit at `at` in `b` (a window of the source). */
function readAt(b: Buffer, at: number, little: boolean, out: Map<string, Identifier>, tag: number): void {
  if (at + 8 > b.length) return;
  // Most hits in pixel and waveform samples are neither: no letters where a VR stands, and a
  // 4-byte length far above MAX_VALUE. Those are left at once; any two letters (a VR, valid or
  // not) or a small 4-byte length are read in every form.
  const letters = isLetter(b[at + 4]) && isLetter(b[at + 5]);
  const smallLong = little ? b[at + 6] === 0 && b[at + 7] === 0 : b[at + 4] === 0 && b[at + 5] === 0;
  if (!letters && !smallLong) return;
  // Explicit VR with a 2-byte length (whatever the VR bytes say), implicit VR, then explicit VR
  // with a 4-byte length (UN, UT, UC): no array or closure per hit (pixel data has hundreds).
  valueAt(b, at + 8, little ? b.readUInt16LE(at + 6) : b.readUInt16BE(at + 6), out, tag);
  valueAt(b, at + 8, little ? b.readUInt32LE(at + 4) : b.readUInt32BE(at + 4), out, tag);
  if (at + 12 <= b.length) valueAt(b, at + 12, little ? b.readUInt32LE(at + 8) : b.readUInt32BE(at + 8), out, tag);
}

function valueAt(b: Buffer, start: number, length: number, out: Map<string, Identifier>, tag: number): void {
  if (length === 0 || length > MAX_VALUE || start + length > b.length) return;
  values(b.subarray(start, start + length), out, tag);
}

/** The groups' and elements' bytes of a tag set, as lookup tables (built once per set). */
interface TagTables {
  tags: Set<number>;
  groups: Uint8Array;
  elements: Uint8Array;
}
let lastTables: { key: string; t: TagTables } | undefined;
function tagTables(list: readonly number[]): TagTables {
  const key = list.join(',');
  if (lastTables?.key === key) return lastTables.t;
  const t: TagTables = { tags: new Set(list), groups: new Uint8Array(256), elements: new Uint8Array(65536) };
  for (const tag of t.tags) {
    if (tag >>> 16 > 0xff) throw new RangeError(`scanIdentifiers: group of ${tag.toString(16)} is not below 0x100`);
    t.groups[tag >>> 16] = 1;
    t.elements[tag & 0xffff] = 1;
  }
  lastTables = { key, t };
  return t;
}

/** Whether this machine is little endian: the word filter below reads bytes four at a time. */
const LITTLE_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The tag hit starting at i, if any: a group below 0x100 and a zero in either order, then an element of the set. */
function scanAt(b: Buffer, i: number, t: TagTables, visit: TagVisit): void {
  const x = b[i];
  const y = b[i + 1];
  if (y === 0) {
    if (x !== 0 && t.groups[x]) {
      const e = b[i + 2] | (b[i + 3] << 8); // little endian: group, 0, element
      if (t.elements[e] && t.tags.has(((x << 16) | e) >>> 0)) visit(i, true, ((x << 16) | e) >>> 0);
    }
  } else if (x === 0 && t.groups[y]) {
    const e = (b[i + 2] << 8) | b[i + 3]; // big endian: 0, group, element
    if (t.elements[e] && t.tags.has(((y << 16) | e) >>> 0)) visit(i, false, ((y << 16) | e) >>> 0);
  }
}

/**
 * The reference scan, in JavaScript (the kernel of tag-hits.ts must find exactly its hits): every
 * tag hit starting at i ≤ last in `b`, in order. A hit at i has a zero and a group byte at i and
 * i+1, so the bytes are read four at a time, and a word is looked at byte by byte only when it
 * (with the next word's first byte) holds both a zero and a group byte: about one word in twenty
 * in pixel data, against every byte pair before (2.6× faster on the bench corpus).
 */
function scanWords(b: Buffer, last: number, t: TagTables, visit: TagVisit): void {
  const { groups } = t;
  let i = 0;
  if (LITTLE_HOST) {
    const a = Math.min(last + 1, (4 - (b.byteOffset & 3)) & 3); // up to the first aligned word
    for (; i < a; i++) scanAt(b, i, t, visit);
    // Words whose four starts are ≤ last and whose next word is inside `b` (b holds last + 4 bytes).
    const words = last >= a ? Math.floor((last - a) / 4) : 0;
    if (words > 0) {
      const w32 = new Int32Array(b.buffer, b.byteOffset + a, words + 1);
      let next = w32[0];
      for (let k = 0; k < words; k++) {
        const w = next;
        next = w32[k + 1];
        // A hit at 4k..4k+3 needs a zero among its bytes and the next one (b[4k+4])…
        if (((w - 0x01010101) & ~w & 0x80808080) === 0 && (next & 0xff) !== 0) continue;
        // …and a group byte among them.
        if ((groups[w & 0xff] | groups[(w >>> 8) & 0xff] | groups[(w >>> 16) & 0xff] | groups[w >>> 24] | groups[next & 0xff]) === 0) continue;
        const p = a + 4 * k;
        scanAt(b, p, t, visit);
        scanAt(b, p + 1, t, visit);
        scanAt(b, p + 2, t, visit);
        scanAt(b, p + 3, t, visit);
      }
      i = a + 4 * words;
    }
  }
  for (; i <= last; i++) scanAt(b, i, t, visit);
}

/** The values behind every tag hit at i ≤ last in `b`: found by the kernel, or by the reference scan. */
function scanBlock(b: Buffer, last: number, t: TagTables, out: Map<string, Identifier>, reference: boolean): void {
  const visit: TagVisit = (at, little, tag) => readAt(b, at, little, out, tag);
  if (reference || !tagHits(b, last, t.tags, visit)) scanWords(b, last, t, visit);
}

/**
 * Identifier values in `src`, read at every occurrence of an identifier tag's bytes (either byte
 * order). `skip` is a byte range left unread (a large image's pixel data: scanning it costs much
 * and finds chance). One pass over the bytes (in place for a source held in memory). `reference`
 * finds the tags with the JavaScript scan instead of the kernel (for the tests that compare them).
 */
export function scanIdentifiers(src: ByteSource, opts: { tags?: readonly number[]; skip?: { start: number; end: number }; reference?: boolean } = {}): Identifier[] {
  const t = tagTables(opts.tags ?? IDENTIFIER_TAGS);
  const out = new Map<string, Identifier>();
  const reference = opts.reference === true;
  if (src.buffer && !opts.skip) {
    if (src.size >= 4) scanBlock(src.buffer.subarray(0, src.size), src.size - 4, t, out, reference);
    return [...out.values()];
  }
  const buf = Buffer.allocUnsafe(Math.min(BLOCK + OVERLAP, src.size));
  for (let pos = 0; pos < src.size; pos += BLOCK) {
    if (opts.skip && pos >= opts.skip.start && pos + BLOCK + OVERLAP <= opts.skip.end) continue;
    const n = src.readInto(buf, 0, pos, Math.min(BLOCK + OVERLAP, src.size - pos));
    // A hit starting in the overlap is found again by the next block.
    if (n >= 4) scanBlock(buf.subarray(0, n), Math.min(n - 4, BLOCK - 1), t, out, reference);
  }
  return [...out.values()];
}

/** Which of some values stand whole in a buffer (needle-search.ts; tests pass the reference). */
export type BoundedSearch = (hay: Buffer, needles: readonly Buffer[]) => boolean[];

/** The identifiers whose bytes stand anywhere in `src` as whole values, searched block by block. */
export function findIdentifiers(src: ByteSource, ids: readonly Identifier[], search: BoundedSearch = findBounded): Identifier[] {
  if (ids.length === 0) return [];
  if (src.buffer) {
    const hits = search(
      src.buffer.subarray(0, src.size),
      ids.map((i) => i.bytes),
    );
    return ids.filter((_, k) => hits[k]);
  }
  const longest = Math.max(...ids.map((i) => i.bytes.length));
  const buf = Buffer.allocUnsafe(BLOCK + longest);
  const found = new Set<Identifier>();
  for (let pos = 0; pos < src.size && found.size < ids.length; pos += BLOCK) {
    const n = src.readInto(buf, 0, pos, Math.min(BLOCK + longest, src.size - pos));
    // Each block is a haystack of its own, its edges no word bytes: a value at a block's first byte
    // counts as whole whatever precedes it (failing closed, as the indexOf search always did).
    const left = ids.filter((id) => !found.has(id));
    const hits = search(
      buf.subarray(0, n),
      left.map((i) => i.bytes),
    );
    left.forEach((id, k) => hits[k] && found.add(id));
  }
  return [...found];
}
