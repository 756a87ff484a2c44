import { closeSync, copyFileSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

/**
 * Makes a folder's entries (a file renamed or linked into it, a sub-folder made in it) durable
 * across power loss. POSIX only: Windows cannot open a folder, and its NTFS journal orders
 * metadata anyway, so there it does nothing.
 */
export function fsyncDir(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes a small file atomically: a hidden temporary name beside it, then a rename. */
export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** The first free name for `path`: itself, else name~2.ext, name~3.ext… (originals are never replaced). */
export function freeName(path: string): string {
  if (!existsSync(path)) return path;
  const ext = extname(path);
  const stem = path.slice(0, path.length - ext.length);
  for (let n = 2; ; n++) {
    const p = `${stem}~${n}${ext}`;
    if (!existsSync(p)) return p;
  }
}

/** Is the file at `path` the input with this inode (not gone, not a later file of the same name)? */
export function sameInput(path: string, ino: number): boolean {
  try {
    return lstatSync(path).ino === ino;
  } catch {
    return false;
  }
}

/** Renames, or across file systems copies to a hidden name in the target folder, renames, unlinks. */
function moveFile(src: string, target: string): void {
  try {
    renameSync(src, target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    const tmp = join(dirname(target), `.${basename(target)}.anonflow-move.tmp`);
    copyFileSync(src, tmp);
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
    unlinkSync(src);
  }
}

/**
 * Moves an original out of the inbox to `root`/rel (or deletes it when root is null), writing
 * `sidecar` (JSON) beside it first. Idempotent under a crash at any point: when the input is no
 * longer in the inbox it was moved already, and a second attempt writes the sidecar again.
 * Returns where it went (null: deleted; undefined: it was already gone).
 */
export function moveOriginal(inbox: string, rel: string, ino: number, root: string | null, sidecar?: { suffix: string; data: unknown }): string | null | undefined {
  const src = join(inbox, rel);
  if (!sameInput(src, ino)) return undefined;
  if (root === null) {
    unlinkSync(src);
    return null;
  }
  const target = freeName(join(root, rel));
  mkdirSync(dirname(target), { recursive: true });
  if (sidecar) writeFileAtomic(target + sidecar.suffix, JSON.stringify(sidecar.data, null, 2) + '\n');
  moveFile(src, target);
  return target;
}
