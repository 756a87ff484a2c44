/** Correctness side-check of the bench, untimed: does anonflow's output equal its input? */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { closeDicom, openDicom, writeDicom } from '../../src/dicom/file.js';
import { markAllModified } from './contenders.js';
import type { Entry } from './corpus.js';

export interface Identical {
  checked: number;
  /** Files the untouched write reproduces byte for byte (all of them, if the writer is right). */
  rw: number;
  /** Files a full re-encode reproduces byte for byte. */
  reencode: number;
}

/** Writes each file untouched and fully re-encoded into `outDir` (removed afterwards), comparing both with the input. */
export async function checkIdentical(files: Entry[], outDir: string): Promise<Identical> {
  const identical = { checked: 0, rw: 0, reencode: 0 };
  mkdirSync(outDir, { recursive: true });
  for (const e of files) {
    const src = readFileSync(e.path);
    identical.checked++;
    const f = await openDicom(e.path);
    try {
      const o1 = join(outDir, 'rw.dcm');
      await writeDicom(f, o1);
      if (src.equals(readFileSync(o1))) identical.rw++;
      markAllModified(f);
      const o2 = join(outDir, 're.dcm');
      await writeDicom(f, o2);
      if (src.equals(readFileSync(o2))) identical.reencode++;
    } catch {
      /* counted as failures in the warm-up */
    } finally {
      closeDicom(f);
    }
  }
  rmSync(outDir, { recursive: true, force: true });
  return identical;
}
