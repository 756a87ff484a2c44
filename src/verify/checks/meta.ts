// File meta: its SOP class and instance follow the dataset's, a transfer syntax is named, no
// source AE titles or private meta information are left, and the preamble is zeroed.

import type { DicomFile } from '../../dicom/part10.js';
import { formatTag, type Tag } from '../../dicom/tag.js';
import { fileContext, metaContext } from '../../dicom/values.js';
import { normalizeUID } from '../../pseudo/uid.js';
import type { Found, PairContext, StartCheck } from '../check.js';
import { rawBytes, strings, topString } from '../scan.js';
import * as T from '../../dicom/tags.generated.js';

/** Source/Sending/Receiving AE titles, private information creator and private information. */
const NOT_KEPT = [T.SourceApplicationEntityTitle, T.SendingApplicationEntityTitle, T.ReceivingApplicationEntityTitle, T.PrivateInformationCreatorUID, T.PrivateInformation];

function topMeta(f: DicomFile, tag: Tag): string | undefined {
  const el = f.meta?.get(tag);
  const v = el ? strings(el, metaContext(f))?.[0] : undefined;
  return v === undefined ? undefined : normalizeUID(v);
}

export const meta: StartCheck = () => ({
  pair: (p) => ({ done: () => checkMeta(p) }),
});

function* checkMeta({ at, fin, fout: f }: PairContext): Generator<Found> {
  if (!f.meta) {
    yield { code: 'META_INCONSISTENT', ...at, message: 'the output has no file meta information' };
    return;
  }
  const mctx = metaContext(f);
  const ctx = fileContext(f);
  const get = (tag: Tag, meta: boolean): string | undefined => {
    const el = (meta ? f.meta! : f.dataset).get(tag);
    if (!el) return undefined;
    const c = meta ? mctx : ctx;
    // A UID left as UN (as some inputs hold it) is read from its bytes.
    const v = strings(el, c)?.[0] ?? (el.vr === 'UN' ? rawBytes(el, c)?.toString('latin1').split('\\')[0] : undefined);
    return normalizeUID(v ?? '');
  };
  const pairsToCheck: [Tag, Tag, string][] = [
    [T.MediaStorageSOPInstanceUID, T.SOPInstanceUID, 'MediaStorageSOPInstanceUID ≠ SOPInstanceUID'],
    [T.MediaStorageSOPClassUID, T.SOPClassUID, 'MediaStorageSOPClassUID ≠ SOPClassUID'],
  ];
  for (const [m, d, what] of pairsToCheck) {
    const a = get(m, true);
    const b = get(d, false);
    if (b === undefined || a === b) continue;
    // A SOP class mismatch the input already had is the input's (the engine does not promise to fix it).
    const inherited = m === T.MediaStorageSOPClassUID && topMeta(fin, m) === a && topString(fin, d) !== a;
    const msg = a === undefined ? `${formatTag(m)} is missing` : what;
    yield { code: 'META_INCONSISTENT', ...at, path: formatTag(m), message: inherited ? `${msg} (as in the input)` : msg, severity: inherited ? 'warning' : 'error' };
  }
  if (!get(T.TransferSyntaxUID, true)) {
    const inherited = fin.meta !== undefined && !topMeta(fin, T.TransferSyntaxUID);
    yield {
      code: 'META_INCONSISTENT',
      ...at,
      path: formatTag(T.TransferSyntaxUID),
      message: `no Transfer Syntax UID${inherited ? ' (as in the input)' : ''}`,
      severity: inherited ? 'warning' : 'error',
    };
  }
  for (const t of NOT_KEPT) {
    if (f.meta.get(t)) yield { code: 'META_INCONSISTENT', ...at, path: formatTag(t), message: 'source AE titles or private meta information left in the file meta' };
  }
  if (f.preamble) {
    const pre = Buffer.alloc(128);
    f.source.readInto(pre, 0, 0, 128);
    if (pre.some((b) => b !== 0)) yield { code: 'META_INCONSISTENT', ...at, message: 'the preamble is not zeroed (it can hold anything)', severity: 'warning' };
  }
}
