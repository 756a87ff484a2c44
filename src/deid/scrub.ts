/**
 * Cleaning of free text (action C on descriptors and text content): identifiers known from the
 * file itself (names, IDs, dates of birth, addresses…) and identifier-shaped tokens are blanked
 * out, keeping the rest of the text and its length.
 */
const DIGIT_RUN = /\d{5,}/g;
const DATE_SHAPES = /\b(\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})\b/g;
const EMAIL = /[\w.+-]+@[\w-]+(\.[\w-]+)+/g;

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class Scrubber {
  private readonly pattern: RegExp | undefined;

  /** `identifiers`: original values the profile removes or replaces (name parts, IDs, dates…). */
  constructor(identifiers: Iterable<string>) {
    const terms = new Set<string>();
    for (const raw of identifiers) {
      for (const part of raw.split(/[\^=\\,;]+/)) {
        const t = part.trim();
        if (t.length >= 2 && !/^\d{1,4}$/.test(t)) terms.add(t);
      }
    }
    const sorted = [...terms].sort((a, b) => b.length - a.length).map(escape);
    this.pattern = sorted.length ? new RegExp(sorted.map((t) => (/^\w/.test(t) ? `\\b${t}` : t) + (/\w$/.test(t) ? '\\b' : '')).join('|'), 'gi') : undefined;
  }

  /** The text with every identifier replaced by asterisks of the same length. */
  clean(text: string): string {
    const blank = (m: string): string => '*'.repeat(m.length);
    let out = this.pattern ? text.replace(this.pattern, blank) : text;
    out = out.replace(EMAIL, blank).replace(DATE_SHAPES, blank).replace(DIGIT_RUN, blank);
    return out;
  }
}
