// The PACS tests' Orthanc (fixtures/orthanc.ts), stopped and removed when the test ends.
import type { Test } from 'tap';
import { launchOrthanc, orthancPresent, ORTHANC, DICOMWEB_PLUGIN, type OrthancHandle } from '../../fixtures/orthanc.js';

export { enterNetns, freePort, orthancPresent, type OrthancHandle } from '../../fixtures/orthanc.js';

export const SKIP_ORTHANC = orthancPresent
  ? false
  : `Orthanc with its DICOMweb plugin not found (${ORTHANC}, ${DICOMWEB_PLUGIN}): apt-get install orthanc orthanc-dicomweb; PACS tests skipped`;

export async function startOrthanc(t: Test, name = 'anonflow-test'): Promise<OrthancHandle> {
  const h = await launchOrthanc(name);
  t.teardown(() => h.dispose());
  return h;
}
