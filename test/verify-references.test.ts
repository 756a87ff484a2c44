/**
 * Issue 12: references are checked with and without Retain UIDs. The corpus SR (pydicom's
 * test-SR) is made to reference the corpus CT_small in its content (an IMAGE item), and both are
 * de-identified together: without the option every UID is remapped with the same key, with it
 * every UID is kept, SR content included; either way the SR → image reference resolves among the
 * outputs, and anon verify says so. A tampered SR whose reference names a UID no output defines
 * is REFERENCE_BROKEN.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { type DataSet, Element } from '../src/dicom/dataset.js';
import { parseDicom, serializeDicom } from '../src/dicom/file.js';
import { decodeStrings, encodeStrings, fileContext, type ValueContext } from '../src/dicom/values.js';
import * as T from '../src/dicom/tags.generated.js';
import { verifyRun, type VerifyResult } from '../src/verify/index.js';
import { cleanEnv } from './helpers/child-env.js';
import { CORPUS, SKIP_CORPUS } from './helpers/corpus.js';
import { fromRoot } from './helpers/root.js';

const BIN = fromRoot('bin/anon');
const built = existsSync(fromRoot('dist/src/cli/main.js')) ? false : 'dist/ not built: run npm run build';
const skip = built || SKIP_CORPUS;
const CT_CLASS = '1.2.840.10008.5.1.4.1.1.2';

/** Every Referenced SOP Instance UID in a dataset, at any depth, with its element and value. */
function* references(ds: DataSet, ctx: ValueContext): Generator<{ ds: DataSet; el: Element; uid: string; cls?: string }> {
  for (const el of ds.elements) {
    if (el.items) for (const it of el.items) yield* references(it.dataset, ctx);
    else if (el.tag === T.ReferencedSOPInstanceUID) {
      const cls = ds.get(T.ReferencedSOPClassUID);
      yield { ds, el, uid: decodeStrings(el, ctx)[0] ?? '', cls: cls ? decodeStrings(cls, ctx)[0] : undefined };
    }
  }
}

const uidElement = (tag: number, uid: string): Element => {
  const value = encodeStrings([uid], 'UI');
  const el = new Element(tag, 'UI', value.length);
  el.value = value;
  return el;
};

/** test-SR with its CT image reference (in the Content Sequence) pointing at CT_small. */
function srReferencingCt(): { sr: Buffer; ct: Buffer; ctUid: string } {
  const ct = readFileSync(join(CORPUS, 'pydicom/CT_small.dcm'));
  const ctFile = parseDicom(ct);
  const ctUid = decodeStrings(ctFile.dataset.get(T.SOPInstanceUID)!, fileContext(ctFile))[0]!;
  const f = parseDicom(readFileSync(join(CORPUS, 'pydicom/test-SR.dcm')));
  const content = f.dataset.get(T.ContentSequence)!;
  const ref = content.items!.flatMap((it) => [...references(it.dataset, fileContext(f))]).find((r) => r.cls === CT_CLASS);
  if (!ref) throw new Error('test-SR has no CT reference in its content');
  ref.ds.replace(ref.el, uidElement(T.ReferencedSOPInstanceUID, ctUid));
  return { sr: serializeDicom(f), ct, ctUid };
}

interface Run {
  input: string;
  out: string;
  report: string;
}

function run(tt: Test, files: Record<string, Buffer>, args: string[]): Run {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-verify-refs-'));
  tt.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const input = join(dir, 'in');
  mkdirSync(input);
  for (const [name, b] of Object.entries(files)) writeFileSync(join(input, name), b);
  const out = join(dir, 'out');
  const report = join(dir, 'report');
  const r = spawnSync(process.execPath, [BIN, 'run', input, '--layout', 'mirror', '--out', out, '--report-dir', report, '--quiet', '--threads', '0', ...args], {
    env: { ...cleanEnv(), ANON_SECRET: 'verify-references-secret-0123456789' },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`anon run: ${r.status} ${r.stderr}`);
  return { input, out, report };
}

const broken = (v: VerifyResult): string[] => v.findings.filter((f) => f.code === 'REFERENCE_BROKEN').map((f) => `${f.output} ${f.path} ${f.message}`);

for (const retain of [false, true]) {
  t.test(
    `the corpus SR referencing CT_small, de-identified together ${retain ? 'with' : 'without'} retainUIDs → the reference resolves among the outputs, no REFERENCE_BROKEN; a tampered SR reference → REFERENCE_BROKEN`,
    { skip },
    async (tt) => {
      const { sr, ct, ctUid } = srReferencingCt();
      const r = run(tt, { 'sr.dcm': sr, 'ct.dcm': ct }, retain ? ['--option', 'retainUIDs'] : []);
      const outSr = parseDicom(readFileSync(join(r.out, 'sr.dcm')));
      const outCt = parseDicom(readFileSync(join(r.out, 'ct.dcm')));
      const ctNow = decodeStrings(outCt.dataset.get(T.SOPInstanceUID)!, fileContext(outCt))[0];
      tt.equal(ctNow === ctUid, retain, retain ? 'the image keeps its UID' : "the image's UID is remapped");
      const refs = [...references(outSr.dataset, fileContext(outSr))].filter((x) => x.cls === CT_CLASS);
      tt.ok(
        refs.some((x) => x.uid === ctNow),
        "the SR's content names the image's output UID",
      );
      const v = await verifyRun({ input: r.input, output: r.out, journal: r.report, dciodvfy: false });
      tt.equal(v.pairs, 2);
      tt.same(broken(v), [], 'no REFERENCE_BROKEN');

      // Tampered: the SR's reference to the image names a UID no output defines.
      const ref = refs.find((x) => x.uid === ctNow)!;
      ref.ds.replace(ref.el, uidElement(T.ReferencedSOPInstanceUID, '2.25.999999999999999999999999999'));
      writeFileSync(join(r.out, 'sr.dcm'), serializeDicom(outSr));
      const bad = await verifyRun({ input: r.input, output: r.out, journal: r.report, dciodvfy: false });
      tt.ok(
        bad.findings.some((f) => f.code === 'REFERENCE_BROKEN' && f.severity === 'error' && f.output === join(r.out, 'sr.dcm') && /^\(0040,A730\)/.test(f.path ?? '')),
        broken(bad).join('\n') || 'REFERENCE_BROKEN at the SR content reference',
      );
    },
  );
}
