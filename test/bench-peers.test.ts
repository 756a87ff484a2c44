import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { writeSeries } from '../fixtures/series.js';
import { parsePeersTable, type PeerRow } from '../src/bench/peers.js';
import { cleanEnv } from './helpers/child-env.js';
import { fromRoot } from './helpers/root.js';

const BIN = fromRoot('bin/anon');
const built = existsSync(fromRoot('dist/src/cli/main.js'));
const gnuTime = spawnSync('bash', ['-c', 'type -P time'], { encoding: 'utf8' }).stdout.trim();
const skip = !built ? 'dist/ not built: run npm run build (npm test does)' : !gnuTime ? 'GNU time not installed (apt-get install time)' : false;

t.test('parsePeersTable on peers.sh output → a row per contender and the missing peers with why', async (t) => {
  const text = [
    'corpus: /c: 4 files, 0.0 MiB; median of 1 rounds after 0 warm-up, interleaved',
    'contender   wall_s  files/s    MiB/s   cpu_s cpu_ms/f rss_MiB   written     exit     x_anon     x_cp',
    'anonflow      5.70      0.7      0.0    1.44   360.00     119         4        0       1.00    23.75',
    'cp            0.24     16.7      0.0    0.02     5.00       3         4        0       0.04     1.00',
    'missing    dcmtk: dcmodify not found (apt-get install dcmtk)',
  ].join('\n');
  const r = parsePeersTable(text);
  t.same(
    r.rows.map((x) => [x.name, x.wall_s, x.peak_rss_mib, x.x_cp]),
    [
      ['anonflow', 5.7, 119, 23.75],
      ['cp', 0.24, 3, 1],
    ],
  );
  t.same(r.missing, [{ name: 'dcmtk', why: 'dcmodify not found (apt-get install dcmtk)' }]);
});

t.test('anon bench --peers on 4 files, 1 round → a row per contender with positive figures, missing peers listed, exit 0', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anon-peers-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeSeries(join(dir, 'corpus'), 4, { rows: 16 });
  const args = [BIN, 'bench', '--peers', join(dir, 'corpus'), '--repeat', '1', '--warmup', '0', '--threads', '1', '--only', 'cp,gdcmanon,dcmtk,no-such-peer', '--json', '--quiet'];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...cleanEnv(), TMPDIR: dir } });
  t.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { rows: PeerRow[]; missing: { name: string; why: string }[]; text: string };
  const names = out.rows.map((x) => x.name);
  t.same(names.slice(0, 2), ['anonflow', 'cp'], 'anonflow and cp -r always run');
  for (const peer of ['gdcmanon', 'dcmtk']) t.ok(names.includes(peer) !== out.missing.some((m) => m.name === peer), `${peer}: a row or listed as missing`);
  t.match(out.missing, [{ name: 'no-such-peer', why: /no peer script/ }], 'an unknown peer is listed as missing');
  for (const row of out.rows) {
    for (const k of ['wall_s', 'files_per_second', 'peak_rss_mib', 'x_anonflow'] as const) t.ok(row[k] > 0, `${row.name}: ${k} ${row[k]} > 0`);
    t.ok(row.cpu_s >= 0 && row.cpu_ms_per_file >= 0, `${row.name}: CPU measured`);
    t.equal(row.written, 4, `${row.name}: 4 files written`);
    t.equal(row.exit, '0');
  }
  t.ok(out.rows[0].cpu_s > 0, 'anonflow: CPU seconds > 0');
  t.match(out.text, /^commit [0-9a-f]+.*load average/m, 'the output names the commit, the machine and the load');
});
