/**
 * Liang–Barsky clipping of a line segment to a rectangle (Liang & Barsky,
 * "A new concept and method for line clipping", ACM TOG 1984): lines that
 * leave a fixed y range stop at the frame without an SVG clipPath, whose
 * document-wide id would collide when several charts share one HTML page.
 */
import type { Area } from './frame.ts';

/**
 * The part of segment (x0, y0)–(x1, y1) inside `area` (edges included), or
 * null when none is. Endpoints that are inside come back unchanged (the same
 * numbers), so callers can tell clipped ends from original ones.
 */
export function clipSegment(
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  area: Area,
): [number, number, number, number] | null {
  const dx = x1 - x0;
  const dy = y1 - y0;
  let t0 = 0;
  let t1 = 1;
  // Each edge as p·t ≤ q: the segment point at t is inside that edge's half-plane.
  const edges: [number, number][] = [
    [-dx, x0 - area.left],
    [dx, area.left + area.width - x0],
    [-dy, y0 - area.top],
    [dy, area.top + area.height - y0],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return null; // parallel to this edge and outside it
      continue;
    }
    const r = q / p;
    if (p < 0) {
      if (r > t1) return null;
      if (r > t0) t0 = r;
    } else {
      if (r < t0) return null;
      if (r < t1) t1 = r;
    }
  }
  const sx = t0 === 0 ? x0 : x0 + t0 * dx;
  const sy = t0 === 0 ? y0 : y0 + t0 * dy;
  const ex = t1 === 1 ? x1 : x0 + t1 * dx;
  const ey = t1 === 1 ? y1 : y0 + t1 * dy;
  return [sx, sy, ex, ey];
}

/** Whether (x, y) lies inside `area`, with `slack` px of tolerance. */
export function inside(x: number, y: number, area: Area, slack = 0.5): boolean {
  return (
    x >= area.left - slack &&
    x <= area.left + area.width + slack &&
    y >= area.top - slack &&
    y <= area.top + area.height + slack
  );
}

/**
 * The part of a closed polygon inside `area` (Sutherland & Hodgman,
 * "Reentrant polygon clipping", CACM 1974), for filled shapes such as error
 * bands. The clip rectangle is convex, so any simple polygon comes back as one
 * polygon whose pieces, where it leaves and re-enters, are joined along the
 * frame by zero-area edges that a fill does not show. Vertices inside come
 * back unchanged; an empty result means nothing is inside.
 */
export function clipPolygon(points: readonly (readonly [number, number])[], area: Area): [number, number][] {
  const right = area.left + area.width;
  const bottom = area.top + area.height;
  // Each edge: is a point inside it, and where does the segment a→b cross it.
  const edges: [
    (p: readonly [number, number]) => boolean,
    (a: readonly [number, number], b: readonly [number, number]) => [number, number],
  ][] = [
    [(p) => p[0] >= area.left, (a, b) => [area.left, a[1] + ((area.left - a[0]) / (b[0] - a[0])) * (b[1] - a[1])]],
    [(p) => p[0] <= right, (a, b) => [right, a[1] + ((right - a[0]) / (b[0] - a[0])) * (b[1] - a[1])]],
    [(p) => p[1] >= area.top, (a, b) => [a[0] + ((area.top - a[1]) / (b[1] - a[1])) * (b[0] - a[0]), area.top]],
    [(p) => p[1] <= bottom, (a, b) => [a[0] + ((bottom - a[1]) / (b[1] - a[1])) * (b[0] - a[0]), bottom]],
  ];
  let out: [number, number][] = points.map((p) => [p[0], p[1]]);
  for (const [isIn, cross] of edges) {
    if (out.length === 0) break;
    const input = out;
    out = [];
    let prev = input[input.length - 1]!;
    for (const cur of input) {
      if (isIn(cur)) {
        if (!isIn(prev)) out.push(cross(prev, cur));
        out.push(cur);
      } else if (isIn(prev)) {
        out.push(cross(prev, cur));
      }
      prev = cur;
    }
  }
  return out;
}
