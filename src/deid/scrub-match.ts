// Matching the patient's identifiers (scrub-terms.ts) in text: shared by the scrub of kept values
// (scrub.ts) and the search for coincidences in the input's own equipment attributes and codes.
import { fold } from '../detect/fold.js';
import type { Label, Span } from '../detect/index.js';
import * as T from '../dicom/tags.generated.js';

/**
 * How a term must be bounded where it is found:
 *  word  no ASCII letter or digit on either side (names, dates, institution phrases);
 *  id    not inside a longer run of its own kind: ID 4455667 is found in "MRN4455667" but not in "94455667".
 */
export type TermKind = 'word' | 'id';

export interface Term {
  /** Folded (lower case, no accents): matched against folded text. */
  folded: string;
  label: Label;
  kind: TermKind;
}

/**
 * The text VRs searched. Not CS (defined terms of 16 upper-case characters: a name component
 * there is vocabulary, ORIGINAL or AXIAL), AE (a node's title), UR, nor dates and numbers.
 */
export const SCRUBBED_VRS = new Set(['LO', 'SH', 'ST', 'LT', 'UT', 'UC', 'PN']);

/**
 * The equipment's attributes are never scrubbed: what they share with the patient's identifiers
 * (a phantom named after its maker, "FUJI PHOTO FILM CO." beside an institution of the same
 * words, a QA patient ID that is the device's serial number) names the device, not the patient.
 * The verifier holds the same list (src/verify/checks/residual-needles.ts EQUIPMENT_TAGS).
 */
export const EQUIPMENT_TAGS = new Set<number>([T.Manufacturer, T.ManufacturerModelName, T.StationName, T.SoftwareVersions, T.DeviceSerialNumber]);

const isAsciiAlnum = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isLetter = (c: number): boolean => isAsciiAlnum(c) && !isDigit(c);
/** For an ID: the neighbour continues the run of the ID's first (or last) character. */
const sameRun = (neighbour: number, edge: number): boolean => (isDigit(edge) ? isDigit(neighbour) : isLetter(edge) ? isLetter(neighbour) : false);

/** The spans of `text` holding a term, longest terms first, never overlapping. */
export function findTerms(text: string, folded: string, terms: readonly Term[]): (Span & { term: Term })[] {
  const spans: (Span & { term: Term })[] = [];
  for (const t of terms) {
    const n = t.folded;
    for (let at = folded.indexOf(n); at >= 0; at = folded.indexOf(n, at + 1)) {
      const end = at + n.length;
      const before = at > 0 ? text.charCodeAt(at - 1) : NaN;
      const after = end < text.length ? text.charCodeAt(end) : NaN;
      const bounded =
        t.kind === 'id'
          ? !(before >= 0 && sameRun(before, n.charCodeAt(0))) && !(after >= 0 && sameRun(after, n.charCodeAt(n.length - 1)))
          : !(before >= 0 && isAsciiAlnum(before)) && !(after >= 0 && isAsciiAlnum(after));
      if (!bounded || spans.some((s) => at < s.end && s.start < end)) continue;
      spans.push({ start: at, end, label: t.label, score: 1, detector: 'header', term: t });
    }
  }
  return spans.sort((a, b) => a.start - b.start);
}

/** Lower case without accents, index for index; whitespace as plain spaces. */
export const foldText = (text: string): string => fold(text).replace(/\s/g, ' ');
