// Whether two boxes sit on one row of text: the two measures the row joins (identifier rows,
// joined masks) read, so that they judge rows alike.
import type { Rect } from '../pixel/index.js';

/** Rows shared by two boxes (negative: the vertical distance between them). */
export const verticalOverlap = (a: Rect, b: Rect): number => Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);

/** Columns between two boxes (negative: they overlap horizontally by that much). */
export const horizontalGap = (a: Rect, b: Rect): number => Math.max(a.x, b.x) - Math.min(a.x + a.width, b.x + b.width);
