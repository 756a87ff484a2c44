// Leftovers: private elements the profile does not keep, public attributes it removes.

import type { StartCheck } from '../check.js';

export const leftovers: StartCheck = ({ rules }) => ({
  pair: ({ at, read }) => ({
    *element({ el, path, creator }) {
      const expect = rules.expect({ tag: el.tag, vr: el.vr, creator }, read);
      if (((el.tag >>> 16) & 1) === 1) {
        if (expect.kind !== 'keep') yield { code: 'PRIVATE_LEFT', ...at, path, message: `private element${creator ? ` of "${creator}"` : ' with no creator'} is not allowed (${expect.origin})` };
      } else if (expect.kind === 'remove' && (el.tag & 0xffff) !== 0) {
        yield { code: 'ATTRIBUTE_LEFT', ...at, path, message: `the profile removes this attribute (${expect.origin})` };
      }
    },
  }),
});
