// Bundles the CLI (src/cli/main.ts, run by bin/anon) and the pool worker (src/pool/worker.ts) into
// dist/bundle/: a thread loads a handful of files instead of ~110 ES modules, each resolved, read
// and linked on its own by Node's loader (most of a thread's start-up; bench/README.md, issue 16).
// Every dynamic import() stays a separate chunk, loaded only when reached (OCR, codecs, queue,
// commands). npm packages stay external (several find files beside themselves: piscina's worker,
// codec wasm, tesseract data), except yargs and its own packages (scripts/bundle-yargs.mjs: the
// CLI's largest load, its help rendering made lazy; its locales still read from its folder). Runs
// after tsc (npm run build): the pool's CommonJS entry, worker-entry.cjs, is tsc's, copied beside
// the bundled worker it imports.
//
// node scripts/build-bundle.mjs [outdir]   (default dist/bundle)
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { yargsPlugin } from './bundle-yargs.mjs';

const out = process.argv[2] ?? 'dist/bundle';
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: { cli: 'src/cli/main.ts', worker: 'src/pool/worker.ts' },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [yargsPlugin], // npm packages external, but yargs inlined
  chunkNames: 'chunk-[hash]',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
// What each output holds and imports, by names relative to the bundle's folder (so the file is the
// same wherever it is built): test/bundle.test.ts reads what a thread loads from it.
const relOut = (p) => relative(resolve(out), resolve(p));
const outputs = Object.fromEntries(
  Object.entries(result.metafile.outputs)
    .filter(([name]) => name.endsWith('.js'))
    .map(([name, o]) => [
      relOut(name),
      { entryPoint: o.entryPoint, imports: o.imports.map((i) => ({ ...i, path: i.external ? i.path : relOut(i.path) })), inputs: Object.keys(o.inputs) },
    ]),
);
writeFileSync(`${out}/meta.json`, `${JSON.stringify({ outputs })}\n`);
// tsc's file without its source-map comment (the map describes dist/src/pool/, not this folder)
const entry = readFileSync('dist/src/pool/worker-entry.cjs', 'utf8').replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n');
writeFileSync(`${out}/worker-entry.cjs`, entry);
