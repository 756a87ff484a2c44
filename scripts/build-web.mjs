// Builds the review page (web/review, Preact) into dist/web/review: one bundled, minified app.js
// beside index.html and app.css. Nothing is fetched at run time; the package ships these files.
import { copyFileSync, mkdirSync } from 'node:fs';
import { build } from 'esbuild';

const out = 'dist/web/review';
mkdirSync(out, { recursive: true });
await build({
  entryPoints: ['web/review/main.tsx'],
  outfile: `${out}/app.js`,
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
});
for (const f of ['index.html', 'app.css']) copyFileSync(`web/review/${f}`, `${out}/${f}`);
