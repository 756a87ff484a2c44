/** What a Specific Character Set means for reading and writing, resolved once per spec and cached. */
import { buildIso, type Iso2022 } from './iso2022.js';
import type { SbSet } from './code-sets.js';
import type { CharsetSpec } from './spec.js';
import { termInfo, type TermInfo } from './terms.js';

export type Mode = 'ascii' | 'sb' | 'utf8' | 'gb18030' | 'gbk' | 'iso2022';

export interface Ctx {
  mode: Mode;
  supported: boolean;
  /** First unsupported term, for error messages. */
  unknown?: string;
  /** 'sb' mode: the G1 set used for bytes >= 0x80 (no code extensions). */
  sb?: SbSet;
  /** ISO 2022 machinery: used in 'iso2022' mode, and leniently when ESC occurs in 'ascii'/'sb' mode. */
  iso: Iso2022;
  /** Per code point encoder cache for 'iso2022' mode (index into cands, or -1). */
  encCache: Map<number, number>;
}

const ctxCache = new Map<string, Ctx>();
const specCache = new WeakMap<CharsetSpec, Ctx>();

export function getCtx(spec: CharsetSpec): Ctx {
  let ctx = specCache.get(spec);
  if (ctx) return ctx;
  const key = spec.terms.join('\\');
  ctx = ctxCache.get(key);
  if (!ctx) {
    ctx = buildCtx(spec.terms);
    ctxCache.set(key, ctx);
  }
  specCache.set(spec, ctx);
  return ctx;
}

function buildCtx(terms: string[]): Ctx {
  const parsed = terms.map(termInfo);
  const infos = parsed.map((p) => p.info);
  const unknownIdx = infos.findIndex((i) => i.type === 'unknown');
  const supported = unknownIdx < 0;
  const unknown = supported ? undefined : terms[unknownIdx];
  const encCache = new Map<number, number>();
  const base = { supported, unknown, encCache };

  // UTF-8 / GB18030 / GBK do not allow code extensions: if present, they rule alone.
  const mbOnly = infos.find((i) => i.type === 'utf8' || i.type === 'gb18030' || i.type === 'gbk');
  if (mbOnly) {
    return { ...base, mode: mbOnly.type as Mode, iso: buildIso([]) };
  }
  const known = infos.filter((i) => i.type !== 'unknown');
  if (terms.length === 0 || (terms.length === 1 && infos[0].type !== 'sb' && !parsed[0].iso2022)) {
    // Default repertoire, 'ISO_IR 6', or a single unknown term (read as latin1).
    return { ...base, mode: 'ascii', iso: buildIso([]) };
  }
  if (terms.length === 1 && infos[0].type === 'sb' && !parsed[0].iso2022) {
    const info = infos[0];
    const iso = buildIso([info]);
    return { ...base, mode: 'sb', sb: iso.init1 as SbSet, iso };
  }
  // ISO 2022 (multi-valued, or a single 'ISO 2022 IR xxx' term). Unknown terms other than
  // value 1 are ignored for reading; an unknown value 1 means: default G0, no G1 (latin1).
  const isoInfos = infos[0].type === 'unknown' ? [{ type: 'ascii' } as TermInfo, ...known] : known;
  return { ...base, mode: 'iso2022', iso: buildIso(isoInfos) };
}

export function isSupportedCharset(spec: CharsetSpec): boolean {
  return getCtx(spec).supported;
}
