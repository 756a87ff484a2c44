import t from 'tap';
import { ALL_TRANSFER_SYNTAXES, EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_BE, IMPLICIT_LE, nativeTransferSyntax, transferSyntax, TS_UID } from '../src/dicom/transfer-syntax.js';
import { canReencodeLossless, codecFamily } from '../src/pixel/codecs.js';
import { LOSSY_METHOD } from '../src/pixel/convert.js';

t.test('transfer syntax table → every UID once, the uncompressed ones never lossy', async (t) => {
  const uids = ALL_TRANSFER_SYNTAXES.map((s) => s.uid);
  t.equal(new Set(uids).size, uids.length);
  for (const uid of Object.values(TS_UID)) t.ok(uids.includes(uid), `${uid} is in the table`);
  for (const uid of [TS_UID.ImplicitVRLittleEndian, TS_UID.ExplicitVRLittleEndian, TS_UID.ExplicitVRBigEndian]) {
    t.match(transferSyntax(uid), { encapsulated: false, lossy: 'never' }, uid);
  }
});

t.test('pixel codec families → read from the transfer syntax table, RLE left to its own path', async (t) => {
  t.equal(codecFamily('1.2.840.10008.1.2.4.50'), 'jpeg');
  t.equal(codecFamily('1.2.840.10008.1.2.4.70'), 'jpeg-lossless');
  t.equal(codecFamily('1.2.840.10008.1.2.4.81'), 'jpeg-ls');
  t.equal(codecFamily('1.2.840.10008.1.2.4.91'), 'j2k');
  t.equal(codecFamily('1.2.840.10008.1.2.4.202'), 'htj2k');
  t.equal(codecFamily(TS_UID.RLELossless), undefined);
  t.equal(codecFamily('1.2.840.10008.1.2.4.92'), undefined);
  t.equal(codecFamily('1.2.3.4'), undefined);
  for (const s of ALL_TRANSFER_SYNTAXES) {
    const family = codecFamily(s.uid);
    // Only JPEG baseline/extended cannot come back losslessly, and only they are always lossy.
    if (family) t.equal(canReencodeLossless(family), s.lossy !== 'always', s.name);
  }
});

t.test('lossy method defined terms → the ones of PS3.3 C.7.6.1.1.5.1 for the lossy codecs', async (t) => {
  t.same(LOSSY_METHOD, {
    '1.2.840.10008.1.2.4.50': 'ISO_10918_1',
    '1.2.840.10008.1.2.4.51': 'ISO_10918_1',
    '1.2.840.10008.1.2.4.81': 'ISO_14495_1',
    '1.2.840.10008.1.2.4.91': 'ISO_15444_1',
    '1.2.840.10008.1.2.4.203': 'ISO_15444_15',
  });
});

t.test('native transfer syntax of an encoding → implicit LE, explicit LE, explicit BE; implicit BE as implicit LE', async (t) => {
  t.equal(nativeTransferSyntax(IMPLICIT_LE).uid, TS_UID.ImplicitVRLittleEndian);
  t.equal(nativeTransferSyntax(EXPLICIT_LE).uid, TS_UID.ExplicitVRLittleEndian);
  t.equal(nativeTransferSyntax(EXPLICIT_BE).uid, TS_UID.ExplicitVRBigEndian);
  t.equal(nativeTransferSyntax(IMPLICIT_BE).uid, TS_UID.ImplicitVRLittleEndian);
});

t.test('unknown transfer syntax UID → explicit VR little endian, encapsulated, maybe lossy, no codec', async (t) => {
  const s = transferSyntax('1.2.3.4.5');
  t.match(s, { encoding: EXPLICIT_LE, encapsulated: true, deflated: false, lossy: 'may' });
  t.equal(s.codec, undefined);
});
