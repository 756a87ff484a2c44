/**
 * Text decoding in a Specific Character Set (PS3.5 6.1; Annex H/I/J examples).
 *
 * Lenient reading (never throws):
 *  - escape sequences of any known set are honoured even when the set is not declared
 *    (also with the default repertoire or a single-valued ISO_IR xxx term);
 *  - unknown escape sequences are kept as text (the ESC character and following bytes);
 *  - bytes that cannot be interpreted by the active sets decode as latin1; a
 *    well-formed but unmapped double-byte code decodes as U+FFFD;
 *  - a multi-valued spec using ISO_IR xxx (instead of ISO 2022 IR xxx) is treated as the
 *    ISO 2022 variant; a multi-valued spec containing ISO_IR 192 / GB18030 / GBK uses
 *    that charset alone (those do not allow code extensions).
 *
 * JIS X 0201 (ISO_IR 13 / ISO 2022 IR 13): the low half (JIS X 0201 Roman) is handled
 * as ASCII, i.e. 0x5C decodes to '\' and 0x7E to '~' (not YEN SIGN / OVERLINE), because
 * 0x5C is the DICOM value delimiter. This matches pydicom and keeps value splitting on
 * decoded text correct. The high half 0xA1-0xDF is half-width katakana U+FF61-U+FF9F.
 */
import { iconv } from './iconv.js';
import { dbChar, ESC, type CodeSet, type SbSet } from './code-sets.js';
import { getCtx } from './context.js';
import { Delim, delimMask, isDelim, parseEscape, TEXT_VRS, type Iso2022 } from './iso2022.js';
import type { CharsetSpec } from './spec.js';

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function latin1(bytes: Uint8Array): string {
  return asBuffer(bytes).toString('latin1');
}

/** Decode one text value's bytes (the whole raw value incl. backslashes) for the given VR. */
export function decodeText(bytes: Uint8Array, spec: CharsetSpec, vr: string): string {
  const n = bytes.length;
  if (n === 0) return '';
  if (!TEXT_VRS.has(vr)) return latin1(bytes);
  // Fast path: pure 7-bit without escape sequences is ASCII in every supported charset.
  let plain = true;
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (b >= 0x80 || b === ESC) {
      plain = false;
      break;
    }
  }
  if (plain) return latin1(bytes);

  const ctx = getCtx(spec);
  switch (ctx.mode) {
    case 'utf8':
      return asBuffer(bytes).toString('utf8');
    case 'gb18030':
      return iconv().decode(asBuffer(bytes), 'gb18030');
    case 'gbk':
      return iconv().decode(asBuffer(bytes), 'gbk');
    case 'sb':
      if (bytes.indexOf(ESC) < 0) return decodeSb(bytes, ctx.sb!);
      return decodeIso(bytes, ctx.iso, delimMask(vr));
    case 'ascii':
      if (bytes.indexOf(ESC) < 0) return latin1(bytes);
      return decodeIso(bytes, ctx.iso, delimMask(vr));
    default:
      return decodeIso(bytes, ctx.iso, delimMask(vr));
  }
}

function decodeSb(bytes: Uint8Array, g1: SbSet): string {
  let out = '';
  let start = 0;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (b < 0x80) continue;
    if (i > start) out += latin1(bytes.subarray(start, i));
    const ch = g1.dec[b & 0x7f];
    out += ch === '' ? String.fromCharCode(b) : ch;
    start = i + 1;
  }
  if (start < n) out += latin1(bytes.subarray(start));
  return out;
}

function decodeIso(bytes: Uint8Array, iso: Iso2022, mask: number): string {
  const n = bytes.length;
  let g0: CodeSet = iso.init0;
  let g1: CodeSet | null = iso.init1;
  let out = '';
  let i = 0;
  while (i < n) {
    const b = bytes[i];
    if (b === ESC) {
      const e = parseEscape(bytes, i);
      if (e) {
        if (e.slot === 0) g0 = e.set;
        else g1 = e.set;
        i += e.len;
      } else {
        // Unknown / malformed escape: keep ESC as a character (lenient).
        out += '\x1b';
        i++;
      }
      continue;
    }
    if (b < 0x80) {
      if (g0.kind === 2) {
        if (b > 0x20 && b < 0x7f) {
          if (i + 1 < n && bytes[i + 1] > 0x20 && bytes[i + 1] < 0x7f) {
            out += dbChar(g0, b, bytes[i + 1]);
            i += 2;
          } else {
            out += String.fromCharCode(b); // lone byte: lenient
            i++;
          }
          continue;
        }
        // Controls, SPACE and DEL are the same in every G0 set.
        if (isDelim(b, Delim.Line)) {
          g0 = iso.init0;
          g1 = iso.init1;
        }
        out += String.fromCharCode(b);
        i++;
        continue;
      }
      if (isDelim(b, mask)) {
        g0 = iso.init0;
        g1 = iso.init1;
        out += String.fromCharCode(b);
        i++;
        continue;
      }
      // Run of single-byte G0 characters.
      let j = i + 1;
      while (j < n && bytes[j] < 0x80 && bytes[j] !== ESC && !isDelim(bytes[j], mask)) j++;
      if (g0.identity) {
        out += latin1(bytes.subarray(i, j));
      } else {
        for (let k = i; k < j; k++) {
          const c = bytes[k];
          const ch = c > 0x20 && c < 0x7f ? g0.dec[c] : '';
          out += ch === '' ? String.fromCharCode(c) : ch;
        }
      }
      i = j;
      continue;
    }
    // b >= 0x80: G1 (right half)
    if (g1 === null || b < 0xa0) {
      // No G1 designated, or C1 control range: latin1.
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    if (g1.kind === 1) {
      const ch = g1.dec[b & 0x7f];
      out += ch === '' ? String.fromCharCode(b) : ch;
      i++;
      continue;
    }
    if (b >= 0xa1 && b <= 0xfe && i + 1 < n && bytes[i + 1] >= 0xa1 && bytes[i + 1] <= 0xfe) {
      out += dbChar(g1, b & 0x7f, bytes[i + 1] & 0x7f);
      i += 2;
    } else {
      out += String.fromCharCode(b);
      i++;
    }
  }
  return out;
}
