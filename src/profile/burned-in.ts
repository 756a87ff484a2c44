// Which images are presumed to carry burned-in text when a profile does not say: a leaf, so the
// per-file job can read them without loading profile validation (ajv) in every worker.

/** Modalities that may carry burned-in text: quarantined unless a mask rule selects them. */
export const DEFAULT_BURNED_IN_MODALITIES = ['US', 'SC', 'OT', 'XC', 'ES'] as const;
/** The Secondary Capture SOP classes (PS3.4 B.5): screen captures and scanned documents. */
export const DEFAULT_BURNED_IN_SOP_CLASSES = [
  '1.2.840.10008.5.1.4.1.1.7',
  '1.2.840.10008.5.1.4.1.1.7.1',
  '1.2.840.10008.5.1.4.1.1.7.2',
  '1.2.840.10008.5.1.4.1.1.7.3',
  '1.2.840.10008.5.1.4.1.1.7.4',
] as const;
