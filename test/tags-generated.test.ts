import t from 'tap';
import { RAW_DICTIONARY } from '../src/dicom/dictionary.generated.js';
import * as TAGS from '../src/dicom/tags.generated.js';

t.test('generated tag constants → one per keyword of an exact dictionary tag, with that tag', async (t) => {
  const exact = RAW_DICTIONARY.filter(([tag, keyword]) => typeof tag === 'number' && keyword !== '');
  const constants = TAGS as Record<string, number>;
  t.equal(Object.keys(constants).length, exact.length);
  const wrong = exact.filter(([tag, keyword]) => constants[keyword] !== tag).map(([, keyword]) => keyword);
  t.same(wrong, []);
  t.equal(TAGS.PatientName, 0x00100010);
  t.equal(TAGS.PixelData, 0x7fe00010);
});

t.test('repeating-group dictionary entries → no constant', async (t) => {
  const masks = RAW_DICTIONARY.filter(([tag, keyword]) => typeof tag === 'string' && keyword !== '');
  t.ok(masks.length > 0);
  const constants = TAGS as Record<string, number>;
  // A mask keyword may also name an exact tag elsewhere; only those that do not must be absent.
  const exactKeywords = new Set(RAW_DICTIONARY.filter(([tag]) => typeof tag === 'number').map(([, k]) => k));
  for (const [, keyword] of masks) if (!exactKeywords.has(keyword)) t.notOk(keyword in constants, keyword);
});
