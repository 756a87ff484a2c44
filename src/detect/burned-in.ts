// Identifiers in text burned into pixels, as the recogniser reads one row of it. Beyond what the
// detectors find in header text, scanners write names in the PN form (DOE^JOHN, the caret read as a
// quote, a star or a trademark sign) or as "DOE, JOHN", put labels before values ("Name:", "ID",
// "DOB", "Acc#"), and the recogniser reads digits as letters (a date "12/O3/196l"). Each found
// identifier is a span of the row; a label's span runs over the value it labels, so that masking
// the lines a span touches masks the label with its value.
import { detectIdentifiers } from './detect.js';
import { fold } from './fold.js';
import { fuzzyKnownSpans } from './fuzzy.js';
import { nameLists } from './name-lists.js';
import { namesDetector } from './names.js';
import type { Label, PreparedContext, Span } from './types.js';

const L = '\\p{L}';
/** What a caret between name components becomes when read: itself, quotes, a star, a tilde, ™… */
const CARET = `[\\^"”“'’\`~*°™¬ˆ«»]`;
/** DOE^JOHN, MULLER"TOMASZ, OKONKWO ~“ TOMASZ: two words of letters joined by what a caret reads as. */
const CARET_NAME = new RegExp(`(?<![${L}\\p{N}])${L}{2,}[${L}'’-]*\\s?${CARET}{1,2}\\s?${L}{2,}[${L}'’-]*`, 'gu');
/** DOE, JOHN in capitals; "Doe, John" only as the whole row (a list of capitalised words is no name). */
const COMMA_CAPS = /(?<![\p{L}\p{N}])\p{Lu}{2,}[\p{Lu}'’-]*\s?,\s?\p{Lu}{2,}[\p{Lu}'’-]*/gu;
const COMMA_WHOLE = /^\s*\p{Lu}[\p{L}'’-]+\s?,\s?\p{Lu}[\p{L}'’-]+(?:\s+\p{Lu}\.?)?\s*$/u;

/** A label word standing on its own, then its punctuation. */
const label = (words: string, punct = '\\s*[:.#=]?'): RegExp => new RegExp(`(?<![\\p{L}\\p{N}])(?:${words})(?![\\p{L}\\p{N}])${punct}`, 'giu');

