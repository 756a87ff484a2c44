// Dictionary names: tokens from first- and last-name lists, kept only with a cue (a title, "Dr.",
// "pt"), a neighbouring name, or a capital that is not a sentence's first word, so that
// descriptive text survives.
import { fold } from './fold.js';
import { nameLists } from './name-lists.js';
import type { Detector, Span } from './types.js';

/** Words after which a capitalised word is a person (folded, without the dot). */
const CUES = new Set(
  'dr drs dra prof mr mrs ms miss mx sir madam pt patient patiente patientin patiënt pat mevr mevrouw dhr heer de_heer frau herr fr hr m mme mlle monsieur madame docteur doctor nurse zr zuster sister broeder dokter arzt ärztin arts physician radiologist referring referrer by per door von par signed verified dictated attending cc ref'.split(
    ' ',
  ),
);
/** Lower-case words inside a name: van der Berg, de la Fontaine, von Goethe. */
const PARTICLES = new Set(['van', 'der', 'den', 'de', 'la', 'le', 'du', 'des', 'von', 'zu', 'di', 'da', 'del', 'ten', 'ter', "d'", 'vd', 'v.d.']);

const TOKEN = /[\p{L}][\p{L}'’-]*\.?/gu;

interface Token {
  start: number;
  end: number;
  word: string;
  key: string;
  cap: boolean;
  initial: boolean;
}

/** The token opens a sentence (or the value): a capital there says nothing. */
const sentenceStart = (text: string, t: Token): boolean => t.start === 0 || /[.!?:;\n]\s*$/.test(text.slice(Math.max(0, t.start - 3), t.start));

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const word = m[0].replace(/\.$/, '');
    out.push({
      start: m.index,
      end: m.index + word.length,
      word,
      key: fold(word),
      cap: /^\p{Lu}/u.test(word),
      initial: /^\p{Lu}$/u.test(word) && m[0].endsWith('.'),
    });
  }
  return out;
}

export const namesDetector: Detector = {
  detect(text: string): Span[] {
    const { first, last, common } = nameLists();
    const toks = tokenize(text);
    const upper = !/\p{Ll}/u.test(text); // all-caps text: capitals say nothing
    const spans: Span[] = [];
    const known = (t: Token): boolean => first.has(t.key) || last.has(t.key);
    const nameLike = (t: Token): boolean => (upper || t.cap) && !CUES.has(t.key);
    let i = 0;
    while (i < toks.length) {
      const t = toks[i];
      const prev = toks[i - 1];
      const cue = prev !== undefined && CUES.has(prev.key) && text.slice(prev.end, t.start).length <= 3;
      if (!(nameLike(t) && (known(t) || cue || t.initial))) {
        i++;
        continue;
      }
      // extend over the following name-like words, initials and particles
      let j = i;
      let knownCount = known(t) || cue ? 1 : 0;
      let plainCount = known(t) && !common.has(t.key) ? 1 : 0;
      while (j + 1 < toks.length && /^[\s,]{0,2}$/.test(text.slice(toks[j].end, toks[j + 1].start).replace(/^\./, ''))) {
        const n = toks[j + 1];
        const particle = PARTICLES.has(n.key) && j + 2 < toks.length && nameLike(toks[j + 2]);
        // an unknown capitalised word after a known name is its surname; in capitals, any word is capitalised
        if (!(particle || (nameLike(n) && (known(n) || n.initial || (knownCount > 0 && !upper))))) break;
        if (text.slice(toks[j].end, n.start).includes(',') && !(known(n) && first.has(n.key))) break;
        if (!particle && common.has(n.key) && !known(n)) break;
        j++;
        if (known(n)) knownCount++;
        if (known(n) && !common.has(n.key)) plainCount++;
      }
      // a capitalised word right before a known surname is its given name ("Imogen Holloway")
      let from = i;
      const before = toks[i - 1];
      if (
        !upper &&
        !cue &&
        before &&
        before.cap &&
        /\p{Ll}/u.test(before.word) &&
        !known(before) &&
        !common.has(before.key) &&
        !CUES.has(before.key) &&
        last.has(t.key) &&
        text.slice(before.end, t.start) === ' ' &&
        !sentenceStart(text, before)
      ) {
        from = i - 1;
      }
      // a device line: a brand in capitals before a model name ("MAGNETOM Vida") is no person
      const brand = !upper && before !== undefined && before.word.length >= 2 && /^\p{Lu}+$/u.test(before.word) && text.slice(before.end, t.start) === ' ';
      const words = j - from + 1;
      let score = 0;
      if (cue) score = 0.9;
      else if (knownCount >= 2 || (knownCount >= 1 && words >= 2 && plainCount >= 1)) score = 0.85;
      else if (from < i) score = 0.8;
      else if (!upper && plainCount >= 1 && !sentenceStart(text, t) && !brand) score = 0.7;
      if (score > 0) spans.push({ start: toks[from].start, end: toks[j].end + (toks[j].initial ? 1 : 0), label: 'PERSON', score, detector: 'names' });
      i = j + 1;
    }
    return spans;
  },
};
