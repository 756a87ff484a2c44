// The re-identifying mapping (original → pseudonymised UIDs and Patient IDs) of every server job,
// kept per key (a project's own key, or a pims_keyfile_id one) in <dataDir>/mappings/<key id>.ndjson
// (0600, folder 0700), for a MIDI-B export from the CLI (anon serve --export-mapping).

import { appendFileSync, chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { MappingRecorder, type MappingKind } from '../pseudo/mapping.js';

const mappingsDir = (dataDir: string): string => join(dataDir, 'mappings');

/** Appends what a job recorded to its key's mapping. */
export function saveMapping(dataDir: string, keyFile: string, recorder: MappingRecorder): void {
  const lines: string[] = [];
  for (const kind of ['uids', 'patientIds'] as MappingKind[]) for (const [o, n] of recorder.entries(kind)) lines.push(JSON.stringify([kind, o, n]));
  if (!lines.length) return;
  const dir = mappingsDir(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  appendFileSync(join(dir, `${basename(keyFile, '.key')}.ndjson`), lines.join('\n') + '\n', { mode: 0o600 });
}

/** Everything recorded under one key id, as a recorder for exportMidiB. */
export function loadMapping(dataDir: string, keyId: string): MappingRecorder {
  const recorder = new MappingRecorder();
  let text = '';
  try {
    text = readFileSync(join(mappingsDir(dataDir), `${keyId}.ndjson`), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [kind, o, n] = JSON.parse(line) as [MappingKind, string, string];
    if (kind === 'uids') recorder.addUID(o, n);
    else recorder.addPatient(o, n);
  }
  return recorder;
}
