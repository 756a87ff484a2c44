import t from 'tap';
import { Element } from '../src/dicom/dataset.js';
import { invalidValue, STRICT } from '../src/dicom/value-check.js';

const el = (vr: string, bytes: number[] | string, tag = 0x00100020): Element => {
  const e = new Element(tag, vr, 0);
  e.value = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
  e.length = e.value.length;
  return e;
};

/** The repertoire check as it read before it ran over the bytes in place (values split, latin1, trimmed, matched by the same patterns). */
const REFERENCE = STRICT;
function referenceRepertoire(vr: string, bytes: Buffer): string | undefined {
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0x20 || bytes[end - 1] === 0x00)) end--;
  for (const value of bytes.subarray(0, end).toString('latin1').split('\\')) {
    if (value.length > REFERENCE[vr].max) return `a ${vr} value of ${value.length} bytes (at most ${REFERENCE[vr].max})`;
    if (!REFERENCE[vr].re.test(value.trim())) return `characters outside the ${vr} repertoire`;
  }
  return undefined;
}

t.test('invalidValue strict VR values with padding, NBSP and backslashes → the regex reading of each value', async (t) => {
  t.equal(invalidValue(el('CS', 'ORIGINAL\\PRIMARY\\AXIAL ')), undefined, 'three CS values, padded');
  t.equal(invalidValue(el('CS', [0xa0, 0x41, 0x42, 0xa0])), undefined, 'NBSP around a CS value is trimmed as String.trim does');
  t.equal(invalidValue(el('CS', [0x41, 0xa0, 0x42])), 'characters outside the CS repertoire', 'NBSP inside a CS value is outside its repertoire');
  t.equal(invalidValue(el('DS', '1.5\\12345678901234567')), 'a DS value of 17 bytes (at most 16)', 'the second value too long');
  t.equal(invalidValue(el('DS', ' 1.5 \\ -2E3')), undefined, 'leading spaces are padding');
  t.equal(invalidValue(el('UI', '1.2.3\\')), undefined, 'an empty last value');
  t.equal(invalidValue(el('AS', '045Y\\X')), 'characters outside the AS repertoire', 'a bad second value');
  t.equal(invalidValue(el('CS', 'ISO-IR 100', 0x00080005)), undefined, "Specific Character Set's hyphen passes");
  t.equal(invalidValue(el('CS', 'ISO-IR 100')), 'characters outside the CS repertoire', 'a hyphen elsewhere in CS does not');
  t.equal(invalidValue(el('LO', 'a'.repeat(257))), 'a LO value of 257 bytes (at most 256)', 'LO byte bound');
  t.equal(invalidValue(el('LT', 'a\\'.repeat(10))), undefined, 'LT is one value, backslashes and all');
});

t.test('invalidValue 20,000 random strict values → the same verdict as the split, trim and regex reading', async (t) => {
  const alphabet = [0x20, 0x20, 0x5c, 0x5c, 0xa0, 0x2b, 0x2d, 0x2e, 0x3a, 0x30, 0x35, 0x39, 0x41, 0x44, 0x45, 0x4d, 0x57, 0x59, 0x5a, 0x5f, 0x61, 0x7e, 0xe9];
  let seed = 7;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
  let differ = 0;
  let first = '';
  for (let k = 0; k < 20_000; k++) {
    const vr = Object.keys(REFERENCE)[k % 9];
    const bytes = Buffer.from(Array.from({ length: rand(40) }, () => alphabet[rand(alphabet.length)]));
    const got = invalidValue(el(vr, [...bytes]));
    const want = referenceRepertoire(vr, bytes);
    if (got !== want) {
      differ++;
      first ||= `${vr} ${bytes.toString('hex')}: ${got} ≠ ${want}`;
    }
  }
  t.equal(differ, 0, first || 'every verdict the same');
});
