import type { ElementCall } from '../state.js';
import { category } from './category.js';

/** X: remove the attribute (a sequence with all its items). */
export function remove({ st, ds, el }: ElementCall): void {
  ds.remove(el);
  st.count(category(el));
}
