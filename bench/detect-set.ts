// The labelled evaluation set of bench/detect.ts, built in code from templates: four languages,
// names from lists of the bench's own (not the detectors'), dates, IDs, phones, addresses, national
// IDs, mixed with clinical text that must survive. Deterministic (seeded).
import type { KnownIdentifier, Label } from '../src/detect/index.js';

export interface Gold {
  start: number;
  end: number;
  label: Label;
  /** The identifier is one of the file's own (the header holds it). */
  inHeader: boolean;
}

export interface Sample {
  lang: Lang;
  text: string;
  gold: Gold[];
  known: KnownIdentifier[];
}

import { FIRST, LAST, type Lang } from './detect-names.js';

const CLINICAL: Record<Lang, string[]> = {
  en: [
    'CT chest with contrast',
    'MRI brain without gadolinium',
    'follow-up of pulmonary nodule',
    'no acute intracranial abnormality',
    'squamous cell carcinoma of the left external ear',
    'mild degenerative changes at L4-L5',
    'stable 4 mm nodule in the right upper lobe',
    'comparison with prior study',
    'Will review with the team',
    'Mark the lesion for biopsy',
    'pain in the right hip for 3 weeks',
    'T1W MPRAGE sagittal 1 mm',
    '4500 rad in 15 sessions at 100 kV',
    'known Parkinson disease, rule out Baker cyst',
    'Hodgkin lymphoma, restaging',
    'Colles fracture of the left wrist',
    'Siemens SOMATOM Force, 120 kV',
    'CT THORAX WITH CONTRAST',
    'Crohn disease of the terminal ileum',
    'Graves disease, thyroid scan',
  ],
  nl: [
    'CT thorax met contrast',
    'MRI hersenen zonder contrast',
    'controle longnodus',
    'geen acute afwijkingen',
    'lichte degeneratieve veranderingen L4-L5',
    'stabiele nodus van 4 mm in de rechter bovenkwab',
    'vergelijking met eerder onderzoek',
    'pijn in de rechterheup sinds 3 weken',
    'echo bovenbuik nuchter',
    'fractuur distale radius links',
    'bekend met ziekte van Parkinson',
    'Philips Ingenia 3T, protocol Hersenen',
    'CT THORAX MET CONTRAST',
    'ziekte van Crohn, controle',
    'Hodgkin lymfoom, herstadiëring',
  ],
  de: [
    'CT Thorax mit Kontrastmittel',
    'MRT Schädel nativ',
    'Verlaufskontrolle Lungenrundherd',
    'kein Nachweis einer akuten Blutung',
    'leichte degenerative Veränderungen LWK 4/5',
    'stabiler Rundherd 4 mm im rechten Oberlappen',
    'Vergleich mit Voruntersuchung',
    'Schmerzen in der rechten Hüfte seit 3 Wochen',
    'Sonographie Oberbauch nüchtern',
    'distale Radiusfraktur links',
    'bekannter Morbus Parkinson',
    'Morbus Crohn, Verlaufskontrolle',
    'Siemens MAGNETOM Vida, Protokoll Kopf',
    'CT THORAX MIT KM',
    'Hodgkin-Lymphom, Restaging',
  ],
  fr: [
    'scanner thoracique avec injection',
    'IRM cérébrale sans gadolinium',
    'contrôle de nodule pulmonaire',
    'pas d’anomalie aiguë',
    'discrètes modifications dégénératives L4-L5',
    'nodule stable de 4 mm du lobe supérieur droit',
    'comparaison avec l’examen antérieur',
    'douleur de la hanche droite depuis 3 semaines',
    'échographie abdominale à jeun',
    'fracture du radius distal gauche',
    'maladie de Parkinson connue',
    'maladie de Crohn, contrôle',
    'GE Revolution, protocole Thorax',
    'SCANNER THORAX INJECTE',
    'lymphome de Hodgkin, bilan',
  ],
};

