// Running the chosen detectors over one value and reconciling their spans.
import { DETECTORS } from './registry.js';
import { DEFAULT_SETTINGS } from './settings.js';
import type { DetectContext, PreparedContext, Span } from './types.js';

/** Compiles a context once (a file's identifiers, the settings) for many values. */
export function prepareContext(ctx: DetectContext = {}): PreparedContext {
  return { settings: { ...DEFAULT_SETTINGS, ...ctx.settings }, known: ctx.known ?? [], cache: new Map() };
}

/**
 * Overlapping spans become one, with the extent of both and the label, score and detector of the
 * most confident (a name inside an address is replaced with the address).
 */
export function mergeSpans(spans: Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start < last.end) {
      const best = s.score > last.score ? s : last;
      out[out.length - 1] = { ...best, start: last.start, end: Math.max(last.end, s.end) };
    } else out.push({ ...s });
  }
  return out;
}

/**
 * The identifiers in one text value: read-only, the text is not changed and never leaves the
 * spans. Spans of labels outside `piiTypes` or below `minScore` are dropped before merging.
 */
export function detectIdentifiers(text: string, ctx: DetectContext | PreparedContext = {}): Span[] {
  const p = 'cache' in ctx ? ctx : prepareContext(ctx);
  if (text.trim() === '') return [];
  const { detectors, piiTypes, minScore } = p.settings;
  const spans: Span[] = [];
  for (const name of detectors) {
    for (const s of DETECTORS[name].detect(text, p)) if (s.score >= minScore && piiTypes.includes(s.label) && s.end > s.start) spans.push(s);
  }
  return mergeSpans(spans);
}
