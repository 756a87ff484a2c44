import { SAFE_PRIVATE, type SafePrivateAttribute } from './safe-private.generated.js';

const BY_KEY = new Map<string, SafePrivateAttribute>();
for (const a of SAFE_PRIVATE) BY_KEY.set(`${a.group ?? '*'}|${a.creator}|${a.elementLow}`, a);

/** The Safe Private table's row for a private element: by group, the creator of its block, and its low byte. */
export function safePrivateRow(creator: string | undefined, tag: number): SafePrivateAttribute | undefined {
  if (creator === undefined) return undefined;
  return BY_KEY.get(`${tag >>> 16}|${creator}|${tag & 0xff}`) ?? BY_KEY.get(`*|${creator}|${tag & 0xff}`);
}

const WIDTH: Record<string, number> = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8, AT: 4, OW: 2, OB: 1 };
const TEXT: Record<string, RegExp> = {
  CS: /^[A-Z0-9 _\\]*$/,
  DS: /^[0-9+\-.eE \\]*$/,
  IS: /^[0-9+\- \\]*$/,
  UI: /^[0-9.\\]*$/,
};

/**
 * Whether a private element is written with the VR the Safe Private table gives it (PS3.15
 * E.3.10: an element is safe for its meaning, which a value of another VR does not have): the
 * same VR, or, read as UN (implicit VR), bytes that fit it: a whole number of binary values,
 * or text of the VR's repertoire. A row without a VR accepts any.
 */
export function hasTableVR(row: SafePrivateAttribute, vr: string, value: Buffer | undefined): boolean {
  if (!row.vr) return true;
  const allowed = row.vr.split('/');
  if (allowed.includes(vr)) return true;
  if (vr !== 'UN') return false;
  if (!value) return false;
  return allowed.some((v) => {
    const w = WIDTH[v];
    if (w) return value.length % w === 0;
    if (v === 'SQ') return true; // a UN sequence: kept only if it reads as items (deid/retype.ts), else removed
    const text = value.toString('latin1').replace(/[\0 ]+$/, '');
    const re = TEXT[v];
    return re ? re.test(text) : /^[\x20-\x7e\\]*$/.test(text);
  });
}
