// Loading profiles: read a built-in profile or a JSON file, validate it (validate.ts), follow its
// "extends" chain, and merge the chain into a ResolvedProfile. Everything is synchronous and
// happens before any DICOM file is touched: a bad profile fails the run at load.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { builtinProfileFile, isBuiltinName, listBuiltinProfiles } from './builtins.js';
import { displayPath, ProfileError } from './errors.js';
import type { ActionCode, Detect, MaskRule, Ocr, OptionName, Profile, Rule, Source } from './profile.generated.js';
import { DEFAULT_BURNED_IN_MODALITIES, DEFAULT_BURNED_IN_SOP_CLASSES } from './burned-in.js';
import { checkProfileDocument, EXCLUSIVE_OPTIONS, optionNames } from './validate.js';

export { builtinProfileDir, listBuiltinProfiles } from './builtins.js';
export { ProfileError, type ProfileErrorCode, type ProfileErrorData } from './errors.js';
export type { Action, ActionCode, Condition, Defaults, MaskRule, Match, Ocr, OptionName, Profile, Pseudonyms, Region, Rule, Source } from './profile.generated.js';

export interface ResolvedProfile {
  name: string;
  description?: string;
  /** Most derived first: the profile itself, then what it extends, depth-first in "extends" order.
   *  A profile reached twice (a diamond) keeps only its last place, so it stays behind everything
   *  that extends it. */
  layers: { profile: string; file: string; rules: Rule[] }[];
  /** Union over the chain plus extraOptions, in the schema's OptionName order. */
  options: OptionName[];
  /** Per key, the first layer that sets it wins; fallback K / X / X. */
  defaults: { public: ActionCode; unknownPublic: ActionCode; private: ActionCode };
  /** Per key, the first layer that sets it wins; fallback 'ANON', {min: -3650, max: -1}. */
  pseudonyms: { patientIdPrefix: string; dateShiftDays: { min: number; max: number } };
  /** The first layer that sets it wins; fallback true. */
  marks: boolean;
  /** Mask rules of every layer, most derived first (the first match wins); burned-in policy and lossy handling: first layer that sets them. */
  pixels: ResolvedPixels;
  /** The "source" of every layer that has one, in layer order. */
  sources: Source[];
  /** Finding identifiers inside text: per key, the first layer that sets it wins; absent when no layer has the section. */
  detect?: Detect;
}

export { DEFAULT_BURNED_IN_MODALITIES, DEFAULT_BURNED_IN_SOP_CLASSES } from './burned-in.js';

export interface ResolvedPixels {
  masks: MaskRule[];
  burnedInText: { modalities: string[]; sopClasses: string[] };
  lossy: 'reencode' | 'explicitLittleEndian';
  overlays: 'remove' | 'burnIn';
  /** OCR of burned-in text (first layer that sets it); absent: mask rules only. */
  detect?: 'ocr';
  /** OCR settings, merged per key (the most derived layer wins). */
  ocr?: Ocr;
}

const FALLBACK_DEFAULTS = { public: 'K', unknownPublic: 'X', private: 'X' } as const satisfies ResolvedProfile['defaults'];
const FALLBACK_PSEUDONYMS = { patientIdPrefix: 'ANON', dateShiftDays: { min: -3650, max: -1 } };

interface Layer {
  file: string;
  profile: Profile;
}

interface Resolution {
  errors: ProfileError[];
  /** pre-order visits, before de-duplication */
  visits: Layer[];
  /** parsed documents by absolute file (undefined: unusable), so a diamond is read and reported once */
  seen: Map<string, Profile | undefined>;
}

function notFoundDetail(ref: string, file: string): string {
  if (isBuiltinName(ref)) {
    const names = listBuiltinProfiles().map((p) => p.name);
    return `no built-in profile "${ref}" (built-ins: ${names.join(', ') || 'none'}; a file path needs a '/' or '.json')`;
  }
  return `profile file not found: ${displayPath(file)}`;
}

/** Reads and checks one file; undefined when it cannot be used (missing, not JSON, fails the schema). */
function readProfile(file: string, res: Resolution, ref: { name: string; from?: string; jsonPath?: string }): Profile | undefined {
  if (res.seen.has(file)) return res.seen.get(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const where = ref.from !== undefined ? { file: ref.from, jsonPath: ref.jsonPath } : {};
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') {
      res.errors.push(new ProfileError('PROFILE_NOT_FOUND', notFoundDetail(ref.name, file), where));
    } else {
      res.errors.push(new ProfileError('PROFILE_INVALID', `cannot read ${displayPath(file)}: ${err.message}`, where));
    }
    res.seen.set(file, undefined);
    return undefined;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    res.errors.push(new ProfileError('PROFILE_INVALID', `is not valid JSON: ${(e as Error).message}`, { file }));
    res.seen.set(file, undefined);
    return undefined;
  }
  const { errors, schemaValid } = checkProfileDocument(data, file);
  res.errors.push(...errors);
  // a schema failure leaves the shape unreliable; after semantic problems "extends" is still followed,
  // so that validate reports the whole chain
  const usable = schemaValid ? (data as Profile) : undefined;
  res.seen.set(file, usable);
  return usable;
}

