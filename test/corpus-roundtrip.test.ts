import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import t from 'tap';
import { DataSet, markModified } from '../src/dicom/dataset.js';
import { DicomError } from '../src/dicom/errors.js';
import { closeDicom, openDicom, parseDicom, serializeDicom, writeDicom } from '../src/dicom/file.js';
import { formatTag } from '../src/dicom/tag.js';
import { CORPUS, corpusFiles, MALFORMED, SKIP_CORPUS } from './helpers/corpus.js';

const files = corpusFiles();

/**
 * Files whose full re-encode cannot be byte-identical, and why. Their untouched round trip is
 * byte-identical like every other file's; for the re-encode, value-level equality is proved.
 */
const REENCODE_DIFFERS: Record<string, string> = {
  'fo-dicom/CT-MONO2-16-ankle': 'wrong group length in the input, recomputed',
  'fo-dicom/GH355.dcm': 'wrong group length in the input, recomputed',
  'fo-dicom/GH1376.dcm': 'wrong file meta group length, recomputed',
  'fo-dicom/GH364.dcm': 'wrong file meta group length, recomputed',
  'fo-dicom/GH178.dcm': 'wrong group length in the input, recomputed',
  'fo-dicom/GH179A.dcm': 'blank VR written as the dictionary VR; group length recomputed',
  'fo-dicom/GH179B.dcm': 'blank VRs (one with no length field) written as the dictionary VR',
  'fo-dicom/GH340.dcm': 'ACR-NEMA group lengths wrong in the input, recomputed',
  'fo-dicom/GH1339.dcm': 'missing sequence delimiter after the last fragment, added',
  'pydicom-data/emri_small_jpeg_2k_lossless_too_short.dcm': 'missing sequence delimiter after the last fragment, added',
  'highdicom/dx_image.dcm': 'odd-length value, padded to even length',
  'pydicom/meta_missing_tsyntax.dcm': 'odd-length value in the file meta, padded',
  'pydicom/nested_priv_SQ.dcm': 'odd-length value, padded',
  'pydicom-data/693_J2KR.dcm': 'wrong group length in the input, recomputed',
  'pydicom-data/693_UNCI.dcm': 'wrong group length in the input, recomputed',
  'pydicom-data/693_UNCR.dcm': 'wrong group length in the input, recomputed',
  'pydicom/693_J2KI.dcm': 'wrong group length in the input, recomputed',
  'pydicom/chrJapMulti.dcm': 'wrong group length in the input, recomputed',
  'pydicom/chrKoreanMulti.dcm': 'wrong group length in the input, recomputed',
};

/** Element-by-element equality of two datasets, ignoring padding and group lengths; returns the first difference. */
function valueDiff(a: DataSet, b: DataSet, path = ''): string | undefined {
  const ea = a.elements.filter((e) => (e.tag & 0xffff) !== 0);
  const eb = b.elements.filter((e) => (e.tag & 0xffff) !== 0);
  if (ea.length !== eb.length) return `${path}: ${ea.length} vs ${eb.length} elements`;
  for (let i = 0; i < ea.length; i++) {
    const x = ea[i];
    const y = eb[i];
    const here = `${path}${path ? '.' : ''}${formatTag(x.tag)}`;
    if (x.tag !== y.tag) return `${here}: tag ${formatTag(y.tag)}`;
    if (x.items || y.items) {
      if (x.items?.length !== y.items?.length) return `${here}: item count`;
      for (let k = 0; k < x.items!.length; k++) {
        const d = valueDiff(x.items![k].dataset, y.items![k].dataset, `${here}[${k}]`);
        if (d) return d;
      }
      continue;
    }
    if (x.fragments || y.fragments) {
      if (x.fragments?.length !== y.fragments?.length) return `${here}: fragment count`;
      continue;
    }
    const strip = (v?: Buffer): Buffer => {
      if (!v) return Buffer.alloc(0);
      let n = v.length;
      while (n > 0 && (v[n - 1] === 0x20 || v[n - 1] === 0)) n--;
      return v.subarray(0, n);
    };
    if (!strip(x.value).equals(strip(y.value))) return `${here}: value differs`;
  }
  return undefined;
}

// Files up to 8 MiB are read whole and written from memory; readWholeUnder 0 takes the windowed
// path every larger file takes.
for (const [how, readWholeUnder] of [
  ['read whole', undefined],
  ['read through a window', 0],
] as const)
  t.test(`corpus untouched round trip, ${how} → byte-identical output for every well-formed file`, { skip: SKIP_CORPUS }, async (t) => {
    const out = mkdtempSync(join(tmpdir(), 'anonflow-rt-'));
    t.teardown(() => rmSync(out, { recursive: true, force: true }));
    let identical = 0;
    for (const [i, rel] of files.entries()) {
      const path = join(CORPUS, rel);
      if (MALFORMED[rel]) continue;
      const f = await openDicom(path, { readWholeUnder });
      try {
        const target = join(out, `${i}.dcm`);
        await writeDicom(f, target);
        const same = readFileSync(target).equals(readFileSync(path));
        if (!same) t.fail(`${rel}: output differs`);
        else identical++;
      } finally {
        closeDicom(f);
      }
    }
    t.equal(identical, files.length - Object.keys(MALFORMED).length, `${identical} files byte-identical`);
    t.ok(identical > 300, 'the corpus is substantial');
  });

t.test('corpus malformed files → the expected typed error, with an offset', { skip: SKIP_CORPUS }, async (t) => {
  for (const [rel, code] of Object.entries(MALFORMED)) {
    const err = await openDicom(join(CORPUS, rel)).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.ok(err instanceof DicomError, `${rel} fails with a DicomError`);
    t.equal((err as DicomError).code, code, `${rel} → ${code}`);
    t.type((err as DicomError).offset, 'number', `${rel} error has an offset`);
    t.equal((err as DicomError).file, join(CORPUS, rel), `${rel} error names its file`);
  }
});

t.test('corpus full re-encode → byte-identical, or value-identical for the listed files', { skip: SKIP_CORPUS }, async (t) => {
  let identical = 0;
  const differing: string[] = [];
  for (const rel of files) {
    if (MALFORMED[rel]) continue;
    const orig = readFileSync(join(CORPUS, rel));
    const f = parseDicom(orig, { bulkThreshold: Infinity });
    if (f.meta) markModified(f.meta);
    markModified(f.dataset);
    let out = serializeDicom(f);
    let expected = orig;
    if (f.deflated) {
      // Deflate output is not canonical: compare the inflated datasets.
      expected = Buffer.concat([orig.subarray(0, f.bodyStart), f.body.buffer!]);
      out = Buffer.concat([out.subarray(0, f.bodyStart), inflateRawSync(out.subarray(f.bodyStart))]);
    }
    if (out.equals(expected)) {
      identical++;
      if (REENCODE_DIFFERS[rel]) t.fail(`${rel} is listed as differing but is now identical: update the list`);
      continue;
    }
    differing.push(rel);
    if (!REENCODE_DIFFERS[rel]) {
      t.fail(`${rel}: re-encoded bytes differ and the file is not in the documented list`);
      continue;
    }
    const again = parseDicom(out, { bulkThreshold: Infinity });
    const diff = valueDiff(f.dataset, again.dataset) ?? (f.meta && again.meta ? valueDiff(f.meta, again.meta) : undefined);
    t.equal(diff, undefined, `${rel} (${REENCODE_DIFFERS[rel]}) → value-identical`);
  }
  t.equal(differing.length, Object.keys(REENCODE_DIFFERS).length, 'every listed file differs as documented');
  t.ok(identical > 290, `${identical} files re-encode byte-identically`);
});