const TITLES: Record<Lang, string[]> = {
  en: ['Dr.', 'Dr', 'Mr.', 'Mrs.', 'Prof.'],
  nl: ['Dr.', 'dhr.', 'mevr.', 'Prof.'],
  de: ['Dr.', 'Herr', 'Frau', 'Prof.'],
  fr: ['Dr', 'M.', 'Mme', 'Pr'],
};
const SEEN: Record<Lang, string[]> = {
  en: ['seen by', 'discussed with', 'referred by', 'reported by', 'copy to'],
  nl: ['gezien door', 'besproken met', 'verwezen door', 'verslag door', 'kopie aan'],
  de: ['gesehen von', 'besprochen mit', 'überwiesen von', 'befundet von', 'Kopie an'],
  fr: ['vu par', 'discuté avec', 'adressé par', 'compte rendu par', 'copie à'],
};
const STREETS: Record<Lang, (n: number) => string> = {
  en: (n) => `${n} ${['Elm', 'Station', 'Church', 'Mill'][n % 4]} ${['Street', 'Road', 'Lane', 'Avenue'][n % 4]}`,
  nl: (n) => `${['Kerk', 'Molen', 'Stations', 'Dorps'][n % 4]}${['straat', 'laan', 'weg', 'plein'][n % 4]} ${n}`,
  de: (n) => `${['Haupt', 'Bahnhof', 'Schiller', 'Goethe'][n % 4]}${['straße', 'weg', 'platz', 'allee'][n % 4]} ${n}`,
  fr: (n) => `${n}, ${['rue', 'avenue', 'boulevard', 'place'][n % 4]} ${['de la Paix', 'Victor Hugo', 'du Moulin', 'des Lilas'][n % 4]}`,
};
const POSTCODES: Record<Lang, (r: () => number) => string> = {
  en: (r) => `NY ${10000 + Math.floor(r() * 89999)}`,
  nl: (r) => `${1000 + Math.floor(r() * 8999)} ${'ABCDEGHJKLMNPRTVWXZ'[Math.floor(r() * 19)]}${'ABCDEGHJKLMNPRTVWXZ'[Math.floor(r() * 19)]}`,
  de: (r) => `${10000 + Math.floor(r() * 89999)}`,
  fr: (r) => `${10000 + Math.floor(r() * 89999)}`,
};
const MONTHS: Record<Lang, string[]> = {
  en: ['January', 'March', 'June', 'October'],
  nl: ['januari', 'maart', 'juni', 'oktober'],
  de: ['Januar', 'März', 'Juni', 'Oktober'],
  fr: ['janvier', 'mars', 'juin', 'octobre'],
};

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A BSN passing the elfproef. */
function bsn(r: () => number): string {
  for (;;) {
    const d = Array.from({ length: 8 }, () => Math.floor(r() * 10));
    d[0] ||= 1;
    const s = d.reduce((acc, x, i) => acc + (9 - i) * x, 0);
    const last = s % 11;
    if (last < 10) return d.join('') + last;
  }
}

/** A text assembled from parts: strings are kept, tuples are identifiers. */
type Part = string | [string, Label, boolean];

function assemble(parts: Part[]): { text: string; gold: Gold[] } {
  let text = '';
  const gold: Gold[] = [];
  for (const p of parts) {
    if (typeof p === 'string') text += p;
    else {
      gold.push({ start: text.length, end: text.length + p[0].length, label: p[1], inHeader: p[2] });
      text += p[0];
    }
  }
  return { text, gold };
}

