// An esbuild plugin for scripts/build-bundle.mjs: yargs and the packages it loads are bundled into
// the CLI instead of loaded as ~25 modules of node_modules (each resolved, read and compiled at every
// start of every command), and its help rendering (cliui, string-width with its Intl.Segmenter and
// Unicode-property regular expressions: ~20 ms at start) is initialised only when help is rendered.
//
// yargs' ESM platform shim is the one file changed, as text: it locates yargs by its own URL (the
// locales beside it, and the package above node_modules whose package.json yargs reads), which in a
// bundle would be the bundle's chunk. The shim here resolves yargs' installed folder at run time
// instead, so both are the same files as before. Every other npm package but p-limit stays external.
import { readFileSync } from 'node:fs';

/** The packages inlined: yargs and everything it imports (`npm ls yargs --all`). */
export const YARGS_PACKAGES = [
  'yargs',
  'yargs-parser',
  'y18n',
  'escalade',
  'get-caller-file',
  'cliui',
  'string-width',
  'strip-ansi',
  'ansi-regex',
  'wrap-ansi',
  'ansi-styles',
  'emoji-regex',
  'get-east-asian-width',
];

/** Also inlined: p-limit (the batch loop's, on every run's main thread) and its one dependency, plain ES modules. */
const INLINED = [...YARGS_PACKAGES, 'p-limit', 'yocto-queue'];

const packageName = (spec) => (spec.startsWith('@') ? spec.split('/', 2).join('/') : spec.split('/', 1)[0]);

/** Each edit of the shim: the text yargs ships, and what replaces it; a text not found fails the build. */
const SHIM_EDITS = [
  // the shim's own path (its variable is misnamed __dirname): yargs' installed file, not the chunk's
  [
    'const __dirname = fileURLToPath(import.meta.url);',
    "const __dirname = join(dirname(createRequire(import.meta.url).resolve('yargs/package.json')), 'lib/platform-shims/esm.mjs');",
  ],
  ['const require = createRequire(import.meta.url);', 'const require = createRequire(__dirname);'],
  ["import cliui from 'cliui'", ''],
  ["import stringWidth from 'string-width';", "import { cliui, stringWidth } from 'anon-lazy-help';"],
];

// require() of a bundled ES module: esbuild wraps it and runs its top level on the first call only
const LAZY_HELP = `
export const cliui = (opts) => require('cliui').default(opts);
export const stringWidth = (s) => require('string-width').default(s);
`;

export const yargsPlugin = {
  name: 'anon-yargs',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path === 'anon-lazy-help') return { path: 'anon-lazy-help', namespace: 'anon-lazy-help' };
      if (args.path.startsWith('node:')) return { external: true };
      return INLINED.includes(packageName(args.path)) ? undefined : { external: true };
    });
    build.onLoad({ filter: /.*/, namespace: 'anon-lazy-help' }, () => ({ contents: LAZY_HELP, loader: 'js', resolveDir: process.cwd() }));
    build.onLoad({ filter: /[\\/]node_modules[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      for (const [from, to] of SHIM_EDITS) {
        if (!text.includes(from)) throw new Error(`yargs' platform shim changed (${args.path}): "${from}" not found`);
        text = text.replace(from, to);
      }
      return { contents: text, loader: 'js' };
    });
  },
};
