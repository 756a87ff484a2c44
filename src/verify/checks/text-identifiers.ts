// Identifier-like text left in kept text values, found by the same detectors the engine cleans
// with (src/detect), read-only: the file's own identifiers in their written forms, and rules and
// name lists. Warnings for a reviewer: a detector's guess is not proof of a leak.

import { detectIdentifiers, IMPLICIT_SETTINGS, knownIdentifiers, prepareContext } from '../../detect/index.js';
import * as T from '../../dicom/tags.generated.js';
import type { Found, StartCheck } from '../check.js';
import { EQUIPMENT_TAGS } from './residual-needles.js';

/** Free-text VRs, where a name or a number can hide among clinical words. */
const TEXT_VRS = new Set(['LO', 'SH', 'ST', 'LT', 'UT', 'UC']);
/** Code items are vocabulary (a code value is no record number); the equipment names its maker. */
const NOT_TEXT = new Set<number>([T.CodeValue, T.CodingSchemeDesignator, T.CodingSchemeVersion, T.CodeMeaning, T.LongCodeValue, T.URNCodeValue, ...EQUIPMENT_TAGS]);

export const textIdentifiers: StartCheck = () => ({
  pair: ({ at, read }) => {
    const context = prepareContext({ known: knownIdentifiers(read), settings: IMPLICIT_SETTINGS });
    const found: Found[] = [];
    return {
      element({ el, path, values }) {
        if (!TEXT_VRS.has(el.vr) || NOT_TEXT.has(el.tag) || ((el.tag >>> 16) & 1) === 1 || !values) return [];
        for (const v of values) {
          const spans = detectIdentifiers(v, context);
          if (spans.length === 0) continue;
          const labels = [...new Set(spans.map((s) => s.label))].join(', ');
          found.push({
            code: 'TEXT_IDENTIFIER',
            ...at,
            path,
            message: `kept text holds what looks like ${labels} (${spans.map((s) => `${s.start}–${s.end} by ${s.detector}`).join('; ')})`,
          });
        }
        return [];
      },
      // after the pair's element findings: a guess comes after what the other checks know
      done: () => found,
    };
  },
});
