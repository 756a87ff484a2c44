/**
 * Text encoding in a Specific Character Set.
 *
 * Canonical encoding produced by encodeText for ISO 2022 specs (the round-trip target):
 *  - every character is encoded with the first (in value order) set that can represent
 *    it; ASCII characters (including SPACE) always use the initial G0 set; a set is
 *    designated (escape sequence emitted) only when it is not already designated;
 *  - before each delimiter and at the end of the value, if G0 is not the initial G0 set,
 *    the initial G0 designation is emitted (e.g. ESC ( B, or ESC ( J for IR 13);
 *  - G1 is never explicitly restored (the reader resets it at delimiters), so a G1 set
 *    (e.g. KS X 1001 via ESC $ ) C) is re-designated after every delimiter, as in the
 *    Annex I example.
 * Byte sequences that are valid but not in that canonical form decode correctly but do
 * not re-encode byte-identically, e.g.:
 *  - a redundant ESC ( B after a G1-only set (pydicom's chrKoreanMulti.dcm:
 *    ESC $ ) C ... ESC ( B <pad>) - re-encoding omits the ESC ( B;
 *  - SPACE or other ASCII inside a JIS X 0208 run (0x20 is SPACE in any G0 set) -
 *    re-encoding switches to ASCII for it;
 *  - redundant designations, or a set chosen other than the first one able to encode
 *    a character;
 *  - double-byte codes that map to the same Unicode character as an earlier code
 *    (e.g. duplicated NEC / IBM extension codes in the EUC-JP table) - the lowest code
 *    is used when encoding;
 *  - vendor extension rows of the EUC-JP table (NEC row 13, IBM rows 89-92) are decoded
 *    but never produced for ISO 2022 IR 87 (not JIS X 0208), so e.g. '①' read from
 *    0x2D21 throws CHARSET_UNENCODABLE when re-encoded with IR 87 alone;
 *  - bytes decoded leniently (latin1 fallback / U+FFFD).
 */
import { iconv } from './iconv.js';
import { ByteSink } from './byte-sink.js';
import { CharsetError } from './charset-error.js';
import { setEncode, type CodeSet, type SbSet } from './code-sets.js';
import { getCtx, type Ctx } from './context.js';
import { delimMask, isDelim, TEXT_VRS } from './iso2022.js';
import type { CharsetSpec } from './spec.js';

function describe(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${String.fromCodePoint(cp)}'`;
}

function unencodable(cp: number, where: string): CharsetError {
  return new CharsetError('CHARSET_UNENCODABLE', `character ${describe(cp)} cannot be encoded in ${where}`);
}

function checkWellFormed(text: string, where: string): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      if (c <= 0xdbff && i + 1 < text.length) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          i++;
          continue;
        }
      }
      throw new CharsetError('CHARSET_UNENCODABLE', `lone surrogate U+${c.toString(16).toUpperCase()} cannot be encoded in ${where}`);
    }
  }
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}

/**
 * Encode a string (may contain backslashes for multi-valued and '=' / '^' for PN) into
 * bytes in the given charset; NOT padded (caller pads). Throws CharsetError if a char
 * cannot be represented, or if the spec contains an unsupported defined term.
 */
export function encodeText(text: string, spec: CharsetSpec, vr: string): Buffer {
  if (!TEXT_VRS.has(vr)) {
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) > 0xff) throw unencodable(text.codePointAt(i)!, `VR ${vr} (latin1)`);
    }
    return Buffer.from(text, 'latin1');
  }
  const ctx = getCtx(spec);
  if (!ctx.supported) {
    throw new CharsetError('CHARSET_UNSUPPORTED', `unsupported Specific Character Set term '${ctx.unknown}'`);
  }
  // ASCII is the initial G0 repertoire of every supported spec (JIS X 0201 Roman is
  // handled as ASCII), so pure-ASCII text needs no escape sequences.
  if (isAscii(text)) return Buffer.from(text, 'latin1');

  switch (ctx.mode) {
    case 'ascii':
      for (const ch of text) {
        const cp = ch.codePointAt(0)!;
        if (cp >= 0x80) throw unencodable(cp, 'the default repertoire (ISO-IR 6)');
      }
      return Buffer.from(text, 'latin1'); // unreachable in practice
    case 'utf8':
      checkWellFormed(text, 'ISO_IR 192');
      return Buffer.from(text, 'utf8');
    case 'gb18030':
      checkWellFormed(text, 'GB18030');
      return iconv().encode(text, 'gb18030');
    case 'gbk':
      return encodeGbk(text);
    case 'sb':
      return encodeSb(text, ctx.sb!, spec.terms[0]);
    default:
      return encodeIso(text, ctx, delimMask(vr), spec);
  }
}

function encodeGbk(text: string): Buffer {
  checkWellFormed(text, 'GBK');
  const buf = iconv().encode(text, 'gbk');
  if (iconv().decode(buf, 'gbk') === text) return buf;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) continue;
    if (iconv().decode(iconv().encode(ch, 'gbk'), 'gbk') !== ch) throw unencodable(cp, 'GBK');
  }
  return buf;
}

function encodeSb(text: string, g1: SbSet, term: string): Buffer {
  const out = Buffer.allocUnsafe(text.length);
  let k = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      out[k++] = c;
      continue;
    }
    const code = g1.enc.get(c);
    if (code === undefined) throw unencodable(text.codePointAt(i)!, term);
    out[k++] = code | 0x80;
  }
  return out.subarray(0, k);
}

function encodeIso(text: string, ctx: Ctx, mask: number, spec: CharsetSpec): Buffer {
  const { init0, init1, cands } = ctx.iso;
  const out = new ByteSink(text.length * 3 + 8);
  let g0: CodeSet = init0;
  let g1: CodeSet | null = init1;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80 && isDelim(cp, mask)) {
      if (g0 !== init0) out.pushBuf(init0.esc0!);
      g0 = init0;
      g1 = init1;
      out.push(cp);
      continue;
    }
    let ci = ctx.encCache.get(cp);
    let code = -1;
    if (ci === undefined) {
      ci = -1;
      for (let k = 0; k < cands.length; k++) {
        code = setEncode(cands[k].set, cp);
        if (code >= 0) {
          ci = k;
          break;
        }
      }
      ctx.encCache.set(cp, ci);
    } else if (ci >= 0) {
      code = setEncode(cands[ci].set, cp);
    }
    if (ci < 0) throw unencodable(cp, `'${spec.terms.join('\\')}'`);
    const { set, slot } = cands[ci];
    if (slot === 0) {
      if (g0 !== set) {
        out.pushBuf(set.esc0!);
        g0 = set;
      }
      if (set.kind === 2) {
        out.push(code >> 8);
        out.push(code & 0xff);
      } else {
        out.push(code);
      }
    } else {
      if (g1 !== set) {
        out.pushBuf(set.esc1!);
        g1 = set;
      }
      if (set.kind === 2) {
        out.push((code >> 8) | 0x80);
        out.push((code & 0xff) | 0x80);
      } else {
        out.push(code | 0x80);
      }
    }
  }
  if (g0 !== init0) out.pushBuf(init0.esc0!);
  return out.result();
}
