// "Apply to all images like this one": a mask rule keyed by the image's manufacturer, model, size
// and SOP class, saved into a profile the reviewer names (a file in the review's profiles folder).
// The document is checked against profiles/schema.json before it is written, and the whole chain
// (its `extends`) after; a profile that would not load is never left behind.

import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DicomFile } from '../dicom/part10.js';
import { readImageInfo } from '../pixel/index.js';
import { readStrings } from '../pixel/image.js';
import { validateProfileFile } from '../profile/load.js';
import { checkProfileDocument } from '../profile/validate.js';
import * as T from '../dicom/tags.generated.js';
import { ReviewError } from './errors.js';
import type { Box } from './types.js';

/** A profile name is also its file name: letters, digits, dash, underscore; no path, no dot. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export interface MaskRuleDoc {
  name: string;
  when: { attribute: string; equals: string }[];
  regions: { x: number; y: number; width: number; height: number; frames?: number[] }[];
}

/** The rule for images like `f`: every key attribute it has must be equal. */
export function maskRuleFor(f: DicomFile, boxes: Box[]): MaskRuleDoc {
  const info = readImageInfo(f);
  const keys: [string, string | undefined][] = [
    ['Manufacturer', readStrings(f, T.Manufacturer)[0]],
    ['ManufacturerModelName', readStrings(f, T.ManufacturerModelName)[0]],
    ['SOPClassUID', readStrings(f, T.SOPClassUID)[0]],
    ['Rows', String(info.rows)],
    ['Columns', String(info.columns)],
  ];
  const when = keys.filter((k): k is [string, string] => k[1] !== undefined && k[1] !== '').map(([attribute, equals]) => ({ attribute, equals }));
  const label = [keys[0][1], keys[1][1], `${info.columns}x${info.rows}`].filter(Boolean).join(' ');
  return {
    name: `review: ${label}`,
    when,
    regions: boxes.map((b) => ({ x: b.x, y: b.y, width: b.width, height: b.height, ...(b.frame ? { frames: [b.frame] } : {}) })),
  };
}

/**
 * Adds the rule to profile `name` in `dir` (created extending `base`, with the Clean Pixel Data
 * option), ahead of its earlier rules: the newest review wins. Returns the file written.
 */
export function saveMaskRule(dir: string, name: string, rule: MaskRuleDoc, base: string): string {
  if (!NAME.test(name)) throw new ReviewError('REVIEW_INVALID', `profile name "${name}": use letters, digits, '-' or '_' (at most 64)`);
  if (rule.regions.length === 0) throw new ReviewError('REVIEW_INVALID', 'a mask rule needs at least one rectangle');
  const file = join(dir, `${name}.json`);
  let doc: { name: string; extends?: string; options?: string[]; pixels?: { masks?: unknown[] } } & Record<string, unknown>;
  if (existsSync(file)) {
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ReviewError('REVIEW_INVALID', `profile ${name} exists and is not JSON: ${(e as Error).message}`);
    }
  } else {
    doc = { name, description: `Mask rules saved from the review page (extends ${base}).`, extends: base, options: ['cleanPixelData'] };
  }
  doc.pixels = { ...(doc.pixels ?? {}), masks: [rule, ...(doc.pixels?.masks ?? [])] };
  const checked = checkProfileDocument(doc, file);
  if (checked.errors.length) throw new ReviewError('REVIEW_INVALID', `profile ${name}: ${checked.errors.map((e) => e.message).join('; ')}`);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${name}.json.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(doc, null, 2) + '\n', { mode: 0o644 });
  const chain = validateProfileFile(tmp);
  if (chain.length) {
    unlinkSync(tmp);
    throw new ReviewError('REVIEW_INVALID', `profile ${name}: ${chain.map((e) => e.message).join('; ')}`);
  }
  renameSync(tmp, file);
  return file;
}
