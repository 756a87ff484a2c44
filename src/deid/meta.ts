// The file meta group of an output is rebuilt, never copied: only the elements PS3.10 7.1 defines
// for a file's identity and encoding, each checked against its VR. Anything else the source's meta
// held (AE titles, private information, unknown 0002 elements, bytes a misread length pulled in)
// is not carried over.

import { DataSet, Element } from '../dicom/dataset.js';
import type { DicomFile } from '../dicom/part10.js';
import { invalidValue } from '../dicom/value-check.js';
import * as T from '../dicom/tags.generated.js';

/** Meta elements carried into the rebuilt group, when their values are valid. */
const CARRIED = [T.MediaStorageSOPClassUID, T.MediaStorageSOPInstanceUID, T.TransferSyntaxUID, T.ImplementationClassUID, T.ImplementationVersionName];

/** Every element PS3.10 defines for the meta group: the others are reported when left out. */
const STANDARD = new Set([
  T.FileMetaInformationGroupLength,
  T.FileMetaInformationVersion,
  ...CARRIED,
  T.SourceApplicationEntityTitle,
  T.SendingApplicationEntityTitle,
  T.ReceivingApplicationEntityTitle,
  T.PrivateInformationCreatorUID,
  T.PrivateInformation,
  0x00020026,
  0x00020027,
  0x00020028,
  0x00020031,
  0x00020032,
  0x00020033,
  0x00020035, // presentation addresses, RTV meta (not in the generated table)
]);

/** Replaces `f.meta` by a group holding only validated values; returns what was left out. */
export function rebuildMeta(f: DicomFile): string[] {
  const old = f.meta;
  if (!old) return [];
  const left: string[] = [];
  const meta = new DataSet();
  const gl = new Element(T.FileMetaInformationGroupLength, 'UL', 4);
  gl.value = Buffer.alloc(4); // recomputed by the writer
  meta.set(gl);
  const version = new Element(T.FileMetaInformationVersion, 'OB', 2);
  version.value = Buffer.from([0, 1]);
  meta.set(version);
  for (const tag of CARRIED) {
    const el = old.get(tag);
    if (!el?.value) continue;
    const bad = invalidValue(el);
    if (bad) {
      left.push(`file meta: ${tag.toString(16).padStart(8, '0')} left out (${bad})`);
      continue;
    }
    const copy = new Element(tag, tag === T.ImplementationVersionName ? 'SH' : 'UI', el.value.length);
    copy.value = el.value;
    meta.set(copy);
  }
  for (const el of old.elements) {
    if (!STANDARD.has(el.tag)) left.push(`file meta: ${el.tag.toString(16).padStart(8, '0')} is no meta element of PS3.10: not carried over`);
  }
  f.meta = meta;
  f.metaEncoding = { explicit: true, little: true }; // PS3.10 7.1: whatever the source's writer did
  return left;
}
