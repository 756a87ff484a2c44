// The header attributes the header-informed detector learns the file's own identifiers from.
// Tags are plain numbers (group << 16 | element), so that this room imports nothing of the codec.
import type { KnownIdentifier, Label } from './types.js';

/** The header attributes whose original values the header-informed detector looks for, by label. */
export const KNOWN_ATTRIBUTES: [tag: number, label: Label, personName?: boolean][] = [
  [0x00100010, 'PERSON', true], // PatientName
  [0x00101001, 'PERSON', true], // OtherPatientNames
  [0x00101005, 'PERSON', true], // PatientBirthName
  [0x00101060, 'PERSON', true], // PatientMotherBirthName
  [0x00080090, 'PERSON', true], // ReferringPhysicianName
  [0x00081050, 'PERSON', true], // PerformingPhysicianName
  [0x00081060, 'PERSON', true], // NameOfPhysiciansReadingStudy
  [0x00081070, 'PERSON', true], // OperatorsName
  [0x00321032, 'PERSON', true], // RequestingPhysician
  [0x00400006, 'PERSON', true], // ScheduledPerformingPhysicianName
  [0x00100020, 'ID'], // PatientID
  [0x00101000, 'ID'], // OtherPatientIDs
  [0x00080050, 'ID'], // AccessionNumber
  [0x00200010, 'ID'], // StudyID
  [0x00100030, 'DATE'], // PatientBirthDate
  [0x00101040, 'ADDRESS'], // PatientAddress
  [0x00380300, 'ADDRESS'], // CurrentPatientLocation
  [0x00102154, 'PHONE'], // PatientTelephoneNumbers
  [0x00080080, 'ORGANIZATION'], // InstitutionName
  [0x00080081, 'ADDRESS'], // InstitutionAddress
];

/** The file's own identifiers, given a reader of its original top-level values by tag (joined with a backslash). */
export function knownIdentifiers(read: (tag: number) => string | undefined): KnownIdentifier[] {
  const out: KnownIdentifier[] = [];
  for (const [tag, label, personName] of KNOWN_ATTRIBUTES) {
    const value = read(tag);
    if (value) out.push({ label, value, personName });
  }
  return out;
}
