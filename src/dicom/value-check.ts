// Whether a value's bytes can be what its VR says (PS3.5 6.2: repertoire and maximum length, and
// for binary VRs a whole number of values). A misread length makes an element swallow the headers
// after it; those headers hold control bytes no string VR allows and break a binary VR's width, so
// this is also how a kept element that swallowed others is told apart.

import type { Element } from './dataset.js';
import { binaryWidth, isStringVR } from './vr.js';

/** Allowed characters per value (backslash separates values, checked apart), and maximum length in bytes. */
const STRICT: Record<string, { re: RegExp; max: number }> = {
  AE: { re: /^[\x20-\x5b\x5d-\x7e]*$/, max: 16 },
  AS: { re: /^[0-9DWMY ]*$/, max: 4 },
  CS: { re: /^[A-Z0-9 _]*$/, max: 16 },
  DA: { re: /^[0-9\- ]*$/, max: 18 },
  DS: { re: /^[0-9+\-Ee. ]*$/, max: 16 },
  DT: { re: /^[0-9+\-. ]*$/, max: 54 },
  IS: { re: /^[0-9+\- ]*$/, max: 12 },
  TM: { re: /^[0-9:.\- ]*$/, max: 28 },
  UI: { re: /^[0-9.]*$/, max: 64 },
};

const CHARSET_CS = { re: /^[A-Z0-9 _-]*$/, max: 16 };

/**
 * Maximum bytes of one value of the character-set VRs: PS3.5 counts characters, and a character
 * takes up to 4 bytes (UTF-8, GB18030) plus ISO 2022 escapes, so the byte bound is generous; the
 * control-byte check is what catches a swallowed header.
 */
const TEXT_MAX: Record<string, number> = { LO: 64 * 4, SH: 16 * 4, PN: 3 * 64 * 4 + 2, ST: 1024 * 4, LT: 10240 * 4 };

/** Control bytes a text value may hold: ESC (ISO 2022), and in LT/ST/UT the format effectors. */
const textControlOk = (vr: string, b: number): boolean => b === 0x1b || ((vr === 'LT' || vr === 'ST' || vr === 'UT') && (b === 0x09 || b === 0x0a || b === 0x0c || b === 0x0d));

/** The value without its trailing padding (space, and the NUL some writers use). */
function unpadded(v: Buffer): Buffer {
  let end = v.length;
  while (end > 0 && (v[end - 1] === 0x20 || v[end - 1] === 0x00)) end--;
  return v.subarray(0, end);
}

/**
 * Why the bytes of `el` (held in memory) cannot be a value of its VR, or undefined when they can.
 * `vm` is the dictionary's value multiplicity: a fixed one bounds the count of binary values.
 * Sequences, encapsulated data, values left in the source and the OB/OW/UN family pass.
 */
export function invalidValue(el: Element, vm?: string): string | undefined {
  const v = el.value;
  if (v === undefined || el.items || el.fragments) return undefined;
  const vr = el.vr;
  if (isStringVR(vr)) {
    const bytes = unpadded(v);
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b === 0x00) return `NUL byte at ${i} inside a ${vr} value`;
      if (b < 0x20 && !textControlOk(vr, b)) return `control byte 0x${b.toString(16).padStart(2, '0')} at ${i} in a ${vr} value`;
      if (b === 0x7f) return `DEL byte at ${i} in a ${vr} value`;
    }
    // Writers put "ISO-IR 100" in Specific Character Set: its hyphen is let pass (the charset parser reads it).
    const strict = vr === 'CS' && el.tag === 0x00080005 ? CHARSET_CS : STRICT[vr];
    const single = vr === 'LT' || vr === 'ST' || vr === 'UT' || vr === 'UR';
    const values = single ? [bytes] : split(bytes);
    for (const value of values) {
      if (strict) {
        // Leading spaces are padding in these VRs too.
        const text = value.toString('latin1').trim();
        if (value.length > strict.max) return `a ${vr} value of ${value.length} bytes (at most ${strict.max})`;
        if (!strict.re.test(text)) return `characters outside the ${vr} repertoire`;
      } else if (TEXT_MAX[vr] !== undefined && value.length > TEXT_MAX[vr]) {
        return `a ${vr} value of ${value.length} bytes (at most ${TEXT_MAX[vr]})`;
      }
    }
    return undefined;
  }
  const width = vr === 'OB' || vr === 'UN' ? 0 : binaryWidth(vr);
  if (width === 0) return undefined;
  if (v.length % width !== 0) return `${v.length} bytes is not a whole number of ${vr} values (${width} bytes each)`;
  const fixed = vm && /^\d+$/.test(vm) ? Number(vm) : undefined;
  if (fixed !== undefined && !vr.startsWith('O') && v.length / width > fixed) {
    return `${v.length / width} ${vr} values where the dictionary allows ${fixed}`;
  }
  return undefined;
}

/** Splits on the backslash byte (every string VR but the single-valued ones; never inside a multi-byte character of the charsets PS3.5 allows there). */
function split(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 0x5c) {
      out.push(b.subarray(from, i));
      from = i + 1;
    }
  }
  out.push(b.subarray(from));
  return out;
}
