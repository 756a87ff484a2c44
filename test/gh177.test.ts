/**
 * GH177 (issue 12): the corpus's CT whose Source Image Sequence is a UN of undefined length
 * holding implicit little endian items (CP-246) inside an explicit VR file, big endian in one
 * copy. Kept as UN, those items contradict the transfer syntax the file declares, and GDCM cannot
 * read the output. Written as SQ in the declared transfer syntax, GDCM and dcmtk read it cleanly.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadProfile } from '../src/profile/load.js';
import { runBatch } from '../src/pool/batch.js';
import { parseDicom } from '../src/dicom/file.js';
import { decodeStrings, fileContext } from '../src/dicom/values.js';
import * as T from '../src/dicom/tags.generated.js';
import { CORPUS, SKIP_CORPUS } from './helpers/corpus.js';

const FILES = {
  'GH177_D_CLUNIE_CT1_IVRLE_BigEndian_undefined_length.dcm': '1.2.840.10008.1.2.2',
  'GH177_D_CLUNIE_CT1_IVRLE_BigEndian_ELE_undefinded_length.dcm': '1.2.840.10008.1.2.1',
};
const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const skipTools = has('gdcminfo') && has('dcmdump') ? false : 'gdcminfo (libgdcm-tools) or dcmdump (dcmtk) not installed';

t.test('GH177 through basic → SQ in the declared transfer syntax, read by GDCM and dcmtk without a warning', { skip: SKIP_CORPUS || skipTools }, async (tt) => {
  const d = mkdtempSync(join(tmpdir(), 'anonflow-gh177-'));
  tt.teardown(() => rmSync(d, { recursive: true, force: true }));
  mkdirSync(join(d, 'in'));
  for (const name of Object.keys(FILES)) copyFileSync(join(CORPUS, 'fo-dicom', name), join(d, 'in', name));
  const report = await runBatch({
    inputs: [join(d, 'in')],
    out: join(d, 'out'),
    layout: 'mirror',
    worker: { deid: { profile: loadProfile('basic'), key: new Uint8Array(Buffer.from('gh177-test-secret-0123456789')) }, record: false },
    profileName: 'basic',
    profileOptions: [],
    threads: 0,
    reportDir: join(d, 'report'),
  });
  tt.equal(report.anonymized_files.length, 2, 'both written');
  for (const [name, ts] of Object.entries(FILES)) {
    // The mirror layout renames a file name holding the patient's name (CT1 here): found through the report.
    const out = report.anonymized_files.find((a) => a.source === join(d, 'in', name))?.path ?? join(d, 'out', name);
    tt.ok(existsSync(out), `${name} written`);
    const before = spawnSync('gdcminfo', [join(d, 'in', name)], { encoding: 'utf8' });
    const gdcm = spawnSync('gdcminfo', [out], { encoding: 'utf8' });
    tt.equal(gdcm.status, 0, `gdcminfo reads ${name} (input: exit ${before.status})`);
    tt.match(gdcm.stdout, new RegExp(`TransferSyntax is ${ts.replace(/\./g, '\\.')}`), 'GDCM sees the declared transfer syntax');
    const dcmtk = spawnSync('dcmdump', ['+E', out], { encoding: 'utf8' });
    tt.equal(dcmtk.status, 0, 'dcmdump reads it');
    tt.notMatch(dcmtk.stderr, /^[WE]:/m, 'dcmdump: no warning, no error');
    const f = parseDicom(readFileSync(out));
    tt.equal(decodeStrings(f.meta!.get(T.TransferSyntaxUID)!, fileContext(f))[0], ts, 'the meta names the transfer syntax of the body');
    const seq = f.dataset.get(T.SourceImageSequence);
    tt.equal(seq?.vr, 'SQ', 'Source Image Sequence written as SQ, not UN');
    const ref = seq?.items?.[0]?.dataset.get(T.ReferencedSOPClassUID);
    tt.equal(ref && decodeStrings(ref, fileContext(f))[0], '1.2.840.10008.5.1.4.1.1.2', 'its item reads in the file’s encoding');
  }
});
