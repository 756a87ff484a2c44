// The image with its mask rectangles: draw with the mouse, drag to move, and from the keyboard
// arrows move the selected rectangle (Shift: 10 pixels, Alt: resize), Delete removes it.

import { useRef, useState } from 'preact/hooks';
import type { Box } from './api.js';

interface Props {
  src?: string;
  columns: number;
  rows: number;
  frame: number;
  boxes: Box[];
  setBoxes: (b: Box[]) => void;
  selected: number;
  select: (i: number) => void;
}

const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, v));

export function Editor({ src, columns, rows, frame, boxes, setBoxes, selected, select }: Props) {
  const svg = useRef<SVGSVGElement>(null);
  const [drag, setDrag] = useState<{ mode: 'draw' | 'move'; x0: number; y0: number; start: Box; index: number }>();

  const at = (e: MouseEvent): [number, number] => {
    const r = svg.current!.getBoundingClientRect();
    return [clamp(Math.round(((e.clientX - r.left) * columns) / r.width), 0, columns), clamp(Math.round(((e.clientY - r.top) * rows) / r.height), 0, rows)];
  };
  const replace = (i: number, b: Box) => setBoxes(boxes.map((o, j) => (j === i ? b : o)));

  const down = (e: MouseEvent, index = -1) => {
    e.preventDefault();
    e.stopPropagation();
    svg.current!.focus();
    const [x, y] = at(e);
    if (index >= 0) {
      select(index);
      setDrag({ mode: 'move', x0: x, y0: y, start: boxes[index], index });
    } else {
      const b = { x, y, width: 1, height: 1 };
      setBoxes([...boxes, b]);
      select(boxes.length);
      setDrag({ mode: 'draw', x0: x, y0: y, start: b, index: boxes.length });
    }
  };
  const move = (e: MouseEvent) => {
    if (!drag) return;
    const [x, y] = at(e);
    const s = drag.start;
    if (drag.mode === 'move') {
      replace(drag.index, { ...s, x: clamp(s.x + x - drag.x0, 0, columns - s.width), y: clamp(s.y + y - drag.y0, 0, rows - s.height) });
    } else {
      replace(drag.index, { x: Math.min(x, drag.x0), y: Math.min(y, drag.y0), width: Math.max(1, Math.abs(x - drag.x0)), height: Math.max(1, Math.abs(y - drag.y0)) });
    }
  };
  const up = () => {
    if (drag?.mode === 'draw') {
      const b = boxes[drag.index];
      // a click without a drag draws nothing
      if (b && b.width < 2 && b.height < 2) {
        setBoxes(boxes.filter((_, j) => j !== drag.index));
        select(-1);
      }
    }
    setDrag(undefined);
  };
  const key = (e: KeyboardEvent) => {
    const b = boxes[selected];
    if (!b) return;
    if (e.key === 'Delete' || e.key === 'Backspace') {
      e.preventDefault();
      setBoxes(boxes.filter((_, j) => j !== selected));
      select(-1);
      return;
    }
    const d = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[e.key];
    if (!d) return;
    e.preventDefault();
    const step = e.shiftKey ? 10 : 1;
    if (e.altKey) {
      replace(selected, { ...b, width: clamp(b.width + d[0] * step, 1, columns - b.x), height: clamp(b.height + d[1] * step, 1, rows - b.y) });
    } else {
      replace(selected, { ...b, x: clamp(b.x + d[0] * step, 0, columns - b.width), y: clamp(b.y + d[1] * step, 0, rows - b.height) });
    }
  };

  return (
    <div class="stage">
      {src ? <img src={src} alt={`frame ${frame} of the image`} draggable={false} /> : <div class="placeholder">loading…</div>}
      <svg
        ref={svg}
        viewBox={`0 0 ${columns} ${rows}`}
        preserveAspectRatio="none"
        tabindex={0}
        role="application"
        aria-label="Mask editor: drag on the image to draw a rectangle, drag a rectangle to move it; arrow keys move the selected rectangle (Shift: 10 pixels, Alt: resize), Delete removes it"
        onMouseDown={(e) => down(e)}
        onMouseMove={move}
        onMouseUp={up}
        onMouseLeave={up}
        onKeyDown={key}
      >
        {boxes.map((b, i) =>
          b.frame && b.frame !== frame ? null : (
            <rect
              key={i}
              class={i === selected ? 'box selected' : b.confidence !== undefined ? 'box ocr' : 'box'}
              x={b.x}
              y={b.y}
              width={b.width}
              height={b.height}
              data-index={i}
              onMouseDown={(e) => down(e, i)}
            />
          ),
        )}
      </svg>
    </div>
  );
}
