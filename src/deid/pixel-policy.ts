import { DEFAULT_BURNED_IN_MODALITIES, DEFAULT_BURNED_IN_SOP_CLASSES } from '../profile/burned-in.js';
import type { DicomFile } from '../dicom/part10.js';
import { type Tag } from '../dicom/tag.js';
import { decodeNumbers, decodeStrings, fileContext } from '../dicom/values.js';
import { isStringVR } from '../dicom/vr.js';
import { compileCondition } from './rules.js';
import type { EngineProfile, MaskRuleSpec } from './types.js';
import * as T from '../dicom/tags.generated.js';

const PIXEL_DATA_TAGS = [T.PixelData, T.FloatPixelData, T.DoubleFloatPixelData];

/** What to do about burned-in annotations in one image. */
export type PixelDecision = { kind: 'none' } | { kind: 'mask'; rule: MaskRuleSpec; index: number } | { kind: 'quarantine'; reason: string };

/**
 * Fail closed on pixels: an image that is or may be annotated (BurnedInAnnotation YES, or a
 * modality or SOP class configured as carrying burned-in text, even without the attribute) is
 * written only when a mask rule selects it; otherwise it is quarantined. The first mask rule
 * whose conditions hold wins (most derived profile first, then in order).
 */
export function decidePixels(f: DicomFile, profile: EngineProfile): PixelDecision {
  if (!PIXEL_DATA_TAGS.some((t) => f.dataset.has(t))) return { kind: 'none' };
  const ctx = fileContext(f);
  const cache = new Map<Tag, string | undefined>();
  const read = (tag: Tag): string | undefined => {
    if (!cache.has(tag)) {
      const el = f.dataset.get(tag);
      let v: string | undefined;
      try {
        // A sequence or bulk value is present but has no text: '' lets `present` conditions see it.
        // Rows and Columns (US) are binary: compared as their decimal text, as the schema documents.
        v = !el
          ? undefined
          : el.items || el.fragments || el.value === undefined
            ? ''
            : isStringVR(el.vr)
              ? decodeStrings(el, ctx).join('\\')
              : decodeNumbers(el, f.encoding.little, { limit: 16 }).join('\\');
      } catch {
        v = undefined;
      }
      cache.set(tag, v);
    }
    return cache.get(tag);
  };
  const policy = profile.pixels ?? {
    masks: [],
    burnedInText: { modalities: [...DEFAULT_BURNED_IN_MODALITIES], sopClasses: [...DEFAULT_BURNED_IN_SOP_CLASSES] },
    lossy: 'explicitLittleEndian' as const,
    overlays: 'remove' as const,
  };
  const masks = policy.masks;
  for (let i = 0; i < masks.length; i++) {
    const rule = masks[i];
    const conditions = (rule.when ?? []).map((c) => compileCondition(c, `pixels.masks[${i}]`));
    if (conditions.every((c) => c.test(read(c.tag)))) return { kind: 'mask', rule, index: i };
  }
  const burnedIn = read(T.BurnedInAnnotation)?.trim().toUpperCase();
  if (burnedIn === 'YES') return { kind: 'quarantine', reason: 'BurnedInAnnotation is YES and no mask rule selects the image' };
  // A configured modality or SOP class is quarantined even when it claims NO: that claim is the
  // writer's, and often wrong for ultrasound and screen captures.
  const modality = read(T.Modality)?.trim();
  if (modality && policy.burnedInText.modalities.includes(modality)) {
    return { kind: 'quarantine', reason: `modality ${modality} may carry burned-in text and no mask rule selects the image` };
  }
  const sopClass = read(T.SOPClassUID)?.trim();
  if (sopClass && policy.burnedInText.sopClasses.includes(sopClass)) {
    return { kind: 'quarantine', reason: `SOP class ${sopClass} (secondary capture) may carry burned-in text and no mask rule selects the image` };
  }
  return { kind: 'none' };
}
