import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isBuiltinName } from '../profile/builtins.js';

/**
 * Several --profile arguments make one chain: a composite profile that extends them, the later
 * ones taking precedence (as later arguments override earlier ones). One profile is used as it is.
 * Returns a name or path every worker can load.
 */
export function composeProfiles(profiles: string[]): string {
  if (profiles.length === 1) return isBuiltinName(profiles[0]) ? profiles[0] : resolve(profiles[0]);
  const refs = profiles.map((p) => (isBuiltinName(p) ? p : resolve(p)));
  const dir = join(tmpdir(), `anonflow-profiles-${process.pid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `composite-${refs.length}-${Date.now()}.json`);
  const name = profiles.map((p) => p.replace(/^.*[/\\]/, '').replace(/\.json$/i, '').toLowerCase().replace(/[^a-z0-9._-]+/g, '-')).join('+');
  writeFileSync(file, JSON.stringify({ name, description: `--profile ${profiles.join(' --profile ')}`, extends: [...refs].reverse() }, null, 2));
  return file;
}
