// NER: compromise's person and organisation recognition (a maintained JavaScript NLP library that
// runs offline, its lexicon shipped in the package). English-trained and ~10 ms a value, so it is
// opt-in; loaded on first use.
import { createRequire } from 'node:module';
import type { Detector, Label, Span } from './types.js';

interface Match {
  json(o: { offset: true }): { offset: { start: number; length: number } }[];
}
interface Doc {
  people(): Match;
  organizations(): Match;
}
type Nlp = (text: string) => Doc;

let nlp: Nlp | undefined;

export const nerDetector: Detector = {
  detect(text: string): Span[] {
    nlp ??= createRequire(import.meta.url)('compromise') as Nlp;
    const doc = nlp(text);
    const spans: Span[] = [];
    const add = (m: Match, label: Label, score: number): void => {
      for (const { offset } of m.json({ offset: true })) {
        // compromise's offsets count the trailing punctuation it keeps with a term
        const raw = text.slice(offset.start, offset.start + offset.length);
        const end = offset.start + raw.replace(/[\s.,;:!?)]+$/, '').length;
        if (end > offset.start) spans.push({ start: offset.start, end, label, score, detector: 'ner' });
      }
    };
    add(doc.people(), 'PERSON', 0.75);
    add(doc.organizations(), 'ORGANIZATION', 0.6);
    return spans;
  },
};
