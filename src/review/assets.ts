// The review page's built files (esbuild, scripts/build-web.mjs → dist/web/review/). A fixed list,
// read once: no request path ever reaches the file system.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReviewError } from './errors.js';

export const ASSETS = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
} as const;
export type AssetName = keyof typeof ASSETS;

let dir: string | undefined;

/** dist/web/review above this module: src/review/ under tap, dist/src/review/ or dist/bundle/ when built or installed. */
export function assetDir(): string {
  if (dir) return dir;
  for (let d = dirname(fileURLToPath(import.meta.url)); ;) {
    const candidate = join(d, 'dist', 'web', 'review');
    if (existsSync(join(candidate, 'index.html'))) return (dir = candidate);
    const up = dirname(d);
    if (up === d) throw new ReviewError('REVIEW_SOURCE', 'the review page is not built (npm run build makes dist/web/review)');
    d = up;
  }
}

export function loadAssets(): Map<AssetName, Buffer> {
  const d = assetDir();
  return new Map((Object.keys(ASSETS) as AssetName[]).map((n) => [n, readFileSync(join(d, n))]));
}
