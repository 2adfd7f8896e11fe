/**
 * Scatter charts coloured by group, for embeddings coloured by cluster.
 * Coordinates are rounded to 0.1 px and styling lives on one group element
 * per colour, so 5,000 points stay around 40 bytes each.
 */
import { makeScale } from './axis.ts';
import { inside } from './clip.ts';
import { element } from './escape.ts';
import {
  type Area,
  axisLabels,
  type ChartBase,
  checkBase,
  grid,
  type LegendEntry,
  leftMargin,
  legend,
  legendWidth,
  plotFrame,
  svgDocument,
  tickCounts,
  titleText,
  verticalMargins,
  xTicks,
  yTicks,
} from './frame.ts';
import { marker } from './markers.ts';
import { categorical } from './palette.ts';

export interface ScatterPoint {
  x: number;
  y: number;
  group: number | string;
}

export interface ScatterChartOptions extends ChartBase {
  /** Points; one with a non-finite coordinate is skipped. */
  points: readonly ScatterPoint[];
  logX?: boolean;
  logY?: boolean;
  xRange?: [number, number];
  yRange?: [number, number];
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
  const { top, bottom } = verticalMargins(o);
  const plotH = height - top - bottom;
  const right = 16 + legendWidth(entries);
  const yScale = makeScale(yMin, yMax, [top + plotH, top], {
    log: o.logY,
    fixed: o.yRange,
    count: tickCounts(0, plotH).y,
    name: 'scatterChart: yRange',
  });
  const left = leftMargin(yScale.labels, o.yLabel);
  const plotW = width - left - right;
  if (plotW < 40 || plotH < 40)
    throw new Error(
      `scatterChart: width ${width} × height ${height} leaves no room for the plot next to labels and legend`,
    );
  const area: Area = { left, top, width: plotW, height: plotH };
  const xScale = makeScale(xMin, xMax, [left, left + plotW], {
    log: o.logX,
    fixed: o.xRange,
    count: tickCounts(plotW, 0).x,
    name: 'scatterChart: xRange',
  });

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

  return svgDocument(width, height, o.title, [
    titleText(o.title, width),
    grid(area, xScale, yScale),
    element('g', { class: 'data' }, layers),
    plotFrame(area),
    xTicks(area, xScale.values.map(xScale.map), xScale.labels),
    yTicks(area, yScale.values.map(yScale.map), yScale.labels),
    axisLabels(area, o, height),
    legend(entries, area),
  ]);
}
