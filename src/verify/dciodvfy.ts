// dciodvfy (dicom3tools), when installed: the errors an output has that its input did not have.

import { execFile, execFileSync } from 'node:child_process';

let available: boolean | undefined;

/** Whether dciodvfy is on the PATH (checked once). */
export function dciodvfyAvailable(): boolean {
  if (available === undefined) {
    try {
      execFileSync('dciodvfy', ['-'], { stdio: 'ignore', timeout: 10_000 });
      available = true;
    } catch (e) {
      // It exits non-zero without a usable file, but it ran: only a missing binary means absent.
      available = (e as NodeJS.ErrnoException).code !== 'ENOENT';
    }
  }
  return available;
}

/**
 * dciodvfy's error lines for a file, normalised so that the same problem reads the same in an
 * input and its output: values (in <…> or quotes) and long numbers are dropped.
 */
export function dciodvfyErrors(file: string): Promise<Set<string>> {
  return new Promise((resolve) => {
    execFile('dciodvfy', [file], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (_err, stdout, stderr) => {
      const out = new Set<string>();
      for (const line of `${stdout}\n${stderr}`.split('\n')) {
        if (!line.startsWith('Error')) continue;
        out.add(normaliseDciodvfyLine(line));
      }
      resolve(out);
    });
  });
}

/**
 * One error line with its values dropped (in <…> or quotes, long numbers) but the element and
 * module names kept (`Element=<StudyDate> Module=<GeneralStudy>`): they say what is wrong where.
 */
export function normaliseDciodvfyLine(line: string): string {
  return line
    .replace(/(Element|Module)=<([^>]*)>|<[^>]*>/g, (m, key: string | undefined, name: string | undefined) => (key ? `${key}=«${name}»` : '<>'))
    .replace(/"[^"]*"/g, '""')
    .replace(/UID \S+/g, 'UID <>') // "…ReferencedSOPInstanceUID 2.25.…": a value, remapped by de-identification
    .replace(/(?<![A-Za-z])\d{3,}/g, '#')
    .replace(/«([^»]*)»/g, '<$1>')
    .trim();
}