function visit(file: string, stack: string[], res: Resolution, ref: { name: string; from?: string; jsonPath?: string }): void {
  const cycleAt = stack.indexOf(file);
  if (cycleAt >= 0) {
    const chain = [...stack.slice(cycleAt), file].map(displayPath).join(' → ');
    res.errors.push(new ProfileError('PROFILE_CYCLE', `"extends" makes a cycle: ${chain}`, { file: ref.from, jsonPath: ref.jsonPath }));
    return;
  }
  const profile = readProfile(file, res, ref);
  if (profile === undefined) return;
  res.visits.push({ file, profile });
  const ext = profile.extends === undefined ? [] : typeof profile.extends === 'string' ? [profile.extends] : profile.extends;
  ext.forEach((name, i) => {
    const child = isBuiltinName(name) ? builtinProfileFile(name) : resolve(dirname(file), name);
    const jsonPath = typeof profile.extends === 'string' ? '/extends' : `/extends/${i}`;
    visit(child, [...stack, file], res, { name, from: file, jsonPath });
  });
}

function rootFile(nameOrPath: string): string {
  return isBuiltinName(nameOrPath) ? builtinProfileFile(nameOrPath) : resolve(nameOrPath);
}

/**
 * Several profiles given together (repeated --profile) make one chain: a composite in memory that
 * extends them, the later ones taking precedence as later arguments override earlier ones.
 */
function compositeRoot(refs: string[], res: Resolution): string {
  const file = `(--profile ${refs.join(' --profile ')})`;
  const name = refs
    .map((p) =>
      p
        .replace(/^.*[/\\]/, '')
        .replace(/\.json$/i, '')
        .toLowerCase()
        .replace(/[^a-z0-9._-]+/g, '-'),
    )
    .join('+');
  res.seen.set(file, { name, description: `--profile ${refs.join(' --profile ')}`, extends: refs.map(rootFile).reverse() as [string, ...string[]] });
  return file;
}

function resolveChain(refs: string | string[]): Resolution & { layers: Layer[] } {
  const res: Resolution = { errors: [], visits: [], seen: new Map() };
  const list = typeof refs === 'string' ? [refs] : refs;
  if (list.length === 0) throw new ProfileError('PROFILE_NOT_FOUND', 'no profile given');
  const root = list.length === 1 ? rootFile(list[0]) : compositeRoot(list, res);
  visit(root, [], res, { name: list.join(', ') });
  // keep each profile's last visit: a shared base stays behind every profile that extends it
  const last = new Map<string, number>();
  res.visits.forEach((l, i) => last.set(l.file, i));
  const layers = res.visits.filter((l, i) => last.get(l.file) === i);
  // options that exclude each other, brought together by the chain (one file alone is checked in validate.ts)
  const fromLayers = new Map<OptionName, string>();
  for (const l of layers) for (const o of l.profile.options ?? []) if (!fromLayers.has(o)) fromLayers.set(o, l.file);
  for (const [a, b] of EXCLUSIVE_OPTIONS) {
    const fa = fromLayers.get(a);
    const fb = fromLayers.get(b);
    if (fa !== undefined && fb !== undefined && fa !== fb) {
      res.errors.push(
        new ProfileError('PROFILE_CONFLICT', `options ${a} (from ${displayPath(fa)}) and ${b} (from ${displayPath(fb)}) are alternatives (PS3.15 E.3.6): choose one`, {
          file: layers[0].file,
          jsonPath: layers[0].profile.options ? '/options' : undefined,
        }),
      );
    }
  }
  return { ...res, layers };
}

/**
 * Every problem of a profile file and of the profiles it extends (not just the first): schema and
 * semantic errors with their JSON paths, missing profiles, cycles, conflicting options. [] if valid.
 */
export function validateProfileFile(path: string): ProfileError[] {
  return resolveChain(path).errors;
}

/**
 * Loads a profile by built-in name (no '/' and no '.json') or path, with its "extends" chain, and
 * merges it; several (a composite, later ones first) make one profile. Throws the first ProfileError (its message says how many more there are).
 */
