// The built-in profiles: the JSON files in the package's profiles/ folder (next to schema.json).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let dir: string | undefined;

/**
 * The repo's (or installed package's) profiles/ folder, found by walking up from this module: it is
 * src/profile/ under tap, dist/src/profile/ when built and dist/bundle/ when bundled: the depth differs.
 */
export function builtinProfileDir(): string {
  if (dir !== undefined) return dir;
  let d = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(d, 'profiles');
    if (existsSync(join(candidate, 'schema.json'))) return (dir = candidate);
    const up = dirname(d);
    if (up === d) throw new Error(`profiles/schema.json not found above ${dirname(fileURLToPath(import.meta.url))}`);
    d = up;
  }
}

/** A --profile / extends value naming a built-in profile rather than a file: no '/' and no '.json'. */
export function isBuiltinName(nameOrPath: string): boolean {
  return !/[/\\]/.test(nameOrPath) && !nameOrPath.endsWith('.json');
}

export function builtinProfileFile(name: string): string {
  return join(builtinProfileDir(), `${name}.json`);
}

/** The built-in profiles by file name (sorted), with their descriptions. */
export function listBuiltinProfiles(): { name: string; description?: string; file: string }[] {
  const d = builtinProfileDir();
  return readdirSync(d)
    .filter((f) => f.endsWith('.json') && f !== 'schema.json')
    .sort()
    .map((f) => {
      const file = join(d, f);
      const name = f.slice(0, -'.json'.length);
      let description: string | undefined;
      try {
        const data = JSON.parse(readFileSync(file, 'utf8')) as { description?: unknown };
        if (typeof data.description === 'string') description = data.description;
      } catch {
        // listed anyway; loading it reports the problem
      }
      return description === undefined ? { name, file } : { name, description, file };
    });
}
