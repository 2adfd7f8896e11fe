/** Marker glyphs (circle, square, triangle, diamond) centred on a point, sized by a radius. */
import { element, px } from './escape.ts';
import type { Shape } from './palette.ts';

/**
 * The element for one marker of `shape` at (x, y) with circumradius-like
 * size r; fill and stroke come from the enclosing group, so thousands of
 * markers cost one short element each.
 */
export function marker(shape: Shape, x: number, y: number, r: number): string {
  switch (shape) {
    case 'circle':
      return element('circle', { cx: x, cy: y, r });
    case 'square': {
      const h = r * 0.886; // same area as the circle: side = r·√π
      return element('rect', { x: x - h, y: y - h, width: 2 * h, height: 2 * h });
    }
    case 'triangle': {
      const s = r * 1.3;
      return element('path', {
        d: `M${px(x)},${px(y - s)}L${px(x + s * 0.866)},${px(y + s / 2)}L${px(x - s * 0.866)},${px(y + s / 2)}Z`,
      });
    }
    case 'diamond': {
      const s = r * 1.25;
      return element('path', {
        d: `M${px(x)},${px(y - s)}L${px(x + s)},${px(y)}L${px(x)},${px(y + s)}L${px(x - s)},${px(y)}Z`,
      });
    }
  }
}
