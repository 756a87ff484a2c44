// A test's scratch folder: fresh under the system's temp folder, removed when the test ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';

/** `name` shows in the folder's name (anonflow-<name>-XXXXXX), so a folder left by a killed run says whose it is. */
export function tempDir(t: Test, name: string): string {
  const d = mkdtempSync(join(tmpdir(), `anonflow-${name}-`));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}
