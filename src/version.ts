import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findPackageRoot } from './io/package-root.js';

/** anonflow's version, from the package's package.json (above src/, dist/src/ or dist/bundle/). */
function findVersion(): string {
  const root = findPackageRoot();
  if (root === undefined) return '0.0.0';
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string };
  return pkg.version || '0.0.0';
}

export const VERSION = findVersion();
