// Record numbers: MRN-, accession- and patient-number-like codes, by cue or by shape.
import type { Span } from '../types.js';

const CUED =
  /\b(?:MRN|MR#|EPD|PID|ID|Pat(?:ient)?\.?\s?(?:ID|No|Nr|Nummer)|acc(?:ession)?(?:\s?(?:no|nr|number|#))?|dossier(?:nummer)?|patiëntnummer|patnr|nr|no|n°|#)\s*[.:#=]?\s*([A-Z]{0,4}[-/]?\d[\dA-Z/-]{2,})/giu;
/** A code mixing letters and at least four digits (PID12345, MRN-4455667b, AB1234567). */
const CODE = /(?<![\p{L}\p{N}-])(?=[A-Z\d-]*\d{4})[A-Z]{1,5}-?\d[\dA-Z-]{3,}(?![\p{L}\p{N}])/giu;
/** Five or more digits in a row (what cleaning always blanked): likely a record number. */
const DIGITS = /(?<![\p{L}\p{N}.,])\d{5,}(?![\p{L}\p{N}]|[.,]\d)/gu;
/** Codes that carry no identity: sequence and protocol names. */
const NOT_IDS = /^(?:T[12]W?|MP-?RAGE|DWI|ADC|ISO|DIN|ICD|SNOMED|LOINC|RAD|CID|BI-?RADS|PI-?RADS|TI-?RADS|FS|CTA|MRA)\b/i;

export function findIds(text: string): Span[] {
  const spans: Span[] = [];
  for (const m of text.matchAll(CUED)) {
    const code = m[1];
    if (code.replace(/\D/g, '').length < 3) continue;
    spans.push({ start: m.index + m[0].length - code.length, end: m.index + m[0].length, label: 'ID', score: 0.9, detector: 'rules' });
  }
  for (const m of text.matchAll(CODE)) if (!NOT_IDS.test(m[0])) spans.push({ start: m.index, end: m.index + m[0].length, label: 'ID', score: 0.7, detector: 'rules' });
  for (const m of text.matchAll(DIGITS)) spans.push({ start: m.index, end: m.index + m[0].length, label: 'ID', score: 0.6, detector: 'rules' });
  return spans;
}
