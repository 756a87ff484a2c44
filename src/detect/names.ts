// Dictionary names: tokens from first- and last-name lists, kept only with a cue (a title, "Dr.",
// "pt"), a neighbouring name, or a capital that is not a sentence's first word, so that
// descriptive text survives.
import { fold } from './fold.js';
import { nameLists } from './name-lists.js';
import type { Detector, Span } from './types.js';

/** Words after which a capitalised word is a person (folded, without the dot). */
const CUES = new Set(
  'dr drs dra prof mr mrs ms miss mx sir madam pt patient patiente patientin patiënt pat mevr mevrouw dhr heer de_heer frau herr fr hr m mme mlle monsieur madame docteur doctor nurse zr zuster sister broeder dokter arzt ärztin arts physician radiologist referring referrer by per door von par signed verified dictated attending cc ref'.split(' '),
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
  sentenceStart: boolean;
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const word = m[0].replace(/\.$/, '');
    const before = text.slice(Math.max(0, m.index - 3), m.index);
    out.push({
      start: m.index,
      end: m.index + word.length,
      word,
      key: fold(word),
      cap: /^\p{Lu}/u.test(word),
      initial: /^\p{Lu}$/u.test(word) && m[0].endsWith('.'),
      sentenceStart: m.index === 0 || /[.!?:;]\s*$|\n\s*$/.test(before),
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
      let knownCount = known(t) ? 1 : 0;
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
      const words = j - i + 1;
      let score = 0;
      if (cue) score = 0.9;
      else if (knownCount >= 2 || (knownCount >= 1 && words >= 2 && plainCount >= 1)) score = 0.85;
      else if (!upper && plainCount >= 1 && !t.sentenceStart) score = 0.7;
      if (score > 0) spans.push({ start: t.start, end: toks[j].end + (toks[j].initial ? 1 : 0), label: 'PERSON', score, detector: 'names' });
      i = j + 1;
    }
    return spans;
  },
};
