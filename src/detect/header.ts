// Header-informed detector: every component and common written form of the file's own
// identifiers (patient name parts, initials, IDs, birth date, accession number, physicians,
// institution), matched as whole words, case- and accent-insensitively.
import { fold, isWordChar } from './fold.js';
import type { Detector, KnownIdentifier, Label, PreparedContext, Span } from './types.js';

/** Name particles too common to stand for a person on their own. */
const PARTICLES = new Set(['van', 'der', 'den', 'de', 'la', 'le', 'du', 'des', 'von', 'zu', 'di', 'da', 'del', 'ten', 'ter', 'het', 'mr', 'mrs', 'ms', 'dr', 'jr', 'sr']);

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** The written forms of a person name (DICOM PN: family^given^middle^prefix^suffix). */
export function personForms(pn: string): string[] {
  const forms = new Set<string>();
  for (const group of pn.split('=')) {
    const [family = '', given = '', middle = ''] = group.split('^').map((s) => s.trim());
    const words = [family, given, middle].flatMap((c) => c.split(/[\s,]+/)).map((w) => w.replace(/\.$/, ''));
    for (const w of words) if (w.length >= 2 && !PARTICLES.has(fold(w))) forms.add(w);
    for (const c of [family, given]) if (c.length >= 2 && !PARTICLES.has(fold(c))) forms.add(c); // De Graaf, Jean-Marc
    const parts = [given, middle, family].filter(Boolean);
    if (parts.length >= 2) {
      forms.add(parts.join(' '));
      forms.add(`${given} ${family}`.trim());
      forms.add(`${family}, ${given}`);
      forms.add(`${family} ${given}`);
      if (given) forms.add(`${given[0]}. ${family}`);
      if (given) forms.add(`${given[0]}.${family}`);
      const initials = parts.map((p) => p[0]);
      if (initials.length >= 2) forms.add(initials.map((c) => `${c}.`).join(''));
    }
  }
  return [...forms].filter((f) => f.replace(/\W/g, '').length >= 2);
}

/** The written forms of a DA value (yyyymmdd): numeric orders and separators, month names. */
export function dateForms(da: string): string[] {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(da.trim());
  if (!m) return da.trim().length >= 6 ? [da.trim()] : [];
  const [, y, mo, d] = m;
  const forms = new Set<string>([da.trim()]);
  const ds = [d, String(+d)];
  const ms = [mo, String(+mo)];
  for (const sep of ['-', '/', '.', ' ']) {
    forms.add([y, mo, d].join(sep));
    for (const dd of ds)
      for (const mm of ms) {
        forms.add([dd, mm, y].join(sep));
        forms.add([mm, dd, y].join(sep));
      }
  }
  const mon = MONTHS[+mo - 1];
  if (mon) for (const dd of ds) forms.add(`${dd} ${mon} ${y}`).add(`${mon} ${dd}, ${y}`).add(`${mon} ${dd} ${y}`);
  return [...forms];
}

/** The forms of an ID: as written and without separators. */
const idForms = (v: string): string[] => {
  const t = v.trim();
  if (t.length < 3) return [];
  const bare = t.replace(/[\s.\-/]/g, '');
  return bare !== t && bare.length >= 3 ? [t, bare] : [t];
};

function forms(k: KnownIdentifier): string[] {
  const values = k.value
    .split('\\')
    .map((s) => s.trim())
    .filter(Boolean);
  if (k.personName) return values.flatMap(personForms);
  if (k.label === 'DATE') return values.flatMap(dateForms);
  if (k.label === 'ID' || k.label === 'NATIONAL_ID') return values.flatMap(idForms);
  // addresses, institutions: the whole value and its longer words
  return values.flatMap((v) => [v, ...v.split(/[\s,^]+/).filter((w) => w.length >= 4 && !/^\d+$/.test(w))]);
}

/** Folded forms, longest first, with their labels. */
type Compiled = [term: string, label: Label][];

function compile(known: KnownIdentifier[]): Compiled {
  const labels = new Map<string, Label>();
  for (const k of known) {
    for (const f of forms(k)) {
      const key = fold(f).replace(/\s+/g, ' ');
      if (key.length >= 2 && !labels.has(key)) labels.set(key, k.label);
    }
  }
  return [...labels.entries()].sort((a, b) => b[0].length - a[0].length);
}

/**
 * indexOf per form rather than one alternation regex: a file has a few dozen forms and its values
 * are short, and a compiled alternation costs more than it saves (measured in bench/detect.ts).
 */
export const headerDetector: Detector = {
  detect(text: string, ctx: PreparedContext): Span[] {
    let terms = ctx.cache.get('header') as Compiled | undefined;
    if (!terms) ctx.cache.set('header', (terms = compile(ctx.known)));
    if (terms.length === 0) return [];
    const folded = fold(text).replace(/\s/g, ' ');
    const spans: Span[] = [];
    const taken = (start: number, end: number): boolean => spans.some((s) => start < s.end && s.start < end);
    for (const [term, label] of terms) {
      for (let at = folded.indexOf(term); at >= 0; at = folded.indexOf(term, at + 1)) {
        const end = at + term.length;
        if (isWordChar(folded[at - 1]) || isWordChar(folded[end]) || taken(at, end)) continue;
        spans.push({ start: at, end, label, score: 0.99, detector: 'header' });
      }
    }
    return spans;
  },
};
