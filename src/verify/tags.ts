// Tags the verifier's checks group.

import type { Tag } from '../dicom/tag.js';
import * as T from '../dicom/tags.generated.js';

export const PIXEL_TAGS: readonly Tag[] = [T.PixelData, T.FloatPixelData, T.DoubleFloatPixelData];

/** UIDs that define something (top level); every other non-well-known UID is a reference. */
export const DEFINING = new Set<Tag>([T.SOPInstanceUID, T.StudyInstanceUID, T.SeriesInstanceUID, T.FrameOfReferenceUID]);