export function loadProfile(nameOrPath: string | string[], opts: { extraOptions?: OptionName[] } = {}): ResolvedProfile {
  const { errors, layers } = resolveChain(nameOrPath);
  const known = optionNames();
  const extra = opts.extraOptions ?? [];
  for (const o of extra) {
    if (!known.includes(o)) errors.push(new ProfileError('PROFILE_INVALID', `unknown option "${o}" (options: ${known.join(', ')})`));
  }
  if (errors.length === 0) {
    // the chain alone was checked in resolveChain; here the extra options join in
    const origin = (o: OptionName): string | undefined => {
      const l = layers.find((x) => x.profile.options?.includes(o));
      return l ? displayPath(l.file) : extra.includes(o) ? 'extraOptions' : undefined;
    };
    for (const [a, b] of EXCLUSIVE_OPTIONS) {
      const oa = origin(a);
      const ob = origin(b);
      if (oa !== undefined && ob !== undefined) {
        const detail = `options ${a} (from ${oa}) and ${b} (from ${ob}) are alternatives (PS3.15 E.3.6): choose one`;
        errors.push(new ProfileError('PROFILE_CONFLICT', detail, { file: layers[0].file }));
      }
    }
  }
  if (errors.length > 0) {
    const first = errors[0];
    if (errors.length > 1) {
      const more = errors.length - 1;
      const hint = first.file ? `; anon profile validate ${displayPath(first.file)} lists them` : '';
      first.message += ` (and ${more} more error${more === 1 ? '' : 's'}${hint})`;
    }
    throw first;
  }

  const root = layers[0];
  const firstSet = <T>(get: (p: Profile) => T | undefined): T | undefined => {
    for (const l of layers) {
      const v = get(l.profile);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const inEffect = new Set<OptionName>(extra);
  for (const l of layers) for (const o of l.profile.options ?? []) inEffect.add(o);
  const resolved: ResolvedProfile = {
    name: root.profile.name,
    ...(root.profile.description !== undefined ? { description: root.profile.description } : {}),
    layers: layers.map((l) => ({ profile: l.profile.name, file: l.file, rules: l.profile.rules ?? [] })),
    options: known.filter((o) => inEffect.has(o)),
    defaults: {
      public: firstSet((p) => p.defaults?.public) ?? FALLBACK_DEFAULTS.public,
      unknownPublic: firstSet((p) => p.defaults?.unknownPublic) ?? FALLBACK_DEFAULTS.unknownPublic,
      private: firstSet((p) => p.defaults?.private) ?? FALLBACK_DEFAULTS.private,
    },
    pseudonyms: {
      patientIdPrefix: firstSet((p) => p.pseudonyms?.patientIdPrefix) ?? FALLBACK_PSEUDONYMS.patientIdPrefix,
      dateShiftDays: { ...(firstSet((p) => p.pseudonyms?.dateShiftDays) ?? FALLBACK_PSEUDONYMS.dateShiftDays) },
    },
    marks: firstSet((p) => p.marks) ?? true,
    pixels: {
      masks: layers.flatMap((l) => l.profile.pixels?.masks ?? []),
      burnedInText: {
        modalities: firstSet((p) => p.pixels?.burnedInText?.modalities) ?? [...DEFAULT_BURNED_IN_MODALITIES],
        sopClasses: firstSet((p) => p.pixels?.burnedInText?.sopClasses) ?? [...DEFAULT_BURNED_IN_SOP_CLASSES],
      },
      lossy: firstSet((p) => p.pixels?.lossy) ?? 'explicitLittleEndian',
      overlays: firstSet((p) => p.pixels?.overlays) ?? 'remove',
      ...(firstSet((p) => p.pixels?.detect) ? { detect: 'ocr' as const } : {}),
      ...(layers.some((l) => l.profile.pixels?.ocr) ? { ocr: Object.assign({}, ...layers.map((l) => l.profile.pixels?.ocr ?? {}).reverse()) as Ocr } : {}),
    },
    sources: layers.flatMap((l) => (l.profile.source ? [l.profile.source] : [])),
  };
  if (layers.some((l) => l.profile.detect)) resolved.detect = Object.assign({}, ...layers.map((l) => l.profile.detect ?? {}).reverse()) as Detect;
  return resolved;
}

/**
 * A profile with one more layer on top (most derived, so its rules win): per-job rules built in
 * code, such as a server job's own pseudonyms. The result is named after the layer.
 */
export function withLayer(base: ResolvedProfile, layer: { name: string; description?: string; rules: Rule[] }): ResolvedProfile {
  return {
    ...base,
    name: layer.name,
    ...(layer.description !== undefined ? { description: layer.description } : {}),
    layers: [{ profile: layer.name, file: `(${layer.name})`, rules: layer.rules }, ...base.layers],
  };
}
