// Small studies for the PACS tests, with the identifiers a PACS indexes (patient, accession,
// study date) and a few that must not survive de-identification.
import { buildDicom } from '../../fixtures/build.js';

export interface PacsStudy {
  study: string;
  accession: string;
  patientId: string;
  patientName: string;
  /** YYYYMMDD */
  date: string;
}

/** Instance i (0-based) of the study: one series, SOP Instance UID `<study>.1.<i+1>`. */
export function pacsInstance(s: PacsStudy, i: number, pixels = 2048): Buffer {
  const sop = `${s.study}.1.${i + 1}`;
  return buildDicom({
    sopClassUID: '1.2.840.10008.5.1.4.1.1.2',
    sopInstanceUID: sop,
    elements: [
      { tag: 0x00080016, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' },
      { tag: 0x00080018, vr: 'UI', value: sop },
      { tag: 0x00080020, vr: 'DA', value: s.date },
      { tag: 0x00080050, vr: 'SH', value: s.accession },
      { tag: 0x00080060, vr: 'CS', value: 'CT' },
      { tag: 0x00080080, vr: 'LO', value: 'Orthanc General Hospital' },
      { tag: 0x00100010, vr: 'PN', value: s.patientName },
      { tag: 0x00100020, vr: 'LO', value: s.patientId },
      { tag: 0x00100030, vr: 'DA', value: '19700101' },
      { tag: 0x0020000d, vr: 'UI', value: s.study },
      { tag: 0x0020000e, vr: 'UI', value: `${s.study}.1` },
      { tag: 0x00200013, vr: 'IS', value: String(i + 1) },
      { tag: 0x7fe00010, vr: 'OW', value: Buffer.alloc(pixels, i & 0xff) },
    ],
  });
}

export const pacsStudy = (s: PacsStudy, n: number, pixels?: number): Buffer[] => Array.from({ length: n }, (_, i) => pacsInstance(s, i, pixels));

/** The identifiers of a study that must not be in any de-identified output. */
export const identifiers = (s: PacsStudy): string[] => [s.study, s.accession, s.patientId, s.patientName];
