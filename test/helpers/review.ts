// Shared by the review tests: a quarantined ultrasound image built in code (a ramp with "text"
// strokes in TEXT_REGION and identifiers in its header), put in a watch quarantine folder the way
// the watch daemon does it (src/watch/move.ts), with an OCR box in its reason sidecar.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { buildPixelFile, TEXT_REGION, type PixelSpec } from '../../fixtures/pixel.js';
import { TS } from '../../fixtures/build.js';
import { parseDicom } from '../../src/dicom/file.js';
import { nativePixelBytes } from '../../src/pixel/image.js';
import * as T from '../../src/dicom/tags.generated.js';
import { moveOriginal } from '../../src/watch/move.js';
import { ReviewSession } from '../../src/review/session.js';

export const US_SPEC: PixelSpec = {
  name: 'us-review',
  transferSyntax: TS.explicitLE,
  rows: 60,
  columns: 80,
  frames: 1,
  samplesPerPixel: 1,
  bitsAllocated: 8,
  bitsStored: 8,
  signed: false,
  photometric: 'MONOCHROME2',
  planar: 0,
  lossless: true,
  fill: [0],
  modality: 'US',
  extra: [
    { tag: T.StudyInstanceUID, vr: 'UI', value: '2.25.777001' },
    { tag: T.SeriesInstanceUID, vr: 'UI', value: '2.25.777002' },
    { tag: T.Manufacturer, vr: 'LO', value: 'Acme Sono' },
    { tag: T.ManufacturerModelName, vr: 'LO', value: 'Sono 1' },
    { tag: T.PatientName, vr: 'PN', value: 'Doe^Jane' },
    { tag: T.PatientID, vr: 'LO', value: 'PID-424242' },
  ],
};
export const US_REASON = 'modality US may carry burned-in text and no mask rule selects the image';
export const OCR_BOX = { frame: 1, ...TEXT_REGION, confidence: 0.91, masked: false, identifier: true };

export interface ReviewEnv {
  dir: string;
  quarantine: string;
  out: string;
  profiles: string;
  secret: string;
  /** the quarantined file's path and its original bytes */
  file: string;
  original: Buffer;
  session: () => ReviewSession;
}

export async function reviewEnv(t: Test): Promise<ReviewEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-review-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const inbox = join(dir, 'inbox');
  const quarantine = join(dir, 'quarantine');
  mkdirSync(inbox);
  const original = await buildPixelFile(US_SPEC);
  writeFileSync(join(inbox, 'us1.dcm'), original);
  const to = moveOriginal(inbox, 'us1.dcm', statSync(join(inbox, 'us1.dcm')).ino, quarantine, {
    suffix: '.reason.json',
    // the sidecar as anon watch writes it: the OCR room's record under `pixels`
    data: { input: 'us1.dcm', reason: US_REASON, at: new Date().toISOString(), pixels: { method: 'ocr', boxes: [OCR_BOX] } },
  });
  const secret = join(dir, 'secret.key');
  writeFileSync(secret, 'review-test-secret-0123456789abcdef', { mode: 0o600 });
  const env = { dir, quarantine, out: join(dir, 'out'), profiles: join(dir, 'profiles'), secret, file: to as string, original };
  return { ...env, session: () => new ReviewSession({ sources: [quarantine], out: env.out, profilesDir: env.profiles, secretFile: secret }) };
}

/** The 8-bit samples of a written file's single frame. */
export function pixelsOf(file: string): Buffer {
  const f = parseDicom(readFileSync(file));
  return Buffer.from(nativePixelBytes(f, f.dataset.get(T.PixelData)!));
}

/** Pixels of (x, y) inside `r` are 0 in `out`; every other pixel equals `src`. */
export function maskedExactly(src: Buffer, out: Buffer, r: { x: number; y: number; width: number; height: number }, columns: number): { inside: number; outsideChanged: number } {
  let inside = 0;
  let outsideChanged = 0;
  for (let i = 0; i < out.length; i++) {
    const x = i % columns;
    const y = Math.floor(i / columns);
    const inR = x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;
    if (inR && out[i] !== 0) inside++;
    if (!inR && out[i] !== src[i]) outsideChanged++;
  }
  return { inside, outsideChanged };
}
