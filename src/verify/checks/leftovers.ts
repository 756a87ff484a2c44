// Leftovers: private elements the profile does not keep, public attributes it removes.

import type { StartCheck } from '../check.js';
import { hasTableVR, safePrivateRow } from '../../profile/safe-private-vr.js';
import { requiredType } from '../iod-required.js';
import * as T from '../../dicom/tags.generated.js';

export const leftovers: StartCheck = ({ rules }) => ({
  pair: ({ at, read, inElements, outElements }) => ({
    *element({ el, path, creator, depth, values }) {
      const expect = rules.expect({ tag: el.tag, vr: el.vr, creator }, read);
      if (((el.tag >>> 16) & 1) === 1) {
        if (expect.kind !== 'keep')
          yield { code: 'PRIVATE_LEFT', ...at, path, message: `private element${creator ? ` of "${creator}"` : ' with no creator'} is not allowed (${expect.origin})` };
        else {
          // Safe only with the table's VR: a name written as UT where the table says FD is not its meaning.
          const row = expect.origin.endsWith('safe private') ? safePrivateRow(creator, el.tag) : undefined;
          if (row && !hasTableVR(row, el.items ? 'SQ' : el.vr, el.value)) {
            yield { code: 'PRIVATE_LEFT', ...at, path, message: `safe private element of "${creator}" kept as ${el.vr}, not the table's ${row.vr}` };
          }
        }
      } else if (expect.kind === 'remove' && (el.tag & 0xffff) !== 0) {
        // Kept for validity (iod-required.ts): a Type 2 attribute empty, a Type 1 one with another value.
        const item = path.slice(0, path.length - 11);
        const record = depth === 1 ? outElements.get(`${item}(0004,1430)`)?.values?.[0] : undefined;
        const type = depth === 0 || record ? requiredType(el.tag, depth === 0 ? read(T.SOPClassUID) : undefined, record) : undefined;
        const before = inElements.get(path)?.values?.join('\\');
        if (type === '2' && el.length === 0) return;
        if (type === '1' && el.length > 0 && values?.join('\\') !== before) return;
        yield { code: 'ATTRIBUTE_LEFT', ...at, path, message: `the profile removes this attribute (${expect.origin})` };
      }
    },
  }),
});
