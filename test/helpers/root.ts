// The repository's root, found by walking up from this module to package.json, so that tests find
// bin/, dist/, profiles/ and ../shared/ alike when they run as TypeScript (test/, under tsx) and
// when they run compiled (dist-test/test/, as `npm test` runs them): a path relative to
// import.meta.url would differ by one level between the two.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  for (let d = dirname(fileURLToPath(import.meta.url)); ;) {
    if (existsSync(join(d, 'package.json'))) return d;
    const up = dirname(d);
    if (up === d) throw new Error(`package.json not found above ${fileURLToPath(import.meta.url)}`);
    d = up;
  }
}

export const ROOT = findRoot();

/** A path under the repository's root (`fromRoot('bin/anon')`, `fromRoot('../shared/corpus')`); a trailing / is kept. */
export const fromRoot = (...parts: string[]): string => join(ROOT, ...parts);

/** A tap `skip`: false when the compiled file exists (npm test builds first), else why the test cannot run. */
export const skipUnlessBuilt = (rel = 'dist/src/pool/worker.js'): false | string => (existsSync(fromRoot(rel)) ? false : 'dist/ not built: run npm run build (npm test does)');
