// The package's own folder, for files found by their place in the package (bin/, bench/, dist/).
// Found by walking up from this module, whose depth differs: src/io/ under tsx, dist/src/io/ when
// compiled, dist/bundle/ when bundled (scripts/build-bundle.mjs); a fixed relative path fits one only.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AnonError } from '../errors.js';

let root: string | undefined;

function isOurs(dir: string): boolean {
  const p = join(dir, 'package.json');
  if (!existsSync(p)) return false;
  try {
    return (JSON.parse(readFileSync(p, 'utf8')) as { name?: unknown }).name === 'anonflow';
  } catch {
    return false;
  }
}

/** The folder holding anonflow's package.json, or undefined when none is above this module. */
export function findPackageRoot(): string | undefined {
  if (root !== undefined) return root;
  for (let d = dirname(fileURLToPath(import.meta.url)); ;) {
    if (isOurs(d)) return (root = d);
    const up = dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

/** A path inside the package (the package folder is always there where this module is installed). */
export function fromPackageRoot(...parts: string[]): string {
  const r = findPackageRoot();
  if (r === undefined) throw new AnonError('PACKAGE_ROOT', `anonflow's package.json not found above ${fileURLToPath(import.meta.url)}`);
  return join(r, ...parts);
}