/** Labels before a value, by the kind of value they announce. */
const LABELS: [RegExp, Label, (value: string) => boolean][] = [
  [label('(?:(?:patient|pat|pt)\\.?\\s*)?name|nom|naam'), 'PERSON', (v) => /\p{L}{2,}/u.test(v) && !/^\s*(?:id|no|nr|#|dob|age|sex)\b/iu.test(v)],
  // "Patient", "Pat" and "Pt" only with a colon or a dot: "PATIENT POSITION" labels no name
  [label('patient|pat|pt', '\\s*[:.]'), 'PERSON', (v) => /\p{L}{2,}/u.test(v) && !/^\s*(?:id|no|nr|#|dob|age|sex)\b/iu.test(v)],
  [
    label('pat(?:ient)?\\.?\\s*(?:id|no|nr|#)|p?id|mrn|mr\\s?#|mr\\s?no|hn|epd|ssn|acc(?:ession)?(?:\\s?(?:no|nr|number))?|acc\\s?#|exam\\s?(?:no|#)|study\\s?id'),
    'ID',
    (v) => /[\p{L}\p{N}]{2,}/u.test(v),
  ],
  [label('d\\.?o\\.?b\\.?|date\\s*of\\s*birth|birth\\s*date|birth|born|geb(?:oren)?\\.?|b-?day|(?:exam\\s*|study\\s*)?date'), 'DATE', (v) => /\p{N}/u.test(v)],
];

/** The value after a label: its next words (three at most). */
const VALUE = /^\s*(?:[^\s]+(?:\s+|$)){1,3}/u;

/** Digits as the recogniser may read them inside a number. */
const DIGITISH: Record<string, string> = { o: '0', O: '0', D: '0', Q: '0', l: '1', I: '1', i: '1', '|': '1', '!': '1', S: '5', s: '5', B: '8', Z: '2', z: '2', g: '9' };
/** A date shape with misread digits: 12/O3/196l, 62/03/260¢. */
const LOOSE_DATE = /(?<![\p{L}\p{N}])[\dOoDQlIi|!SsBZzg]{1,4}[/.-][\dOoDQlIi|!SsBZzg]{1,3}[/.-][\dOoDQlIi|!SsBZzg]{2,4}/gu;

function labelled(text: string): Span[] {
  const spans: Span[] = [];
  for (const [re, label, plausible] of LABELS) {
    for (const m of text.matchAll(re)) {
      const rest = text.slice(m.index + m[0].length);
      const v = VALUE.exec(rest)?.[0] ?? '';
      if (!v.trim() || !plausible(v)) continue;
      spans.push({ start: m.index, end: m.index + m[0].length + v.trimEnd().length, label, score: 0.85, detector: 'rules' });
    }
  }
  return spans;
}

/** A date the cheap pass or the recogniser cut short: its month and year remain ("1/1949", "1949-03"). */
const PART_DATE = /(?<![\p{L}\p{N}])(?:\d{1,2}[/.-](?:19|20)\d{2}|(?:19|20)\d{2}[/.-](?:0?[1-9]|1[0-2]))(?![\p{N}]|[/.-]\d)/gu;

function looseDates(text: string): Span[] {
  const spans: Span[] = [];
  for (const m of text.matchAll(PART_DATE)) spans.push({ start: m.index, end: m.index + m[0].length, label: 'DATE', score: 0.7, detector: 'rules' });
  for (const m of text.matchAll(LOOSE_DATE)) {
    const digits = [...m[0]].map((c) => DIGITISH[c] ?? c).join('');
    // four true digits at least: "I/O/S" is no date
    if ((m[0].match(/\d/g) ?? []).length < 4 || !/^\d{1,4}[/.-]\d{1,3}[/.-]\d{2,4}$/.test(digits)) continue;
    spans.push({ start: m.index, end: m.index + m[0].length, label: 'DATE', score: 0.8, detector: 'rules' });
  }
  return spans;
}

function names(text: string): Span[] {
  const spans: Span[] = [];
  for (const m of text.matchAll(CARET_NAME)) spans.push({ start: m.index, end: m.index + m[0].length, label: 'PERSON', score: 0.85, detector: 'rules' });
  for (const m of text.matchAll(COMMA_CAPS)) spans.push({ start: m.index, end: m.index + m[0].length, label: 'PERSON', score: 0.8, detector: 'rules' });
  if (COMMA_WHOLE.test(text)) spans.push({ start: 0, end: text.length, label: 'PERSON', score: 0.75, detector: 'rules' });
  return spans;
}

/**
 * The dictionary names detector's spans that hold a listed first or last name. Its cue words alone
 * ("Patient", "Fr") say little in burned-in text, where "PATIENT POSITION" and "FR 32Hz" are
 * settings, not people; the labels above take their place.
 */
function listedNames(text: string, ctx: PreparedContext): Span[] {
  if (!ctx.settings.detectors.includes('names')) return [];
  const { first, last } = nameLists();
  const listed = (s: Span): boolean => (fold(text.slice(s.start, s.end)).match(/\p{L}[\p{L}'’-]*/gu) ?? []).some((w) => first.has(w) || last.has(w));
  return namesDetector.detect(text, ctx).filter((s) => s.score >= ctx.settings.minScore && listed(s));
}

/**
 * The identifiers of one row of burned-in text: the detectors of header text (with the file's own
 * identifiers), the file's identifiers read fuzzily, the burned-in name forms, labelled values and
 * dates with misread digits. Spans may overlap; only where they fall matters.
 */
export function burnedInSpans(text: string, ctx: PreparedContext): Span[] {
  if (text.trim() === '') return [];
  const detectors = ctx.settings.detectors.filter((d) => d !== 'names');
  const spans = detectIdentifiers(text, { ...ctx, settings: { ...ctx.settings, detectors } });
  return [...spans, ...listedNames(text, ctx), ...fuzzyKnownSpans(text, ctx), ...names(text), ...labelled(text), ...looseDates(text)];
}
