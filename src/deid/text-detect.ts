// The engine's use of src/detect: a file's own identifiers feed the header-informed detector, each
// cleaned text value keeps its text and loses only the identifiers found, and what was found is
// recorded (where and what kind, never the text) for the report.
import { detectIdentifiers, knownIdentifiers, prepareContext, replaceSpans, type DetectSettings, type EntityFound, type PreparedContext, type Span } from '../detect/index.js';
import { pseudoValue } from '../pseudo/ids.js';
import type { Tag } from '../dicom/tag.js';

/** Characters a value of each VR may hold (PS3.5 Table 6.2-1); the rest have no limit that matters here. */
const MAX_CHARS: Record<string, number> = { AE: 16, CS: 16, SH: 16, LO: 64, PN: 64, ST: 1024, LT: 10240 };

/** What a file's detection needs: its context (compiled once), the secret, and where found spans go. */
export interface TextDetection {
  context: PreparedContext;
  key: Buffer;
  found: EntityFound[];
  count: (label: string) => void;
}

export function createTextDetection(settings: DetectSettings, read: (tag: Tag) => string | undefined, key: Buffer, count: (label: string) => void): TextDetection {
  return { context: prepareContext({ known: knownIdentifiers(read), settings }), key, found: [], count };
}

/**
 * One value cleaned: its identifiers replaced, the rest kept. A PN value is a person's name by its
 * VR, so it is replaced whole. `settings` overrides the file's (a rule's detect action).
 */
export function detectInValue(d: TextDetection, text: string, vr: string, path: string, index: number, settings?: DetectSettings): string {
  const context = settings ? { ...d.context, settings } : d.context;
  const spans: Span[] =
    vr === 'PN'
      ? text.trim() && context.settings.piiTypes.includes('PERSON')
        ? [{ start: 0, end: text.length, label: 'PERSON', score: 1, detector: 'rules' }]
        : []
      : detectIdentifiers(text, context);
  return replaceFound(d, text, vr, path, index, spans, context.settings.replacement);
}

/**
 * Spans found in a value replaced (label, keyed surrogate or asterisks; asterisks where the
 * result would not fit the VR) and recorded for the report: path, span and label, never the text.
 */
export function replaceFound(d: TextDetection, text: string, vr: string, path: string, index: number, spans: Span[], mode: DetectSettings['replacement']): string {
  if (spans.length === 0) return text;
  for (const s of spans) {
    d.found.push({ path, ...(index > 0 ? { value: index } : {}), start: s.start, end: s.end, label: s.label, score: Number(s.score.toFixed(3)), detector: s.detector });
    d.count(s.label);
  }
  // keyed, so a stand-in says nothing about its original to whoever lacks the secret
  const pick = (label: string, original: string, n: number): number => (parseInt(pseudoValue(d.key, 'detect-surrogate', `${label}\0${original}`, 8, { length: 8 }), 16) || 0) % n;
  return replaceSpans(text, spans, { mode, maxLength: MAX_CHARS[vr], pick });
}
