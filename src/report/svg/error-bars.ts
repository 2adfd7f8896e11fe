/**
 * Error bars (a vertical stem from low to high with a cap at each end) and
 * error bands (the region between the low and high curves), clipped to the
 * plot area like lines, each with a `<title>` that shows "name: y [low, high]"
 * on hover.
 */
import { clipPolygon, clipSegment } from './clip.ts';
import { element, escapeXml, px } from './escape.ts';
import { formatValue } from './format.ts';
import type { Area } from './frame.ts';

/** The hover text of one interval: "name: y [low, high]". */
export function errorTitle(name: string, y: number, low: number, high: number): string {
  return `${name}: ${formatValue(y)} [${formatValue(low)}, ${formatValue(high)}]`;
}

/**
 * One error bar at pixel column x from pixel row yLow to yHigh as a single
 * path: the stem (yLow → yHigh) first, then a cap of half-width `cap` at each
 * end that lies inside the area. The stem is clipped to the area; an end cut
 * off by the frame gets no cap (the interval goes on beyond it). Empty when
 * nothing of the stem is inside.
 */
export function errorBar(x: number, yLow: number, yHigh: number, cap: number, area: Area, title: string): string {
  const stem = clipSegment(x, yLow, x, yHigh, area);
  if (!stem) return '';
  let d = `M${px(x)},${px(stem[1])}L${px(x)},${px(stem[3])}`;
  const ends = yLow === yHigh ? [yLow] : [yLow, yHigh];
  for (const y of ends) {
    if (y !== stem[1] && y !== stem[3]) continue; // clipped end
    const c = clipSegment(x - cap, y, x + cap, y, area);
    if (c) d += `M${px(c[0])},${px(y)}L${px(c[2])},${px(y)}`;
  }
  return element('path', { class: 'error-bar', d }, element('title', {}, escapeXml(title)));
}

/**
 * A band through consecutive intervals: the high curve left to right, then
 * the low curve back, closed, clipped to the area (pixel coordinates in, one
 * `[x, yLow, yHigh]` per point). Empty when nothing of it is inside.
 */
export function errorBand(
  columns: readonly (readonly [number, number, number])[],
  area: Area,
  attrs: Record<string, string>,
  title: string,
): string {
  const polygon: [number, number][] = [
    ...columns.map(([x, , yHigh]) => [x, yHigh] as [number, number]),
    ...[...columns].reverse().map(([x, yLow]) => [x, yLow] as [number, number]),
  ];
  const clipped = clipPolygon(polygon, area);
  let d = '';
  let last = '';
  for (const [x, y] of clipped) {
    const p = `${px(x)},${px(y)}`;
    if (p === last) continue;
    d += `${d ? 'L' : 'M'}${p}`;
    last = p;
  }
  if (clipped.length < 3) return '';
  return element('path', { class: 'error-band', d: `${d}Z`, ...attrs }, element('title', {}, escapeXml(title)));
}
