import { inside } from './clip.ts';
import { element } from './escape.ts';
import { checkBase, type LegendEntry } from './frame.ts';
import { marker } from './markers.ts';
import { categorical } from './palette.ts';
import { type XYAxes, xyDocument, xyLayout } from './xy-frame.ts';

export interface ScatterPoint {
  x: number;
  y: number;
  group: number | string;
}

export interface ScatterChartOptions extends XYAxes {
  /** Points; one with a non-finite coordinate is skipped. */
  points: readonly ScatterPoint[];
  /** Marker radius in px (default 3, or 2 above 1,000 points). */
  radius?: number;
  /** Marker fill opacity in (0, 1] (default 0.75), so dense regions read darker. */
  opacity?: number;
}

/**
 * Distinct groups in drawing/legend order: ascending when every group is a
 * number, otherwise in order of first appearance.
 */
function groupOrder(points: readonly ScatterPoint[]): (number | string)[] {
  const seen = new Set<number | string>();
  for (const p of points) seen.add(p.group);
  const groups = [...seen];
  if (groups.every((g) => typeof g === 'number')) (groups as number[]).sort((a, b) => a - b);
  return groups;
}

/**
 * A scatter chart as a standalone SVG document: one colour (and, after
 * eight groups, one marker shape) per group from the shared palette,
 * groups drawn in legend order, a legend with two or more groups.
 */
export function scatterChart(o: ScatterChartOptions): string {
  const { width, height } = checkBase('scatterChart', o);
  if (!Array.isArray(o.points) || o.points.length === 0)
    throw new Error('scatterChart: points must be a non-empty array');
  const opacity = o.opacity ?? 0.75;
  if (!(opacity > 0 && opacity <= 1)) throw new Error(`scatterChart: opacity must be in (0, 1], got ${opacity}`);
  const radius = o.radius ?? (o.points.length > 1000 ? 2 : 3);
  if (!(radius > 0) || !Number.isFinite(radius))
    throw new Error(`scatterChart: radius must be a positive number, got ${radius}`);
  let xMin = Infinity;
  let xMax = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  o.points.forEach((p, i) => {
    if (p === null || typeof p !== 'object' || typeof p.x !== 'number' || typeof p.y !== 'number')
      throw new Error(`scatterChart: points[${i}] must be an object with numeric x and y`);
    if (typeof p.group !== 'number' && typeof p.group !== 'string')
      throw new Error(`scatterChart: points[${i}].group must be a number or a string`);
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) return;
    if (o.logX && p.x <= 0) throw new Error(`scatterChart: logX needs x > 0, but points[${i}] has x = ${p.x}`);
    if (o.logY && p.y <= 0) throw new Error(`scatterChart: logY needs y > 0, but points[${i}] has y = ${p.y}`);
    xMin = Math.min(xMin, p.x);
    xMax = Math.max(xMax, p.x);
    yMin = Math.min(yMin, p.y);
    yMax = Math.max(yMax, p.y);
  });
  if (xMin > xMax) throw new Error('scatterChart: no point has finite x and y');

  const groups = groupOrder(o.points);
  const index = new Map(groups.map((g, i) => [g, i]));
  const entries: LegendEntry[] = groups.map((g, i) => ({
    label: String(g),
    colour: categorical(i).colour,
    shape: categorical(i).shape,
    swatch: 'marker',
  }));
  const size = { width, height };
  const layout = xyLayout('scatterChart', o, size, entries, [xMin, xMax], [yMin, yMax]);
  const { area, xScale, yScale } = layout;

  const byGroup: string[][] = groups.map(() => []);
  for (const p of o.points) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
    const mx = xScale.map(p.x);
    const my = yScale.map(p.y);
    if (!inside(mx, my, area)) continue; // outside a fixed range
    const gi = index.get(p.group)!;
    byGroup[gi]!.push(marker(categorical(gi).shape, mx, my, radius));
  }
  const layers = groups.map((g, gi) =>
    element(
      'g',
      { class: 'group', 'data-group': String(g), fill: categorical(gi).colour, 'fill-opacity': String(opacity) },
      byGroup[gi]!.join(''),
    ),
  );

  return xyDocument(o, size, layout, layers, entries);
}
