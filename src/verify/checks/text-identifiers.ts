// Identifier-like text left in kept text values, found by the same detectors the engine cleans
// with (src/detect), read-only: the file's own identifiers in their written forms, and rules and
// name lists. Warnings for a reviewer: a detector's guess is not proof of a leak.

import { detectIdentifiers, IMPLICIT_SETTINGS, knownIdentifiers, prepareContext } from '../../detect/index.js';
import type { StartCheck } from '../check.js';

/** Free-text VRs, where a name or a number can hide among clinical words. */
const TEXT_VRS = new Set(['LO', 'SH', 'ST', 'LT', 'UT', 'UC']);

export const textIdentifiers: StartCheck = () => ({
  pair: ({ at, read }) => {
    const context = prepareContext({ known: knownIdentifiers(read), settings: IMPLICIT_SETTINGS });
    return {
      *element({ el, path, values }) {
        if (!TEXT_VRS.has(el.vr) || ((el.tag >>> 16) & 1) === 1 || !values) return;
        for (const v of values) {
          const spans = detectIdentifiers(v, context);
          if (spans.length === 0) continue;
          const labels = [...new Set(spans.map((s) => s.label))].join(', ');
          yield {
            code: 'TEXT_IDENTIFIER',
            ...at,
            path,
            message: `kept text holds what looks like ${labels} (${spans.map((s) => `${s.start}–${s.end} by ${s.detector}`).join('; ')})`,
          };
        }
      },
    };
  },
});
