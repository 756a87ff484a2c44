// Identifiers in burned-in text as the recogniser reads it (src/detect/burned-in.ts, fuzzy.ts): the
// forms scanners burn names, labels and dates in, the file's own identifiers read with OCR's
// confusions, and the annotations that must stay.
import t from 'tap';
import { burnedInSpans, fuzzyKnownSpans, knownIdentifiers, ocrForm, prepareContext, type Span } from '../src/detect/index.js';
import { approxFind } from '../src/detect/fuzzy.js';

/** A context knowing the file's own identifiers (as fileDetectContext reads them from the header). */
const header: Record<number, string> = {
  0x00100010: 'PIETERSEN^JOHNATHAN', // PatientName
  0x00100020: '48291734', // PatientID
  0x00080050: 'A552130', // AccessionNumber
  0x00100030: '19600102', // PatientBirthDate
};
const withHeader = () => prepareContext({ known: knownIdentifiers((tag) => header[tag]) });
const bare = () => prepareContext({});

/** The text the spans cover, joined (for messages and checks). */
const covered = (text: string, spans: Span[]): string => spans.map((s) => text.slice(s.start, s.end)).join(' | ');

t.test('burnedInSpans on a caret name read with the caret misread → one PERSON span over both components', async (t) => {
  for (const text of ['DOE^JOHN', 'JANSEN"MARIA', 'OKONKWO ~“ TOMASZ', 'SMITH™ANNA', 'SMITH” CHIDI', 'MULLER*LUC']) {
    const spans = burnedInSpans(text, bare());
    t.ok(
      spans.some((s) => s.label === 'PERSON' && s.start === 0 && s.end === text.length),
      `${text}: ${covered(text, spans)}`,
    );
  }
});

t.test('burnedInSpans on "SURNAME, GIVEN" → PERSON; "Surname, Given" only as the whole row', async (t) => {
  t.ok(burnedInSpans('OKONKWO, MARIA', bare()).some((s) => s.label === 'PERSON'));
  t.ok(burnedInSpans('GARCIA,LINH', bare()).some((s) => s.label === 'PERSON'));
  t.ok(burnedInSpans('Okonkwo, Maria', bare()).some((s) => s.label === 'PERSON'));
  t.same(burnedInSpans('Left, Lateral view 3', bare()), [], 'a list of capitalised words in a longer row is no name');
});

t.test('burnedInSpans on labelled values → the span runs from the label over its value', async (t) => {
  const cases: [string, string][] = [
    ['Name: DOE JOHN', 'PERSON'],
    ['Pat: Doe John', 'PERSON'],
    ['Patient Name DOE', 'PERSON'],
    ['ID 12345678', 'ID'],
    ['ID: 69 563', 'ID'],
    ['MRN 83072376', 'ID'],
    ['Acc# 552130', 'ID'],
    ['ACC 086259', 'ID'],
    ['DOB 01/02/1960', 'DATE'],
    ['DOB 070 1985', 'DATE'],
    ['D.O.B. 3 Jan 1960', 'DATE'],
  ];
  for (const [text, label] of cases) {
    const spans = burnedInSpans(text, bare());
    t.ok(
      spans.some((s) => s.label === label && s.start === 0 && s.end === text.length),
      `${text} → ${label} over label and value (${covered(text, spans)})`,
    );
  }
});

t.test('burnedInSpans on dates with misread or missing digits → DATE', async (t) => {
  for (const text of ['12/O3/196l', '62/03/260¢', '05 11/1949', '1960-01', '13/04/1942', '3 Jan 1960']) {
    t.ok(
      burnedInSpans(text, bare()).some((s) => s.label === 'DATE'),
      text,
    );
  }
});

t.test('burnedInSpans on ultrasound annotations, depth scales and probe names → nothing', async (t) => {
  const notes = ['ABD', '5 cm', 'L', 'TIS 0.4', 'MI 1.1', 'TIs 0.2', 'GAIN 52', 'L12-5', 'C5-1', 'DEPTH 4cm', '12 cm', 'RT KIDNEY', 'LYMPH NODE', 'TRANSVERSE', 'CINE 0118'];
  for (const text of [...notes, '0 5 10 15 20', 'FR 32Hz', '2D 65% C 50', 'PATIENT POSITION HFS', 'RIGHT LOBE LONG', 'THYROID', 'Frq 5.0MHz'])
    t.same(covered(text, burnedInSpans(text, withHeader())), '', text);
});

t.test('the file’s own identifiers read with OCR confusions → found; one edit allowed from six characters', async (t) => {
  const ctx = withHeader();
  const found = (text: string): string | undefined => fuzzyKnownSpans(text, ctx)[0]?.label;
  t.equal(found('PIETERSEN'), 'PERSON', 'a name component on its own, no caret, no cue');
  t.equal(found('P1ETERSEN'), 'PERSON', '1 for I');
  t.equal(found('J0HNATHAN'), 'PERSON', '0 for O');
  t.equal(found('JOHNATAN'), 'PERSON', 'one glyph dropped');
  t.equal(found('PIETERSENAJOHNATHAN'), 'PERSON', 'the caret read as a letter');
  t.equal(found('4829l734'), 'ID', 'l for 1');
  t.equal(found('48291735'), 'ID', 'one digit misread');
  t.equal(found('A55213O'), 'ID', 'the accession number, O for 0');
  t.equal(found('02/01/1960'), 'DATE', 'the birth date in a written form');
  t.equal(found('O2.0l.l960'), 'DATE', 'the birth date with misread digits');
  t.equal(found('48261935'), undefined, 'two edits: another number');
  t.equal(found('PETERSON'), undefined, 'another name');
  t.equal(found('GAIN 52'), undefined);
});

t.test('ocrForm and approxFind → confusable glyphs made one; a match within k edits, with where it starts', async (t) => {
  t.equal(ocrForm('J0hn-5MITH 1').form, ocrForm('JOHN SMITH I').form);
  t.same(approxFind('xxjohnatanxx', 'johnathan', 1), [2, 10]);
  t.equal(approxFind('xxjohnxx', 'johnathan', 1), undefined);
});
