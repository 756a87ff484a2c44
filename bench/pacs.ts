// PACS bench: one large study (default 2,000 instances made from a shared-corpus CT by giving each
// copy its own SOP Instance UID, same length so nothing else moves) de-identified by `anon run` twice:
// from a local folder, and fetched from Orthanc over DICOMweb (WADO-RS stream). Each run is a child
// process under /usr/bin/time: wall time and peak RSS. Orthanc runs in a fresh network namespace
// when root (see fixtures/orthanc.ts).
//
//   npm run build && node dist/bench/pacs.js [--instances N] [--source FILE] [--threads N]

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { enterNetns, launchOrthanc } from '../fixtures/orthanc.js';

const where = enterNetns();
const arg = (name: string, d: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : d;
};
const N = Number(arg('instances', '2000'));
const SOURCE = arg('source', fileURLToPath(new URL('../../../shared/corpus/dcm_qa_ct/GE/01.dcm', import.meta.url)));
const THREADS = arg('threads', '1');
const BIN = fileURLToPath(new URL('../../bin/anon', import.meta.url));

/** The value of a UI element found by its tag bytes (explicit VR little endian). */
function uidAt(buf: Buffer, group: number, element: number, from = 0): string {
  const tag = Buffer.alloc(4);
  tag.writeUInt16LE(group, 0);
  tag.writeUInt16LE(element, 2);
  const i = buf.indexOf(Buffer.concat([tag, Buffer.from('UI')]), from);
  if (i < 0) throw new Error(`no (${group.toString(16)},${element.toString(16)}) UI in ${SOURCE}`);
  const len = buf.readUInt16LE(i + 6);
  return buf.toString('latin1', i + 8, i + 8 + len).replace(/\0$/, '');
}

/** A same-length UID: the last digits replaced by `n`. */
const variant = (uid: string, n: number): string =>
  uid.slice(0, uid.length - 7) +
  String(1_000_000 + n)
    .slice(-7)
    .replace(/^0/, '1');

function replaceAll(buf: Buffer, from: string, to: string): void {
  const a = Buffer.from(from, 'latin1');
  const b = Buffer.from(to, 'latin1');
  for (let i = buf.indexOf(a); i >= 0; i = buf.indexOf(a, i + a.length)) b.copy(buf, i);
}

function makeStudy(dir: string): { study: string; files: string[] } {
  const base = readFileSync(SOURCE);
  const sop = uidAt(base, 0x0008, 0x0018);
  const study = uidAt(base, 0x0020, 0x000d);
  const newStudy = variant(study, 4242);
  const files: string[] = [];
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < N; i++) {
    const b = Buffer.from(base);
    replaceAll(b, sop, variant(sop, i));
    replaceAll(b, study, newStudy);
    const f = join(dir, `i${String(i).padStart(5, '0')}.dcm`);
    writeFileSync(f, b);
    files.push(f);
  }
  return { study: newStudy, files };
}

interface Measured {
  seconds: number;
  peakRssMiB: number;
  files: number;
}

function timed(args: string[], outDir: string): Measured {
  const r = spawnSync('/usr/bin/time', ['-f', 'BENCH %e %M', process.execPath, BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ANON_SECRET: 'bench-secret-0123456789abcdef' },
  });
  const m = /BENCH ([\d.]+) (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`anon ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const files = Number(execFileSync('sh', ['-c', `find "${outDir}" -name '*.dcm' | wc -l`], { encoding: 'utf8' }).trim());
  return { seconds: Number(m[1]), peakRssMiB: Math.round(Number(m[2]) / 1024), files };
}

const work = mkdtempSync(join(tmpdir(), 'anonflow-pacs-bench-'));
const orthanc = await launchOrthanc('pacs-bench');
try {
  console.log(`# PACS bench: ${N} instances of ${SOURCE} (${readFileSync(SOURCE).length} bytes each), threads ${THREADS}; ${where}`);
  const { study, files } = makeStudy(join(work, 'study'));
  const t0 = performance.now();
  const limit = pLimit(4);
  await Promise.all(files.map((f) => limit(() => orthanc.upload([f]))));
  console.log(`loaded into Orthanc in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const common = ['--threads', THREADS, '--quiet'];
  const local = timed(['run', join(work, 'study'), '--out', join(work, 'out-local'), '--report-dir', join(work, 'rep-local'), ...common], join(work, 'out-local'));
  const pacs = timed(
    ['run', '--pacs', orthanc.dicomweb, '--study', study, '--out', join(work, 'out-pacs'), '--report-dir', join(work, 'rep-pacs'), ...common],
    join(work, 'out-pacs'),
  );
  const row = (name: string, m: Measured): string => `| ${name} | ${m.files} | ${m.seconds.toFixed(1)} | ${(m.files / m.seconds).toFixed(1)} | ${m.peakRssMiB} |`;
  console.log('| source | files written | wall s | instances/s | peak RSS MiB |');
  console.log('|---|---|---|---|---|');
  console.log(row('local folder (anon run DIR)', local));
  console.log(row('Orthanc over DICOMweb (anon run --pacs --study)', pacs));
} finally {
  await orthanc.dispose();
  rmSync(work, { recursive: true, force: true });
}
