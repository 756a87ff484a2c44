// The file's own identifiers found in text the recogniser read off the pixels: OCR confuses 0 and O,
// 1, l and I, 5 and S, 8 and B, 2 and Z, reads a caret as a quote or drops it, and misreads one
// glyph in a long word. Both sides are brought to one form (folded, confusable glyphs made one,
// everything but letters and digits dropped) and a needle of six characters or more may differ by
// one edit. The needles are those of the header detector's attributes (src/detect/known.ts):
// patient and physician name components, IDs, accession number, birth date, institution.
import { isCommonWord } from './common-words.js';
import { fold, isWordChar } from './fold.js';
import { dateForms } from './header.js';
import type { KnownIdentifier, Label, PreparedContext, Span } from './types.js';

/** Glyphs the recogniser mistakes for each other, made one (after folding to lower case). */
const CONFUSABLE: Record<string, string> = { '0': 'o', q: 'o', '1': 'l', i: 'l', '|': 'l', '!': 'l', '5': 's', '8': 'b', '2': 'z' };

/** Needles shorter than this are not searched for (too many chance hits in a row of text). */
const MIN_NEEDLE = 3;
/** From this length on a needle may differ by one edit (a misread, dropped or extra glyph). */
const FUZZY_FROM = 6;

export interface Needle {
  /** In OCR form (see ocrForm). */
  form: string;
  label: Label;
}

/** Folded, confusable glyphs made one, and only letters and digits kept; `at[i]` is where form[i] came from. */
export function ocrForm(text: string): { form: string; at: number[] } {
  const folded = fold(text);
  let form = '';
  const at: number[] = [];
  for (let i = 0; i < folded.length; i++) {
    const c = CONFUSABLE[folded[i]] ?? folded[i];
    if (!/[\p{L}\p{N}]/u.test(c)) continue;
    form += c;
    at.push(i);
  }
  return { form, at };
}

const PARTICLES = new Set(['van', 'der', 'den', 'de', 'la', 'le', 'du', 'des', 'von', 'zu', 'di', 'da', 'del', 'ten', 'ter', 'het', 'mr', 'mrs', 'ms', 'dr', 'jr', 'sr']);

/** The needles of one known identifier: name components and the whole name, IDs, birth-date forms, whole phrases. */
function needlesOf(k: KnownIdentifier): string[] {
  const values = k.value
    .split('\\')
    .map((v) => v.trim())
    .filter(Boolean);
  const out: string[] = [];
  for (const v of values) {
    if (k.personName) {
      for (const group of v.split('=')) {
        const parts = group.split('^').map((p) => p.trim());
        for (const word of parts.flatMap((p) => p.split(/[\s,]+/))) if (!PARTICLES.has(fold(word)) && !isCommonWord(word)) out.push(word);
        out.push(parts.slice(0, 2).join(''));
      }
    } else if (k.label === 'DATE') out.push(...dateForms(v));
    else if (k.label === 'ID' || k.label === 'NATIONAL_ID') {
      // an all-digit ID shorter than six digits turns up by chance (the scrub's rule too)
      if (!/^\d{1,5}$/.test(v.replace(/[\s.\-/]/g, ''))) out.push(v);
    } else out.push(v);
  }
  return out;
}

/** The needles of a file's identifiers, each once, longest first. */
export function ocrNeedles(known: KnownIdentifier[]): Needle[] {
  const byForm = new Map<string, Label>();
  for (const k of known) {
    for (const n of needlesOf(k)) {
      const { form } = ocrForm(n);
      if (form.length >= MIN_NEEDLE && !/^(.)\1*$/.test(form) && !byForm.has(form)) byForm.set(form, k.label);
    }
  }
  return [...byForm].map(([form, label]) => ({ form, label })).sort((a, b) => b.form.length - a.form.length);
}

/**
 * Where `needle` ends in `hay` with at most `k` edits (Sellers' approximate substring search), and
 * where that match starts: [start, end) in hay, or undefined.
 */
export function approxFind(hay: string, needle: string, k: number): [number, number] | undefined {
  const m = needle.length;
  // prev[i]: edits to match needle[0..i) ending at the previous column; start[i]: where that match began
  let prev = Array.from({ length: m + 1 }, (_, i) => i);
  let prevStart = new Array<number>(m + 1).fill(0);
  for (let j = 1; j <= hay.length; j++) {
    const cur = [0];
    const curStart = [j];
    for (let i = 1; i <= m; i++) {
      const sub = prev[i - 1] + (needle[i - 1] === hay[j - 1] ? 0 : 1);
      const del = prev[i] + 1; // a glyph of hay the needle lacks
      const ins = cur[i - 1] + 1; // a glyph of the needle the recogniser dropped
      const best = Math.min(sub, del, ins);
      cur.push(best);
      curStart.push(best === sub ? prevStart[i - 1] : best === del ? prevStart[i] : curStart[i - 1]);
    }
    if (cur[m] <= k) return [curStart[m], j];
    prev = cur;
    prevStart = curStart;
  }
  return undefined;
}

/**
 * Spans of `text` holding one of the file's identifiers as OCR reads it. Three-character needles
 * must stand as a word of their own (a surname "LEE" is not in "SLEEP"); longer ones are found
 * anywhere, since a caret read as a letter glues name components together ("JANSENAMARIA").
 */
export function fuzzyKnownSpans(text: string, ctx: PreparedContext): Span[] {
  let needles = ctx.cache.get('ocr-needles') as Needle[] | undefined;
  if (!needles) ctx.cache.set('ocr-needles', (needles = ocrNeedles(ctx.known)));
  if (needles.length === 0) return [];
  const { form, at } = ocrForm(text);
  const spans: Span[] = [];
  for (const n of needles) {
    if (n.form.length > form.length + 1) continue;
    const add = (a: number, b: number): boolean => {
      const start = at[a];
      const end = at[b - 1] + 1;
      if (n.form.length < 4 && (isWordChar(text[start - 1]) || isWordChar(text[end]))) return false;
      spans.push({ start, end, label: n.label, score: 0.95, detector: 'header' });
      return true;
    };
    if (n.form.length >= FUZZY_FROM) {
      const hit = approxFind(form, n.form, 1);
      if (hit) add(hit[0], hit[1]);
    } else for (let a = form.indexOf(n.form); a >= 0 && !add(a, a + n.form.length); a = form.indexOf(n.form, a + 1));
  }
  return spans;
}
