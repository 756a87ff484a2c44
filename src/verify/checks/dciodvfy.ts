// Validity: dciodvfy's errors that an output has and its input had not (when dciodvfy is used).

import type { StartCheck } from '../check.js';
import { dciodvfyErrors } from '../dciodvfy.js';

export const dciodvfy: StartCheck = ({ useDciodvfy }) => ({
  pair: useDciodvfy
    ? ({ pair, at }) => ({
        async done() {
          const [a, b] = await Promise.all([dciodvfyErrors(pair.input), dciodvfyErrors(pair.output)]);
          return [...b].filter((e) => !a.has(e)).map((e) => ({ code: 'INVALID' as const, ...at, message: `dciodvfy: ${e} (not in the input)`, severity: 'warning' as const }));
        },
      })
    : undefined,
});
