// The rules detector: regular shapes, checksums and cue words, no lists and no model.
import type { Detector, Span } from '../types.js';
import { findAddresses } from './address.js';
import { findAges } from './age.js';
import { findContacts } from './contact.js';
import { findDates } from './dates.js';
import { findIds } from './ids.js';
import { findNationalIds } from './national-id.js';

/** Digits-free text has none of these shapes but e-mail, URL and street names: a cheap pre-check. */
const HAS_DIGIT = /\d/;

export const rulesDetector: Detector = {
  detect(text: string): Span[] {
    if (!HAS_DIGIT.test(text)) return text.includes('@') || /www\.|https?:/i.test(text) ? findContacts(text) : [];
    return [...findNationalIds(text), ...findContacts(text), ...findDates(text), ...findAges(text), ...findAddresses(text), ...findIds(text)];
  },
};
