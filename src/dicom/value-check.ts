// Whether a value's bytes can be what its VR says (PS3.5 6.2: repertoire and maximum length, and
// for binary VRs a whole number of values). A misread length makes an element swallow the headers
// after it; those headers hold control bytes no string VR allows and break a binary VR's width, so
// this is also how a kept element that swallowed others is told apart.

import type { Element } from './dataset.js';
import { binaryWidth, isStringVR } from './vr.js';

/** Allowed characters per value (backslash separates values, checked apart), and maximum length in bytes. */
export const STRICT: Readonly<Record<string, { re: RegExp; max: number }>> = {
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
 * Each repertoire as a table of the latin1 bytes its pattern accepts, and the bytes
 * String.prototype.trim removes: both built by asking the patterns and trim themselves, so the
 * byte loop below accepts exactly what `re.test(value.toString('latin1').trim())` did, without a
 * string or a view per value (the engine checks every kept element of every file).
 */
const latin1Table = (accepts: (ch: string) => boolean): Uint8Array => {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = accepts(String.fromCharCode(b)) ? 1 : 0;
  return t;
};
const TRIMMED = latin1Table((ch) => ch.trim() === '');
const ALLOWED = new Map<{ re: RegExp; max: number }, Uint8Array>([...Object.values(STRICT), CHARSET_CS].map((s) => [s, latin1Table((ch) => s.re.test(ch))]));

/**
 * Maximum bytes of one value of the character-set VRs: PS3.5 counts characters, and a character
 * takes up to 4 bytes (UTF-8, GB18030) plus ISO 2022 escapes, so the byte bound is generous; the
 * control-byte check is what catches a swallowed header.
 */
const TEXT_MAX: Record<string, number> = { LO: 64 * 4, SH: 16 * 4, PN: 3 * 64 * 4 + 2, ST: 1024 * 4, LT: 10240 * 4 };

/** Control bytes a text value may hold: ESC (ISO 2022), and in LT/ST/UT the format effectors. */
const textControlOk = (vr: string, b: number): boolean => b === 0x1b || ((vr === 'LT' || vr === 'ST' || vr === 'UT') && (b === 0x09 || b === 0x0a || b === 0x0c || b === 0x0d));

/** Where the value ends without its trailing padding (space, and the NUL some writers use). */
function unpaddedEnd(v: Buffer): number {
  let end = v.length;
  while (end > 0 && (v[end - 1] === 0x20 || v[end - 1] === 0x00)) end--;
  return end;
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
    const end = unpaddedEnd(v);
    for (let i = 0; i < end; i++) {
      const b = v[i];
      if (b === 0x00) return `NUL byte at ${i} inside a ${vr} value`;
      if (b < 0x20 && !textControlOk(vr, b)) return `control byte 0x${b.toString(16).padStart(2, '0')} at ${i} in a ${vr} value`;
      if (b === 0x7f) return `DEL byte at ${i} in a ${vr} value`;
    }
    // Writers put "ISO-IR 100" in Specific Character Set: its hyphen is let pass (the charset parser reads it).
    const strict = vr === 'CS' && el.tag === 0x00080005 ? CHARSET_CS : STRICT[vr];
    const single = vr === 'LT' || vr === 'ST' || vr === 'UT' || vr === 'UR';
    // Values end at each backslash (not in the single-valued VRs), checked in place.
    let from = 0;
    for (let i = 0; i <= end; i++) {
      if (i < end && (single || v[i] !== 0x5c)) continue;
      const bad = strict
        ? strictValue(v, from, i, vr, strict)
        : TEXT_MAX[vr] !== undefined && i - from > TEXT_MAX[vr]
          ? `a ${vr} value of ${i - from} bytes (at most ${TEXT_MAX[vr]})`
          : undefined;
      if (bad !== undefined) return bad;
      from = i + 1;
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

/** Why v[from, to) is not a value of a strict VR: too long, or (leading and trailing spaces aside) outside its repertoire. */
function strictValue(v: Buffer, from: number, to: number, vr: string, strict: { re: RegExp; max: number }): string | undefined {
  if (to - from > strict.max) return `a ${vr} value of ${to - from} bytes (at most ${strict.max})`;
  while (from < to && TRIMMED[v[from]]) from++;
  while (to > from && TRIMMED[v[to - 1]]) to--;
  const allowed = ALLOWED.get(strict)!;
  for (let i = from; i < to; i++) if (!allowed[v[i]]) return `characters outside the ${vr} repertoire`;
  return undefined;
}
