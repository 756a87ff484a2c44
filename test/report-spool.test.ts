import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { cleanEnv } from './helpers/child-env.js';
import { addReportField, IN_MEMORY_LISTED, ReportBuilder } from '../src/job/report-builder.js';
import type { RunReport } from '../src/job/report.js';
import { fromRoot } from './helpers/root.js';

const DIST = fromRoot('dist/src/job/report-builder.js');

t.test('report of more files than kept in memory → report.json lists every file, the returned lists are cut, counts count all', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-report-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const b = new ReportBuilder(dir, { id: 'r1', profile: 'basic', options: {} });
  const n = IN_MEMORY_LISTED * 3 + 7;
  for (let i = 0; i < n; i++) {
    b.addEntry(
      {
        input: `/in/${i}.dcm`,
        status: 'written',
        output: `/out/${i}.dcm`,
        size: i,
        entities: { names: 1 },
        entities_found: [{ path: '(0008,1030)', start: 0, end: 3, label: 'NAME', score: 1, detector: 'rules' }] as never,
      },
      false,
    );
    if (i % 3 === 0) b.addEntry({ input: `/in/bad${i}`, status: 'failed', code: 'BAD_META', message: 'm', element_path: '(0002,0010)' }, false);
  }
  const returned = b.finish();
  b.close();
  const onDisk = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as RunReport;
  t.equal(onDisk.anonymized_files.length, n, 'report.json: every written file');
  t.equal(onDisk.results.entities_found.length, n, 'report.json: every entity');
  t.equal(onDisk.failures.length, Math.ceil(n / 3), 'report.json: every failure');
  t.equal(onDisk.anonymized_files[n - 1].path, `/out/${n - 1}.dcm`, 'in order, to the last');
  t.equal(onDisk.anonymized_files[n - 1].id, String(n), 'ids count every file');
  t.equal(onDisk.results.entity_summary.names, n);
  t.equal(returned.anonymized_files.length, IN_MEMORY_LISTED, 'the returned list is cut');
  t.equal(returned.lists_truncated_at, IN_MEMORY_LISTED);
  t.same(returned.counts, { written: n, skipped: 0, failed: Math.ceil(n / 3), quarantined: 0 });
  t.equal(onDisk.status, 'FAILED');
  t.same(
    readdirSync(dir).filter((f) => f !== 'report.json'),
    [],
    'no spool or temp file left',
  );
  addReportField(dir, 'verification', { ok: true, pairs: 2 });
  const withField = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as RunReport & { verification: { ok: boolean } };
  t.equal(withField.verification.ok, true, 'a field added to the written report');
  t.equal(withField.anonymized_files.length, n, 'its lists untouched');
  t.equal(ReportBuilder.previousId(dir), 'r1', 'the id read from the start of a long report');
});

t.test('report of 300,000 files → heap of the builder flat (lists spooled to disk)', { skip: existsSync(DIST) ? false : 'dist/ not built', timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-report-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'child.mjs');
  writeFileSync(
    script,
    `
    import { ReportBuilder } from ${JSON.stringify(pathToFileURL(DIST).href)};
    const b = new ReportBuilder(${JSON.stringify(dir)}, { id: 'big', profile: 'basic', options: {} });
    const add = (from, to) => { for (let i = from; i < to; i++) b.addEntry({ input: '/in/some/folder/' + i + '.dcm', status: 'written', output: '/out/some/folder/' + i + '.dcm', size: i, entities: { names: 1 } }, false); };
    const heap = () => { global.gc(); return process.memoryUsage().heapUsed; };
    add(0, 20000);
    const h0 = heap();
    add(20000, 300000);
    const h1 = heap();
    const r = b.finish();
    b.close();
    console.log(JSON.stringify({ grownMiB: (h1 - h0) / 2 ** 20, written: r.counts.written }));
  `,
  );
  const r = spawnSync(process.execPath, ['--expose-gc', script], { encoding: 'utf8', env: cleanEnv() });
  t.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout.trim()) as { grownMiB: number; written: number };
  t.equal(res.written, 300_000);
  // held in memory, 280,000 more entries would take tens of MiB (about 300 bytes each)
  t.ok(res.grownMiB < 8, `heap grew ${res.grownMiB.toFixed(2)} MiB over 280,000 more files`);
  const onDisk = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as RunReport;
  t.equal(onDisk.anonymized_files.length, 300_000, 'report.json lists them all');
});
