// First- and last-name lists of English, Dutch, German and French, from @faker-js/faker's locale
// data (a maintained package that ships its data: nothing is fetched). Loaded on first use only,
// so runs that clean no text never pay for them.
import { createRequire } from 'node:module';
import { fold } from './fold.js';

const LOCALES = ['en', 'nl', 'nl_BE', 'de', 'de_AT', 'de_CH', 'fr', 'fr_BE', 'fr_CH'] as const;
/** Common words of these languages, so that "Will", "Mark" or "Rose" at a sentence start are not names. */
const WORD_LOCALES = ['en', 'de', 'fr'] as const;

/** Clinical words that the name lists also hold (a surname "Hand", a first name "Chase"…). */
const CLINICAL =
  'january february march april may june july august september october november december monday tuesday wednesday thursday friday saturday sunday mei juni juli augustus maart mars avril mai juin juillet août mark will bill rose grace hope faith joy hunter king white green brown gray grey young page bell love rich sharp best summer winter autumn spring dawn rain sky star river brook dale glen hall wood hill lane ward mason porter carter baker cook brain hand post head neck spine chest heart lung liver knee hip foot arm leg back side left right follow study scan series exam view contrast mass line long short small large normal stable early late acute bone body cell field wall base lobe core port pole stent valve graft shunt clip plate screw nail pin wire tube drain cyst node duct vein sinus joint disc disk dens cord root nerve kopf hals brust bauch becken knie fuss fuß herz lunge leber niere schädel schaedel schulter hüfte huefte bein protokoll sequenz serie hoofd borst buik bekken knie voet hart long lever nier schouder heup been tête tete cou poitrine ventre bassin genou pied coeur cœur poumon foie rein épaule epaule hanche jambe'.split(
    ' ',
  );

type Raw = Record<string, Record<string, unknown> | undefined>;

export interface NameLists {
  first: Set<string>;
  last: Set<string>;
  /** Common words: a name-list word that is also one of these needs a cue or a neighbour. */
  common: Set<string>;
}

let lists: NameLists | undefined;

const values = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : v && typeof v === 'object' ? Object.values(v).flatMap(values) : []);

export function nameLists(): NameLists {
  if (lists) return lists;
  const require = createRequire(import.meta.url);
  const raw = (l: string): Raw => (require(`@faker-js/faker/locale/${l}`) as { faker: { rawDefinitions: Raw } }).faker.rawDefinitions;
  const first = new Set<string>();
  const last = new Set<string>();
  const common = new Set<string>(CLINICAL);
  for (const l of LOCALES) {
    const p = raw(l).person ?? {};
    for (const n of [...values(p.first_name), ...values(p.middle_name)]) first.add(fold(n));
    for (const n of values(p.last_name)) last.add(fold(n));
  }
  for (const l of WORD_LOCALES) for (const w of values(raw(l).word)) if (!/\s/.test(w)) common.add(fold(w));
  lists = { first, last, common };
  return lists;
}

/** Whether the lists were loaded in this thread (runs that clean no text never load them). */
export const nameListsLoaded = (): boolean => lists !== undefined;
