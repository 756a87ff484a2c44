// Confinement by construction: folders below a destination are opened one component at a time
// with O_NOFOLLOW, and every later create, rename and delete names its parent by descriptor
// (/proc/self/fd/N/name, Linux's openat). A symlink planted anywhere below the destination, or
// swapped in while a job runs, is refused instead of followed: the kernel resolves the name from
// the folder we opened, not from a path another user of the share can change.

import { closeSync, constants, existsSync, fstatSync, mkdirSync, openSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { AnonError } from '../errors.js';

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** A path component that is a symlink or not a folder, or a name that could climb out. */
export class ConfinementError extends AnonError<'PATH_SYMLINK' | 'PATH_NAME' | 'PATH_UNSUPPORTED'> {}

/** True where descriptor-relative names work (Linux /proc); elsewhere confinement is refused. */
export const confinementAvailable = (): boolean => existsSync('/proc/self/fd');

/** The name of `name` inside the folder open as `fd`, resolved from that folder's inode. */
export const fdPath = (fd: number, name?: string): string => (name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${checkName(name)}`);

function checkName(name: string): string {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new ConfinementError('PATH_NAME', `"${name}" is not a single path component`);
  }
  return name;
}

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

/** Opens the folder `name` inside the folder `parent` (creating it when asked); a symlink or a file there is refused. */
export function openDirAt(parent: number, name: string, create: boolean, mode = 0o777): number {
  const p = fdPath(parent, name);
  // Opened first and made only when missing: most folders of a run exist already.
  for (let attempt = 0; ; attempt++) {
    try {
      return openSync(p, DIR_FLAGS);
    } catch (e) {
      if (errno(e) === 'ELOOP' || errno(e) === 'ENOTDIR') throw new ConfinementError('PATH_SYMLINK', `${name} is a symlink or not a folder: refused`);
      if (!create || attempt > 0 || errno(e) !== 'ENOENT') throw e;
    }
    try {
      mkdirSync(p, { mode });
    } catch (e) {
      if (errno(e) !== 'EEXIST') throw e;
    }
  }
}

/**
 * openDirAt with create, telling whether the folder was made. `makeFirst`: try mkdir before the
 * open (a caller that just made the previous folders of a fresh tree saves the open that would
 * fail); an existing name, symlink or file, is then opened and checked like any other.
 */
export function makeDirAt(parent: number, name: string, makeFirst: boolean): { fd: number; made: boolean } {
  if (!makeFirst) {
    try {
      return { fd: openDirAt(parent, name, false), made: false };
    } catch (e) {
      if (errno(e) !== 'ENOENT') throw e;
    }
  }
  let made = true;
  try {
    mkdirSync(fdPath(parent, name), { mode: 0o777 });
  } catch (e) {
    if (errno(e) !== 'EEXIST') throw e;
    made = false;
  }
  return { fd: openDirAt(parent, name, false), made };
}

/** Opens the folder `parts` below the folder `fd` one component at a time, never following a symlink. The caller closes the result. */
export function openDirBelow(fd: number, parts: string[], create: boolean): number {
  if (parts.length === 0) return openSync(fdPath(fd), constants.O_RDONLY | constants.O_DIRECTORY);
  let cur = fd; // never closed here: the caller's
  try {
    for (const part of parts) {
      const next = openDirAt(cur, part, create);
      if (cur !== fd) closeSync(cur);
      cur = next;
    }
    return cur;
  } catch (e) {
    if (cur !== fd) closeSync(cur);
    throw e;
  }
}

/** Opens a trusted base (a configured root) by name, then `parts` below it without following symlinks. */
export function openConfined(base: string, parts: string[], create: boolean): number {
  if (!confinementAvailable()) throw new ConfinementError('PATH_UNSUPPORTED', 'confined writes need /proc/self/fd (Linux)');
  const root = openSync(base, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    return openDirBelow(root, parts, create);
  } finally {
    closeSync(root);
  }
}

/**
 * A fresh folder `name` inside `parent`, created exclusively (EEXIST if anything has the name) with
 * mode 0700, so no other user can plant a file in it. Returns its descriptor.
 */
export function createPrivateDir(parent: number, name: string): number {
  mkdirSync(fdPath(parent, name), { mode: 0o700 });
  return openDirAt(parent, name, false);
}

/**
 * Removes what a killed run of ours left in the folder `name` inside `parent`: only when the
 * folder is ours (same uid) and only its `*.tmp` files, then the folder itself; never recursive.
 */
export function removeOwnTempDir(parent: number, name: string, isTemp = (n: string) => n.endsWith('.tmp')): void {
  let fd: number;
  try {
    fd = openDirAt(parent, name, false);
  } catch {
    return; // gone, or a symlink someone planted: not ours to touch
  }
  try {
    if (process.getuid && fstatSync(fd).uid !== process.getuid()) return;
    for (const n of readdirSync(fdPath(fd))) {
      if (!isTemp(n)) continue;
      try {
        unlinkSync(fdPath(fd, n)); // unlink never follows: a symlink named *.tmp loses the link only
      } catch {
        /* a folder, or gone */
      }
    }
  } finally {
    closeSync(fd);
  }
  try {
    rmdirSync(fdPath(parent, name));
  } catch {
    /* not empty: something not ours is there */
  }
}
