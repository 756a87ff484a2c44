/**
 * Test helpers for the de-identification engine: the Basic Profile as an EngineProfile built
 * straight from profiles/basic.json (independently of the profile loader), an env with a fixed
 * test key, and a buffer-in, buffer-out run.
 */
import { readFileSync } from 'node:fs';
import { deidentify, type DeidResult } from '../../src/deid/engine.js';
import { createDeidEnv } from '../../src/deid/env.js';
import type { DeidEnv } from '../../src/deid/state.js';
import type { EngineProfile, OptionName, Rule } from '../../src/deid/types.js';
import { parseDicom, serializeDicom } from '../../src/dicom/file.js';
import { fromRoot } from './root.js';

/** The fixed secret of the tests (32 bytes). */
export const TEST_KEY = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');
/** Another secret, for "different secret → different output" checks. */
export const OTHER_KEY = Buffer.from('ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100', 'hex');

/** Every option of PS3.15 Table E.1-1, in the order of the table's columns and E.3. */
export const ALL_OPTIONS: OptionName[] = [
  'cleanPixelData',
  'cleanRecognizableVisualFeatures',
  'cleanGraphics',
  'cleanStructuredContent',
  'cleanDescriptors',
  'retainLongFullDates',
  'retainLongModifiedDates',
  'retainPatientCharacteristics',
  'retainDeviceIdentity',
  'retainUIDs',
  'retainSafePrivate',
  'retainInstitutionIdentity',
];

let basicRules: Rule[] | undefined;

/** The rules of profiles/basic.json (one per row of Table E.1-1), read once. */
export function basicRulesFromFile(): Rule[] {
  basicRules ??= (JSON.parse(readFileSync(fromRoot('profiles/basic.json'), 'utf8')) as { rules: Rule[] }).rules;
  return basicRules;
}

/** The Basic Application Level Confidentiality Profile with the given options. */
export function basicProfile(options: OptionName[] = []): EngineProfile {
  return {
    name: 'basic',
    layers: [{ profile: 'basic', rules: basicRulesFromFile() }],
    options: [...options],
    defaults: { public: 'K', unknownPublic: 'X', private: 'X' },
    pseudonyms: { patientIdPrefix: 'ANON', dateShiftDays: { min: -3650, max: -1 } },
    marks: true,
  };
}

/** An env for the Basic Profile (or any profile) with the fixed test key. */
export function basicEnv(options: OptionName[] = [], key: Buffer = TEST_KEY): DeidEnv {
  return createDeidEnv(basicProfile(options), { key });
}

export function envFor(profile: EngineProfile, key: Buffer = TEST_KEY): DeidEnv {
  return createDeidEnv(profile, { key });
}

/** Parses, de-identifies and serialises one file held in memory. */
export function deidBuffer(buf: Buffer, env: DeidEnv): { out: Buffer; result: DeidResult } {
  const f = parseDicom(buf);
  const result = deidentify(f, env);
  return { out: serializeDicom(f), result };
}
