// Source and destination paths of jobs: UNC paths (\\server\share\...) mapped to local folders
// through the share table, local absolute paths, and the rule that everything must lie inside
// the configured roots (after symlinks are followed), so a job cannot read or write other files.

import { PathRefused } from './errors.js';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isInside } from '../io/walk.js';

export interface PathRules {
  shares: { unc: string; path: string }[];
  roots: string[];
}

const uncParts = (p: string): string[] =>
  p
    .replace(/^\\\\/, '')
    .split(/[\\/]+/)
    .filter((s) => s !== '');

/** The real path of `p`, or of its deepest existing ancestor joined with the rest. */
function realish(p: string): string {
  let cur = resolve(p);
  const rest: string[] = [];
  while (!existsSync(cur)) {
    const up = dirname(cur);
    if (up === cur) break;
    rest.unshift(cur.slice(up.length).replace(/^[/\\]+/, ''));
    cur = up;
  }
  let real = cur;
  try {
    real = realpathSync(cur);
  } catch {
    /* keep the lexical path */
  }
  return rest.length ? join(real, ...rest) : real;
}

export function allowedRoots(r: PathRules): string[] {
  return [...new Set([...r.roots, ...r.shares.map((s) => s.path)])].map(realish);
}

/**
 * A job path (UNC or local absolute) as a local absolute path inside the roots; PathRefused with
 * a human-readable reason otherwise. `what` names the parameter in messages.
 */
export function toLocalPath(p: string, r: PathRules, what = 'path'): string {
  const raw = p.trim();
  let local: string;
  if (raw.startsWith('\\\\')) {
    const parts = uncParts(raw);
    if (parts.some((s) => s === '..' || s === '.')) throw new PathRefused(`${what} ${raw} contains "." or ".." segments`);
    const share = r.shares
      .map((s) => ({ s, parts: uncParts(s.unc) }))
      .filter(({ parts: sp }) => sp.length <= parts.length && sp.every((x, i) => x.toLowerCase() === parts[i].toLowerCase()))
      .sort((a, b) => b.parts.length - a.parts.length)[0];
    if (!share) {
      const known = r.shares.map((s) => s.unc).join(', ') || 'none';
      throw new PathRefused(`${what} ${raw} is on a share this server does not know (shares: ${known})`);
    }
    local = join(share.s.path, ...parts.slice(share.parts.length));
  } else if (raw.startsWith('/') && isAbsolute(raw)) {
    if (raw.split(/[\\/]+/).some((s) => s === '..' || s === '.')) throw new PathRefused(`${what} ${raw} contains "." or ".." segments`);
    local = resolve(raw);
  } else {
    throw new PathRefused(`${what} ${raw || '""'} must be an absolute path: a UNC path \\\\server\\share\\... or a local path inside the allowed roots`);
  }
  assertInsideRoots(local, r, what, raw);
  return local;
}

export function assertInsideRoots(local: string, r: PathRules, what: string, shown = local): void {
  const roots = allowedRoots(r);
  const real = realish(local);
  if (!roots.some((root) => isInside(real, root))) {
    throw new PathRefused(`${what} ${shown} is outside the folders this server may access`);
  }
}

/**
 * A destination as a configured root (trusted, opened by name) and the components below it, which
 * are opened one at a time without following symlinks (openConfined). The root is the longest one
 * that lexically holds `local`, as configured or as its real path.
 */
export function destinationParts(local: string, r: PathRules): { base: string; parts: string[] } {
  const roots = [...new Set([...r.roots, ...r.shares.map((s) => s.path)].flatMap((x) => [resolve(x), realish(x)]))];
  const base = roots.filter((root) => isInside(local, root)).sort((a, b) => b.length - a.length)[0];
  if (base === undefined) throw new PathRefused('destination_path is outside the folders this server may access');
  return {
    base,
    parts: relative(base, local)
      .split(sep)
      .filter((s) => s !== ''),
  };
}

