import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { writeInstances } from '../fixtures/instances.js';
import { findPackageRoot, fromPackageRoot } from '../src/io/package-root.js';
import { VERSION } from '../src/version.js';
import { fromRoot, ROOT } from './helpers/root.js';
import { fileTree } from './helpers/tree.js';

const built = existsSync(fromRoot('dist/bundle/cli.js'));
const skip = built ? false : 'dist/bundle not built: run npm run build (npm test does)';

const tmp = (t: Test): string => {
  const d = mkdtempSync(join(tmpdir(), 'anonflow-bundle-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
};

interface Output {
  entryPoint?: string;
  imports: { path: string; kind: string; external?: boolean }[];
  inputs: string[];
}

/** What a thread loads before any dynamic import() runs: the output's static import closure. */
function loadedFrom(outputs: Record<string, Output>, start: string[]): { chunks: Set<string>; inputs: Set<string>; packages: Set<string> } {
  const chunks = new Set<string>();
  const packages = new Set<string>();
  const visit = (f: string): void => {
    if (chunks.has(f)) return;
    chunks.add(f);
    for (const i of outputs[f]!.imports) {
      if (i.kind !== 'import-statement') continue;
      if (i.external) packages.add(i.path);
      else visit(i.path);
    }
  };
  start.forEach(visit);
  return { chunks, inputs: new Set([...chunks].flatMap((c) => outputs[c]!.inputs)), packages };
}

t.test('findPackageRoot from the sources or the compiled tests → the repository, and VERSION its package.json version', async (t) => {
  t.equal(findPackageRoot(), ROOT);
  t.equal(fromPackageRoot('bin', 'anon'), fromRoot('bin/anon'));
  t.equal(VERSION, (JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { version: string }).version);
});

t.test('dist/bundle → byte for byte what scripts/build-bundle.mjs makes of the current sources', { skip }, async (t) => {
  const d = tmp(t);
  const r = spawnSync(process.execPath, ['scripts/build-bundle.mjs', join(d, 'bundle')], { cwd: ROOT, encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  const fresh = fileTree(join(d, 'bundle'));
  const shipped = fileTree(fromRoot('dist/bundle'));
  t.same([...shipped.keys()].sort(), [...fresh.keys()].sort(), 'same files (run npm run build if not)');
  const stale = [...fresh].filter(([k, v]) => !v.equals(shipped.get(k) ?? Buffer.alloc(0))).map(([k]) => k);
  t.same(stale, [], 'every file current');
  t.ok(fresh.has('cli.js') && fresh.has('worker.js') && fresh.has('worker-entry.cjs'), 'the entries are there');
});

t.test('a plain anon run from the bundle → loads no OCR, codec, queue or PACS code on either thread', { skip }, async (t) => {
  const { outputs } = JSON.parse(readFileSync(fromRoot('dist/bundle/meta.json'), 'utf8')) as { outputs: Record<string, Output> };
  const entry = (src: string): string => Object.keys(outputs).find((k) => outputs[k]!.entryPoint === src)!;
  const worker = loadedFrom(outputs, ['worker.js']);
  // the main thread: the CLI, then the run command main.ts imports for `anon run`
  const main = loadedFrom(outputs, ['cli.js', entry('src/cli/commands/run.ts')]);
  t.ok(worker.inputs.has('src/deid/engine.ts') && worker.inputs.has('src/job/process-file.ts'), 'the worker holds the engine');
  t.ok(main.inputs.has('src/pool/batch.ts'), 'the main thread holds the batch');
  const lazy = /^src\/(ocr\/engine|pixel\/codecs|pixel\/index|queue\/(connection|consumer|producer|registry)|pacs\/|serve\/|watch\/)/;
  for (const [name, thread] of [
    ['worker', worker],
    ['main', main],
  ] as const) {
    t.same(
      [...thread.inputs].filter((i) => lazy.test(i)),
      [],
      `${name}: no lazy room loaded at start`,
    );
    t.same(
      [...thread.packages].filter((p) => /^(tesseract\.js|@tesseract|@cornerstonejs|sharp|bullmq|ioredis|fastify|better-sqlite3)/.test(p)),
      [],
      `${name}: no OCR, codec, image, queue or server package`,
    );
  }
  t.ok(worker.chunks.size < 40, `the worker loads ${worker.chunks.size} files of ours, not ~110 modules`);
});

t.test('anon run through bin/anon (the bundle) and through the compiled modules → byte-identical outputs', { skip }, async (t) => {
  const d = tmp(t);
  writeInstances(join(d, 'in'), 3, { study: '2.25.8080', patientName: 'Bundle^Run', patientId: 'BR-1', pixels: 512 });
  const env = { ...process.env, ANON_SECRET: 'bundle-test-secret-0123456789abcdef' };
  const run = (name: string, lead: string[]): Map<string, Buffer> => {
    const args = ['run', join(d, 'in'), '--out', join(d, name), '--report-dir', join(d, `${name}-report`), '--threads', '1', '--quiet'];
    const r = spawnSync(process.execPath, [...lead, ...args], { cwd: ROOT, env, encoding: 'utf8' });
    t.equal(r.status, 0, `${name}: ${r.stderr}`);
    return fileTree(join(d, name));
  };
  // the compiled modules' CLI, as bin/anon ran it before the bundle (a script file: an --eval's
  // flags would reach the pool's workers through execArgv)
  writeFileSync(join(d, 'modules.mjs'), 'const { main } = await import(process.argv[2]);\nawait main(process.argv.slice(3));\n');
  const viaBin = run('bin', [fromRoot('bin/anon')]);
  const viaModules = run('modules', [join(d, 'modules.mjs'), fromRoot('dist/src/cli/main.js')]);
  t.equal(viaBin.size, 3);
  t.same([...viaBin.keys()].sort(), [...viaModules.keys()].sort(), 'same output paths');
  for (const [k, v] of viaModules) t.ok(v.equals(viaBin.get(k)!), `${k} identical`);
  // the bundle's pool starts the bundle's worker: its CommonJS entry sits beside it and imports it
  t.match(readFileSync(fromRoot('dist/bundle/worker-entry.cjs'), 'utf8'), /import\('\.\/worker\.js'\)/);
});

t.test('anon run --help in German through the bundle (yargs inlined) and through the compiled modules → identical text', { skip }, async (t) => {
  const d = tmp(t);
  writeFileSync(join(d, 'modules.mjs'), 'const { main } = await import(process.argv[2]);\nawait main(process.argv.slice(3));\n');
  const env = { ...process.env, LANG: 'de_DE.UTF-8', LC_ALL: '', COLUMNS: '100' };
  const help = (lead: string[]) => spawnSync(process.execPath, [...lead, 'run', '--help'], { cwd: ROOT, env, encoding: 'utf8' });
  const viaBin = help([fromRoot('bin/anon')]);
  const viaModules = help([join(d, 'modules.mjs'), fromRoot('dist/src/cli/main.js')]);
  t.same([viaBin.status, viaBin.stdout, viaBin.stderr], [viaModules.status, viaModules.stdout, viaModules.stderr], 'same exit, text and widths');
  // yargs' German locale, read from yargs' own folder, not the bundle's
  t.match(viaBin.stdout, /Optionen:/);
});
