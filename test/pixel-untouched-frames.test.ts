// Frames no mask touches are never decoded: in multi-frame images whose other frames are bytes no
// decoder accepts, masking one frame succeeds and leaves the other frames' bytes as they were.
import t from 'tap';
import { parseDicom } from '../src/dicom/file.js';
import { encapsulatedFrames, setEncapsulatedFrames } from '../src/pixel/frames.js';
import { maskPixelData } from '../src/pixel/mask.js';
import { buildPixelFile, pixelSpecs } from '../fixtures/pixel.js';

const RLE = '1.2.840.10008.1.2.5';
// Lossless families re-encode in their own transfer syntax; JPEG baseline cannot, and decodes every frame by design.
const NAMES = [
  'RLE 8-bit',
  'RLE RGB',
  'JPEG lossless SV1 16-bit',
  'JPEG lossless .57 RGB multi-frame',
  'JPEG-LS lossless 16-bit multi-frame',
  'JPEG 2000 lossless 16-bit signed',
  'HTJ2K lossless 16-bit multi-frame',
];

/** A codestream start (so frame splitting still works) followed by bytes that are no valid stream. */
function garbage(kind: 'rle' | 'jpeg' | 'j2k', n: number): Buffer {
  const b = Buffer.alloc(96, 0x5a + n);
  if (kind === 'rle')
    b.writeUInt32LE(9, 0); // 9 segments where 1 or 3 are expected
  else if (kind === 'jpeg') b.set([0xff, 0xd8, 0xff, 0x5a]);
  else b.set([0xff, 0x4f, 0xff, 0x5a]);
  return b;
}

t.test('masking frame 1 of 3 whose frames 2 and 3 are undecodable → success, frames 2 and 3 byte for byte as they were', async (t) => {
  for (const name of NAMES) {
    const spec = { ...pixelSpecs().find((s) => s.name === name)!, frames: 3 };
    const f = parseDicom(await buildPixelFile(spec));
    const kind = spec.transferSyntax === RLE ? 'rle' : name.includes('2000') || name.includes('HTJ2K') ? 'j2k' : 'jpeg';
    const [first] = encapsulatedFrames(f, 3);
    const junk = [garbage(kind, 1), garbage(kind, 2)];
    setEncapsulatedFrames(f, [first, ...junk]);
    const probe = parseDicom(await buildPixelFile(spec));
    setEncapsulatedFrames(probe, [first, ...junk]);
    await t.rejects(maskPixelData(probe, [{ x: 2, y: 2, width: 10, height: 5, frames: [2] }]), { code: /PIXEL_(DECODE|UNSUPPORTED)/ }, `${name}: masking a junk frame fails`);
    const r = await maskPixelData(f, [{ x: 2, y: 2, width: 10, height: 5, frames: [1] }]);
    t.same(r.frames, [1], `${name}: only frame 1 masked`);
    const after = encapsulatedFrames(f, 3);
    t.ok(after[1].equals(junk[0]) && after[2].equals(junk[1]), `${name}: frames 2 and 3 untouched`);
    t.notOk(after[0].equals(first), `${name}: frame 1 rewritten`);
  }
});
