/**
 * src/detect: each detector on the forms it must find and the clinical text it must leave, the
 * national-ID checksums, span merging, replacement within VR limits, settings, and the optional
 * language-model detector against a fake OpenAI-compatible server on loopback.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import t from 'tap';
import {
  DETECTOR_NAMES,
  DETECTORS,
  detectIdentifiers,
  knownIdentifiers,
  LABELS,
  mergeSpans,
  replaceSpans,
  resolveSettings,
  settingsFromFlags,
  withDetectFlags,
  type DetectContext,
  type Span,
} from '../src/detect/index.js';
import { dateForms, personForms } from '../src/detect/header.js';
import { isBsn, isNir, isSsn } from '../src/detect/rules/national-id.js';

const only = (...detectors: (typeof DETECTOR_NAMES)[number][]): DetectContext => ({ settings: { detectors } });
const labels = (text: string, ctx: DetectContext = {}): string[] => detectIdentifiers(text, ctx).map((s) => `${s.label}:${text.slice(s.start, s.end)}`);
const cleaned = (text: string, ctx: DetectContext = {}): string => replaceSpans(text, detectIdentifiers(text, ctx), { mode: 'label' });
const DOE: DetectContext = { known: [{ label: 'PERSON', value: 'Doe^John A.', personName: true }] };

t.test('detector registry → one module per detector name', async (t) => {
  t.same(Object.keys(DETECTORS).sort(), [...DETECTOR_NAMES].sort());
});

t.test('measured case "John Doe follow-up, tel 555-867-5309" with the file’s own name → name and phone gone, "follow-up" kept', async (t) => {
  t.equal(cleaned('John Doe follow-up, tel 555-867-5309', DOE), '[PERSON] follow-up, tel [PHONE]');
  t.equal(cleaned('John Doe follow-up, tel 555-867-5309'), '[PERSON] follow-up, tel [PHONE]', 'without the header too (name lists, phone rule)');
});

t.test('header detector on the forms of a patient name → every form found, case- and accent-insensitively', async (t) => {
  const ctx: DetectContext = { known: [{ label: 'PERSON', value: 'Müller^José', personName: true }], settings: { detectors: ['header'] } };
  for (const text of ['MULLER', 'jose muller', 'Müller, José', 'J. Müller', 'José Müller']) t.same(labels(text, ctx), [`PERSON:${text}`], text);
  t.same(labels('Mullerian duct', ctx), [], 'a word that only starts with the name is kept');
  t.ok(personForms('Doe^John^A.').includes('J. Doe'));
  t.ok(personForms('Doe^John^A.').includes('J.A.D.'));
});

t.test('knownIdentifiers from a reader of header values → the attributes present, labelled', async (t) => {
  const header: Record<number, string> = { 0x00100010: 'Doe^John', 0x00100030: '19800315', 0x00080080: 'Hospital X' };
  t.same(
    knownIdentifiers((tag) => header[tag]),
    [
      { label: 'PERSON', value: 'Doe^John', personName: true },
      { label: 'DATE', value: '19800315', personName: undefined },
      { label: 'ORGANIZATION', value: 'Hospital X', personName: undefined },
    ],
  );
});

t.test('header detector on a birth date, an ID and an accession number → found in their written forms', async (t) => {
  const ctx: DetectContext = {
    known: [
      { label: 'DATE', value: '19800315' },
      { label: 'ID', value: 'PID-12345' },
      { label: 'ID', value: 'ACC778899' },
    ],
    settings: { detectors: ['header'] },
  };
  t.same(labels('born 15.03.1980, id PID12345 (acc778899)', ctx), ['DATE:15.03.1980', 'ID:PID12345', 'ID:acc778899']);
  t.ok(dateForms('19800315').includes('3/15/1980'));
  t.ok(dateForms('19800315').includes('15 mar 1980'));
});

t.test('rules detector on dates in four languages → found; a year or a dose alone → kept', async (t) => {
  const r = only('rules');
  for (const d of ['2019-03-01', '01/03/2019', '1.3.19', '12 March 2019', 'March 12, 2019', '12 maart 2019', '12. März 2019', '1er janvier 2019', '19850101']) {
    t.same(labels(`seen ${d} again`, r), [`DATE:${d}`], d);
  }
  t.same(labels('follow-up since 2019, 4500 rad in 15 sessions, 100 kV', r), [], 'no date, no identifier');
});

t.test('rules detector on ages → over 89 found, 89 and under kept', async (t) => {
  const r = only('rules');
  t.same(labels('a 92-year-old man', r), ['AGE:92-year-old']);
  t.same(labels('patiënt van 95 jaar', r), ['AGE:95 jaar']);
  t.same(labels('This 78-year-old gentleman', r), []);
});

t.test('rules detector on phones, e-mail and URLs → found; sizes and doses kept', async (t) => {
  const r = only('rules');
  t.same(labels('tel 555-867-5309', r), ['PHONE:555-867-5309']);
  t.same(labels('bel +31 6 12345678 of 020-1234567', r), ['PHONE:+31 6 12345678', 'PHONE:020-1234567']);
  t.same(labels('Fax: (212) 555-0100', r), ['PHONE:(212) 555-0100']);
  t.same(labels('mail j.doe@example.org or see https://pacs.example.org/view?id=1.', r), ['EMAIL:j.doe@example.org', 'URL:https://pacs.example.org/view?id=1']);
  t.same(labels('matrix 512 x 512, slice 1.25 mm, 120 kV', r), []);
});

t.test('rules detector on addresses and postcodes → found', async (t) => {
  const r = only('rules');
  t.same(labels('Kerkstraat 12a, 1234 AB Utrecht', r), ['ADDRESS:Kerkstraat 12a', 'POSTCODE:1234 AB']);
  t.same(labels('lives at 221B Baker Street', r), ['ADDRESS:221B Baker Street']);
  t.same(labels('Hauptstraße 5, 10115 Berlin', r), ['ADDRESS:Hauptstraße 5', 'POSTCODE:10115']);
  t.same(labels('12, rue de la Paix', r), ['ADDRESS:12, rue de la Paix']);
});

t.test('national ID checksums → valid BSN, SSN and NIR found; the same shapes failing the check kept', async (t) => {
  t.ok(isBsn('111222333'));
  t.notOk(isBsn('111222334'));
  t.ok(isSsn('123', '45', '6789'));
  t.notOk(isSsn('666', '45', '6789'));
  t.ok(isNir('1850578006084' + '91'));
  t.notOk(isNir('1850578006084' + '90'));
  const r = only('rules');
  t.same(labels('BSN 111222333', r), ['NATIONAL_ID:111222333']);
  t.same(labels('SSN 123-45-6789', r), ['NATIONAL_ID:123-45-6789']);
  t.notOk(
    labels('ref 000-12-3456', r).some((l) => l.startsWith('NATIONAL_ID')),
    'area 000 is no SSN',
  );
});

t.test('rules detector on record numbers → cued and code-shaped IDs found; sequence names kept', async (t) => {
  const r = only('rules');
  t.same(labels('exam #MRN-4455667b', r), ['ID:MRN-4455667b']);
  t.same(labels('Patient ID: 7788123', r), ['ID:7788123']);
  t.same(labels('T1W MPRAGE sag 3D', r), []);
});

t.test('names detector → names with cues, pairs and mid-sentence capitals found; clinical words and sentence-initial words kept', async (t) => {
  const n = only('names');
  t.same(labels('Seen by Dr. Xylander today', n), ['PERSON:Xylander'], 'an unknown name after a title');
  t.same(labels('discussed with Pieter de Vries and Sophie', n), ['PERSON:Pieter de Vries', 'PERSON:Sophie']);
  t.same(labels('Mark the lesion. Will follow up in May.', n), []);
  t.same(labels('CT CHEST WITH CONTRAST', n), []);
  t.same(labels('CT HEAD JOHN SMITH', n), ['PERSON:JOHN SMITH'], 'two list names in capitals');
});

t.test('NER detector (compromise) → people found', async (t) => {
  t.same(labels('The report was signed by Jane Goodall yesterday.', only('ner')), ['PERSON:Jane Goodall']);
});

t.test('overlapping spans → one span, the most confident label, both extents', async (t) => {
  const a: Span = { start: 0, end: 10, label: 'ADDRESS', score: 0.8, detector: 'rules' };
  const b: Span = { start: 5, end: 12, label: 'PERSON', score: 0.99, detector: 'header' };
  t.same(mergeSpans([a, b]), [{ ...b, start: 0, end: 12 }]);
});

t.test('replacement modes → label, surrogate or mask; over the VR limit → asterisks of the same length', async (t) => {
  const text = 'Doe seen';
  const spans: Span[] = [{ start: 0, end: 3, label: 'PERSON', score: 1, detector: 'header' }];
  t.equal(replaceSpans(text, spans, { mode: 'label' }), '[PERSON] seen');
  t.equal(replaceSpans(text, spans, { mode: 'mask' }), '*** seen');
  const s = replaceSpans(text, spans, { mode: 'surrogate' });
  t.match(s, /^[A-Z][a-z]+ seen$/);
  t.notMatch(s, /Doe/);
  t.equal(replaceSpans(text, spans, { mode: 'label', maxLength: 10 }), '*** seen', 'a placeholder longer than the limit allows');
  const phone: Span[] = [{ start: 4, end: 16, label: 'PHONE', score: 1, detector: 'rules' }];
  t.match(replaceSpans('tel 555-867-5309', phone, { mode: 'surrogate' }), /^tel \d{3}-\d{3}-\d{4}$/, 'a phone surrogate keeps the format');
});

t.test('pii types chosen → only those kinds found', async (t) => {
  t.same(labels('John Doe, tel 555-867-5309', { ...DOE, settings: { piiTypes: ['PHONE'] } }), ['PHONE:555-867-5309']);
});

t.test('settings from flags → checked; unknown names refused; llm needs URL and model', async (t) => {
  t.same(settingsFromFlags({ detect: ['rules,names'], piiTypes: ['person'] }), { detectors: ['rules', 'names'], piiTypes: ['PERSON'] });
  t.same(settingsFromFlags({ detect: [] })?.detectors, ['header', 'rules', 'names'], 'a bare --detect: the defaults');
  t.throws(() => settingsFromFlags({ detect: ['spacy'] }), /unknown detector spacy/);
  t.throws(() => settingsFromFlags({ piiTypes: ['SHOE_SIZE'] }), /unknown PII type SHOE_SIZE/);
  t.throws(() => settingsFromFlags({ llmUrl: 'http://127.0.0.1:1' }), /both --llm-url and --llm-model/);
  t.throws(() => resolveSettings({ detectors: ['llm'] }), /needs a URL and a model/);
  t.equal(resolveSettings(undefined, undefined), undefined, 'no section, no flags: no detection');
  t.same(withDetectFlags({ name: 'p', detect: { replacement: 'mask' as const } }, { detectors: ['rules'] }), { name: 'p', detect: { replacement: 'mask', detectors: ['rules'] } });
  t.equal(LABELS.length, 11);
});

/**
 * A fake OpenAI-compatible server on loopback, in a child process (the detector blocks this thread
 * while it waits): it answers with the entities it is given and prints each request it gets.
 */
