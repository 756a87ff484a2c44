// Street addresses and postcodes (English, Dutch, German, French forms).
import type { Span } from '../types.js';

const CAP = "\\p{Lu}[\\p{L}'’-]+";
const STREET = new RegExp(
  [
    // 221B Baker Street, 12 Elm St.
    `\\b\\d{1,5}[A-Za-z]?\\s+(?:${CAP}\\s+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Boulevard|Blvd|Drive|Dr|Court|Ct|Place|Pl|Square|Sq|Way|Terrace|Crescent|Close)\\b\\.?`,
    // Kerkstraat 12a, Hauptstraße 5, Am Markt 3 (one word ending in a street word)
    `\\b\\p{Lu}[\\p{L}-]*(?:straat|laan|weg|plein|gracht|kade|singel|dijk|steeg|hof|straße|strasse|gasse|platz|allee|ring|ufer|damm)\\s+\\d{1,5}(?:\\s?[a-zA-Z](?![\\p{L}]))?(?:[-/]\\d{1,4})?`,
    // 12, rue de la Paix / 3 bis avenue Victor Hugo
    `\\b\\d{1,4}(?:\\s?(?:bis|ter))?,?\\s+(?:rue|avenue|av\\.|boulevard|bd|place|chemin|allée|impasse|quai|cours|route)\\s+(?:(?:de|du|des|de la|d'|l')\\s*)?(?:${CAP}\\s*){1,3}`,
  ].join('|'),
  'gu',
);

const POSTCODE = new RegExp(
  [
    // NL: 1234 AB (the letters are never SA, SD or SS)
    `\\b[1-9]\\d{3}\\s?(?!SA|SD|SS)[A-Z]{2}\\b`,
    // UK: SW1A 1AA, M1 1AE
    `\\b[A-Z]{1,2}\\d[A-Z\\d]?\\s\\d[A-Z]{2}\\b`,
    // DE, FR (5 digits) or BE, CH, AT (4 digits) before a capitalised place name
    `\\b\\d{4,5}(?=\\s+\\p{Lu}\\p{Ll}{2,})`,
    // US: state code and ZIP
    `\\b(?:AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY)\\s+\\d{5}(?:-\\d{4})?\\b`,
  ].join('|'),
  'gu',
);

export function findAddresses(text: string): Span[] {
  const spans: Span[] = [];
  for (const m of text.matchAll(STREET)) spans.push({ start: m.index, end: m.index + m[0].trimEnd().length, label: 'ADDRESS', score: 0.85, detector: 'rules' });
  for (const m of text.matchAll(POSTCODE)) spans.push({ start: m.index, end: m.index + m[0].length, label: 'POSTCODE', score: 0.8, detector: 'rules' });
  return spans;
}
