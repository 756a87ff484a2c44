import { buildDicom, type FixtureElement } from '../../fixtures/build.js';
import * as T from '../../src/dicom/tags.generated.js';

/** A valid RTSTRUCT whose one ROI holds `contours` triangles: a header of 3 × contours elements. */
export function rtstructWithContours(contours: number, patient: { name: string; id?: string }): Buffer {
  const items: FixtureElement[][] = [];
  for (let i = 0; i < contours; i++) {
    items.push([
      { tag: T.ContourGeometricType, vr: 'CS', value: 'CLOSED_PLANAR' },
      { tag: T.NumberOfContourPoints, vr: 'IS', value: '3' },
      { tag: T.ContourData, vr: 'DS', value: `${i}\\1.5\\2.5\\3\\4\\5\\6\\7\\8` },
    ]);
  }
  return buildDicom({
    sopClassUID: '1.2.840.10008.5.1.4.1.1.481.3',
    elements: [
      { tag: T.SOPClassUID, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.481.3' },
      { tag: T.SOPInstanceUID, vr: 'UI', value: '2.25.1' },
      { tag: T.Modality, vr: 'CS', value: 'RTSTRUCT' },
      { tag: T.PatientName, vr: 'PN', value: patient.name },
      ...(patient.id ? [{ tag: T.PatientID, vr: 'LO' as const, value: patient.id }] : []),
      {
        tag: T.ROIContourSequence,
        vr: 'SQ',
        items: [
          [
            { tag: T.ContourSequence, vr: 'SQ', items },
            { tag: T.ReferencedROINumber, vr: 'IS', value: '1' },
          ],
        ],
      },
    ],
  });
}