async function fakeModel(entities: unknown): Promise<{ url: string; requests: { url?: string; model?: string; auth?: string }[]; close: () => void }> {
  const script = `
    const http = require('node:http');
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        let model;
        try { model = JSON.parse(body).model; } catch {}
        console.log(JSON.stringify({ url: req.url, model, auth: req.headers.authorization }));
        if (req.url !== '/v1/chat/completions') return res.writeHead(404).end();
        const content = 'Here you are: ' + JSON.stringify({ entities: ${JSON.stringify(entities)} });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ choices: [{ message: { role: 'assistant', content } }] }));
      });
    });
    server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const requests: { url?: string; model?: string; auth?: string }[] = [];
  const port = await new Promise<number>((resolve) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line) as { port?: number; url?: string };
      if (msg.port) resolve(msg.port);
      else requests.push(msg);
    });
  });
  return { url: `http://127.0.0.1:${port}/v1`, requests, close: () => void child.kill() };
}

t.test('llm detector against a fake OpenAI-compatible server on loopback → its entities become spans; model and token sent', async (t) => {
  process.env.ANON_TEST_LLM_TOKEN = 'sekrit';
  const fake = await fakeModel([
    { text: 'Zyx Quorble', label: 'PERSON' },
    { text: 'not in the text', label: 'PERSON' },
    { text: 'x', label: 'SHOE_SIZE' },
  ]);
  t.teardown(fake.close);
  const text = 'Discussed with Zyx Quorble, follow-up in 3 months';
  const spans = detectIdentifiers(text, { settings: { detectors: ['llm'], llm: { url: fake.url, model: 'tiny-test', apiKeyEnv: 'ANON_TEST_LLM_TOKEN' } } });
  t.same(spans, [{ start: 15, end: 26, label: 'PERSON', score: 0.8, detector: 'llm' }]);
  await new Promise((r) => setTimeout(r, 50)); // the child's log line
  t.same(fake.requests, [{ url: '/v1/chat/completions', model: 'tiny-test', auth: 'Bearer sekrit' }]);
});

t.test('llm detector whose server fails → an error, never a silent pass', async (t) => {
  const fake = await fakeModel([]);
  t.teardown(fake.close);
  t.throws(() => detectIdentifiers('some text', { settings: { detectors: ['llm'], llm: { url: `${fake.url}/nowhere`, model: 'm' } } }), /HTTP 404/);
});
