// Tags the verifier's checks name.

import type { Tag } from '../dicom/tag.js';

export const T = {
  SOP_CLASS: 0x00080016,
  SOP_INSTANCE: 0x00080018,
  STUDY: 0x0020000d,
  SERIES: 0x0020000e,
  FRAME_OF_REFERENCE: 0x00200052,
  PATIENT_ID: 0x00100020,
  PATIENT_NAME: 0x00100010,
  IDENTITY_REMOVED: 0x00120062,
  METHOD: 0x00120063,
  METHOD_CODES: 0x00120064,
  LONGITUDINAL: 0x00280303,
  CODE_VALUE: 0x00080100,
  CODING_SCHEME: 0x00080102,
  MEDIA_SOP_CLASS: 0x00020002,
  MEDIA_SOP_INSTANCE: 0x00020003,
  TRANSFER_SYNTAX: 0x00020010,
} as const;

export const PIXEL_TAGS = [0x7fe00010, 0x7fe00008, 0x7fe00009];

/** UIDs that define something (top level); every other non-well-known UID is a reference. */
export const DEFINING = new Set<Tag>([T.SOP_INSTANCE, T.STUDY, T.SERIES, T.FRAME_OF_REFERENCE]);