/** A message for a user with the server's folders replaced by the share names users know (roots by "<root>"). */
export function hidePaths(msg: string, r: PathRules): string {
  const named = [...r.shares.map((s) => ({ local: s.path, shown: s.unc })), ...r.roots.map((root) => ({ local: root, shown: '<root>' }))]
    .flatMap((x) => [x, { local: realish(x.local), shown: x.shown }])
    .sort((a, b) => b.local.length - a.local.length);
  let out = msg;
  for (const { local, shown } of named) if (local.length > 1) out = out.split(local).join(shown);
  return out;
}

export type SourceKind = 'folder' | 'fileselection' | 'path';

/** Splits `folder:…` / `fileselection:…` identifiers; a bare path is a folder or a file. */
export function parseSourceIdentifier(sourcePath: string): { kind: SourceKind; path: string } {
  const m = /^(folder|fileselection):(.*)$/is.exec(sourcePath.trim());
  if (m) return { kind: m[1].toLowerCase() as SourceKind, path: m[2].replace(/\s+$/, '') };
  if (/^[a-z_]+:(?![\\/])/i.test(sourcePath) && !/^[a-z]:[\\/]/i.test(sourcePath)) {
    const type = sourcePath.slice(0, sourcePath.indexOf(':'));
    throw new PathRefused(`source_path identifier type "${type}" is not a path source (PATH sources take folder: or fileselection:)`);
  }
  return { kind: 'path', path: sourcePath };
}

/** Validates a PATH source at job creation: the identifier parses and the path is inside the roots. */
export function checkSource(sourcePath: string, r: PathRules): string {
  const { path } = parseSourceIdentifier(sourcePath);
  return toLocalPath(path, r, 'source_path');
}

/**
 * The input files or folders of a PATH source, for the run. Throws PathRefused with a message
 * for the job's error when the source is missing, unreadable or leaves the roots.
 */
export function resolveSourceInputs(sourcePath: string, r: PathRules): string[] {
  const { kind, path } = parseSourceIdentifier(sourcePath);
  const local = toLocalPath(path, r, 'source_path');
  if (!existsSync(local)) throw new PathRefused(`source ${path} does not exist`);
  const st = statSync(local);
  if (kind === 'folder') {
    if (!st.isDirectory()) throw new PathRefused(`source ${path} is not a folder`);
    return [local];
  }
  if (kind === 'path') return [local];
  // fileselection: a YAML file listing paths relative to its folder
  if (!st.isFile()) throw new PathRefused(`fileselection ${path} is not a file`);
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(local, 'utf8'));
  } catch (e) {
    throw new PathRefused(`fileselection ${path} could not be read: ${(e as Error).message}`);
  }
  const d = doc as { selected_paths?: unknown; id?: unknown; description?: unknown } | null;
  if (!d || typeof d !== 'object' || !Array.isArray(d.selected_paths)) {
    throw new PathRefused(`fileselection ${path} has no selected_paths list`);
  }
  const base = dirname(local);
  const out: string[] = [];
  for (const entry of d.selected_paths) {
    if (entry === null || entry === undefined) continue;
    const rel = String(entry);
    const p = isAbsolute(rel) ? resolve(rel) : resolve(base, ...rel.split(/[\\/]+/));
    if (!isInside(p, base) || p === base) throw new PathRefused(`fileselection ${path}: ${rel} is not inside the selection's folder`);
    assertInsideRoots(p, r, 'fileselection entry', rel);
    if (!existsSync(p)) throw new PathRefused(`fileselection ${path}: ${rel} does not exist`);
    out.push(p);
  }
  if (out.length === 0) throw new PathRefused(`fileselection ${path} selects no files`);
  return out;
}

/**
 * A local path as another machine is to know it (a queue task): its UNC form when a share holds
 * it, which each worker maps through its own share table; else the path itself (a root every
 * worker mounts at the same place).
 */
export function namedPath(local: string, r: PathRules): string {
  const share = r.shares.filter((s) => isInside(local, resolve(s.path))).sort((a, b) => b.path.length - a.path.length)[0];
  if (!share) return local;
  const rest = relative(resolve(share.path), local)
    .split(sep)
    .filter((s) => s !== '');
  return [share.unc.replace(/[\\]+$/, ''), ...rest].join('\\');
}
