// ESLint flat config: typescript-eslint's recommended rules (not the type-checked set, which is
// too slow on 2 cores), no import cycles, and the 400-line ceiling of hand-written sources.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * import-x/no-cycle always skips `import type` edges, but the architecture forbids type-only
 * cycles too. This parser reports every import and export as a value one, so no-cycle follows
 * all of them; it only rewrites the kind after parsing, so scope analysis is unchanged.
 */
const valueKindParser = {
  meta: { name: 'typescript-eslint-parser-value-kinds' },
  parseForESLint(code, options) {
    const result = tseslint.parser.parseForESLint(code, options);
    for (const node of result.ast.body) {
      if (node.importKind === 'type') node.importKind = 'value';
      if (node.exportKind === 'type') node.exportKind = 'value';
      for (const s of node.specifiers ?? []) {
        if (s.importKind === 'type') s.importKind = 'value';
        if (s.exportKind === 'type') s.exportKind = 'value';
      }
    }
    return result;
  },
};

// The .mjs scripts run on Node; TypeScript checks the .ts files' globals itself.
const nodeGlobals = Object.fromEntries(
  ['process', 'console', 'Buffer', 'URL', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'structuredClone'].map((g) => [g, 'readonly']),
);

const unusedOptions = { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true };

export default defineConfig(
  { ignores: ['dist/**', 'dist-test/**', 'node_modules/**', 'coverage/**', '.tap/**', 'anon-out/**', 'anon-runs/**', 'anon-serve/**'] },
  { files: ['**/*.{ts,cts,tsx,js,mjs}'], extends: [js.configs.recommended] },
  { files: ['**/*.{ts,cts,tsx}'], extends: [tseslint.configs.recommended] },
  { files: ['**/*.{ts,cts,js,mjs}'], languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: nodeGlobals } },
  // `_`-prefixed names are deliberately unused (positional callback arguments, skipped destructured fields).
  { files: ['**/*.{js,mjs}'], rules: { 'no-unused-vars': ['error', unusedOptions] } },
  {
    files: ['**/*.{ts,cts,tsx}'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', unusedOptions],
      // DICOM values, CSV cells and dumps are scanned for control characters on purpose.
      'no-control-regex': 'off',
      // `little ? b.writeUInt16LE(..) : b.writeUInt16BE(..)` is the codec's way of picking an endianness.
      '@typescript-eslint/no-unused-expressions': ['error', { allowTernary: true, allowShortCircuit: true }],
    },
  },
  // Tests read JSON bodies of HTTP and CLI answers loosely; their assertions check the shapes.
  { files: ['test/**/*.ts', 'src/**/*.test.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  // npm test runs the tests compiled into dist-test/test/, one folder deeper than test/.
  {
    files: ['test/**/*.ts', 'src/**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='URL'] > MemberExpression.arguments[object.type='MetaProperty'][property.name='url']",
          message: "a path relative to import.meta.url differs between test/ and dist-test/test/: use fromRoot('bin/anon') from test/helpers/root.ts",
        },
      ],
    },
  },
  // Generated tables carry a blanket disable (json-schema-to-typescript writes one too).
  { files: ['**/*.generated.ts'], linterOptions: { reportUnusedDisableDirectives: 'off' } },
  {
    files: ['**/*.{ts,cts,tsx}'],
    plugins: { 'import-x': importX },
    languageOptions: { parser: valueKindParser },
    settings: {
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
      // Sources import './x.js' (NodeNext); the files on disk are './x.ts'.
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs', '.json', '.node'], extensionAlias: { '.js': ['.ts', '.tsx', '.js'] } })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    files: ['src/**/*.ts', 'web/**/*.{ts,tsx}', 'bench/**/*.ts', 'fixtures/**/*.ts', 'scripts/**/*.{ts,mjs}'],
    ignores: ['**/*.generated.ts'],
    rules: { 'max-lines': ['error', { max: 400, skipBlankLines: false, skipComments: false }] },
  },
);
