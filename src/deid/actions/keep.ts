import type { ElementCall } from '../state.js';

/** K: keep the value; a sequence is kept and its items are cleaned by the rules. */
export function keep({ el, ctx, path, walk }: ElementCall): void {
  el.items?.forEach((item, i) => walk(item.dataset, ctx, `${path}[${i}]`));
}