export function buildSet(n: number, seed = 17): Sample[] {
  const r = rng(seed);
  const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)];
  const langs: Lang[] = ['en', 'nl', 'de', 'fr'];
  const out: Sample[] = [];
  for (let i = 0; i < n; i++) {
    const lang = langs[i % 4];
    const given = pick(FIRST[lang]);
    const family = pick(LAST[lang]);
    const pid = `${pick(['PID', 'MRN', 'P', ''])}${100000 + Math.floor(r() * 899999)}`;
    const birth = `${1930 + Math.floor(r() * 70)}${String(1 + Math.floor(r() * 12)).padStart(2, '0')}${String(1 + Math.floor(r() * 28)).padStart(2, '0')}`;
    const known: KnownIdentifier[] = [
      { label: 'PERSON', value: `${family}^${given}`, personName: true },
      { label: 'ID', value: pid },
      { label: 'DATE', value: birth },
    ];
    const other = () => `${pick(FIRST[lang])} ${pick(LAST[lang])}`;
    const clinical = pick(CLINICAL[lang]);
    const day = 1 + Math.floor(r() * 28);
    const year = 2000 + Math.floor(r() * 25);
    const numericDate = pick([
      `${day}-${1 + (i % 12)}-${year}`,
      `${year}-${String(1 + (i % 12)).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
      `${day}.${1 + (i % 12)}.${year}`,
      `${day}/${1 + (i % 12)}/${year}`,
    ]);
    const writtenDate = `${day} ${pick(MONTHS[lang])} ${year}`;
    const phone = pick([
      `+31 6 ${10000000 + Math.floor(r() * 89999999)}`,
      `555-${100 + Math.floor(r() * 899)}-${1000 + Math.floor(r() * 8999)}`,
      `0${20 + Math.floor(r() * 70)}-${1000000 + Math.floor(r() * 8999999)}`,
      `+49 30 ${1000000 + Math.floor(r() * 8999999)}`,
      `01 ${10 + Math.floor(r() * 89)} ${10 + Math.floor(r() * 89)} ${10 + Math.floor(r() * 89)} ${10 + Math.floor(r() * 89)}`,
    ]);
    const tel = { en: 'tel', nl: 'tel.', de: 'Tel.', fr: 'tél.' }[lang];
    const birthForms = [
      `${+birth.slice(6)}-${+birth.slice(4, 6)}-${birth.slice(0, 4)}`,
      `${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6)}`,
      `${birth.slice(6)}.${birth.slice(4, 6)}.${birth.slice(0, 4)}`,
    ];
    const templates: Part[][] = [
      [[`${given} ${family}`, 'PERSON', true], ` ${clinical}, ${tel} `, [phone, 'PHONE', false]],
      [`${clinical}; ${pick(SEEN[lang])} ${pick(TITLES[lang])} `, [pick(LAST[lang]), 'PERSON', false], ' ', [writtenDate, 'DATE', false]],
      [`${clinical}, ${pick(SEEN[lang])} `, [other(), 'PERSON', false]],
      [[given, 'PERSON', true], ` (${lang === 'en' ? 'DOB' : lang === 'nl' ? 'geb.' : lang === 'de' ? 'geb.' : 'né le'} `, [pick(birthForms), 'DATE', true], `), ${clinical}`],
      [`${clinical} — `, [family.toUpperCase(), 'PERSON', true], ' ', [pid, 'ID', true]],
      [
        `${clinical}; ${lang === 'en' ? 'address' : lang === 'nl' ? 'adres' : lang === 'de' ? 'Adresse' : 'adresse'} `,
        [STREETS[lang](1 + Math.floor(r() * 200)), 'ADDRESS', false],
        ', ',
        [POSTCODES[lang](r), 'POSTCODE', false],
        lang === 'de' ? ' Berlin' : lang === 'fr' ? ' Lyon' : '',
      ],
      [`${clinical} `, [numericDate, 'DATE', false]],
      [
        `${clinical}; ${lang === 'nl' ? 'BSN ' : lang === 'en' ? 'SSN ' : 'e-mail '}`,
        lang === 'nl'
          ? [bsn(r), 'NATIONAL_ID', false]
          : lang === 'en'
            ? [`${100 + Math.floor(r() * 500)}-${10 + Math.floor(r() * 89)}-${1000 + Math.floor(r() * 8999)}`, 'NATIONAL_ID', false]
            : [
                `${given.toLowerCase().normalize('NFD').replace(/\p{M}/gu, '')}.${family.toLowerCase().replace(/\s/g, '').normalize('NFD').replace(/\p{M}/gu, '')}@example.org`,
                'EMAIL',
                false,
              ],
      ],
      [clinical],
      [`${pick(CLINICAL[lang])}; ${clinical}`],
    ];
    out.push({ lang, known, ...assemble(pick(templates)) });
  }
  return out;
}
