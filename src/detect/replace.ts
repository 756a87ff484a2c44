// Replacing spans in a value: each becomes a label placeholder, a surrogate or asterisks, and
// everything else is kept. A result longer than the value's limit falls back to asterisks, which
// never lengthen it.
import { surrogate, unkeyedPick, type Pick } from './surrogate.js';
import type { DetectSettings, Span } from './types.js';

export interface ReplaceOptions {
  mode: DetectSettings['replacement'];
  /** The VR's length limit in characters (LO 64, SH 16…); undefined: none. */
  maxLength?: number;
  pick?: Pick;
}

const mask = (s: string): string => '*'.repeat(s.length);

/** The text with every span replaced; spans must not overlap (detectIdentifiers merges them). */
export function replaceSpans(text: string, spans: Span[], o: ReplaceOptions): string {
  if (spans.length === 0) return text;
  const build = (mode: ReplaceOptions['mode']): string => {
    let out = '';
    let at = 0;
    for (const s of [...spans].sort((a, b) => a.start - b.start)) {
      const original = text.slice(s.start, s.end);
      out += text.slice(at, s.start) + (mode === 'mask' ? mask(original) : mode === 'label' ? `[${s.label}]` : surrogate(s, original, o.pick ?? unkeyedPick));
      at = s.end;
    }
    return out + text.slice(at);
  };
  const out = build(o.mode);
  return o.maxLength !== undefined && out.length > o.maxLength ? build('mask') : out;
}
