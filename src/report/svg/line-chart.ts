import { clipSegment, inside } from './clip.ts';
import { element, px } from './escape.ts';
import { type Area, checkBase, type LegendEntry } from './frame.ts';
import { marker } from './markers.ts';
import { categorical } from './palette.ts';
import { type XYAxes, xyDocument, xyLayout } from './xy-frame.ts';

export interface LineSeries {
  name: string;
  /** (x, y) pairs in drawing order; a pair with NaN or ±Infinity is skipped and breaks the line. */
  points: readonly (readonly [number, number])[];
  dashed?: boolean;
  /** Markers for this series (default: the chart's `markers`). */
  markers?: boolean;
}

export interface LineChartOptions extends XYAxes {
  series: readonly LineSeries[];
  /** A marker at every point (default false). */
  markers?: boolean;
}

/** Finite (x, y) extents over all series, after checking log-axis positivity. */
function extents(o: LineChartOptions): { xs: [number, number]; ys: [number, number] } {
  let xMin = Infinity;
  let xMax = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  o.series.forEach((s, si) => {
    if (s === null || typeof s !== 'object' || typeof s.name !== 'string')
      throw new Error(`lineChart: series[${si}] must be an object with a string name`);
    if (!Array.isArray(s.points))
      throw new Error(`lineChart: series "${s.name}".points must be an array of [x, y] pairs`);
    s.points.forEach((p, i) => {
      if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'number' || typeof p[1] !== 'number')
        throw new Error(`lineChart: series "${s.name}" point ${i} must be a pair of numbers [x, y]`);
      const [x, y] = p;
      if (!Number.isFinite(x) || !Number.isFinite(y)) return;
      if (o.logX && x <= 0)
        throw new Error(`lineChart: logX needs x > 0, but series "${s.name}" point ${i} has x = ${x}`);
      if (o.logY && y <= 0)
        throw new Error(`lineChart: logY needs y > 0, but series "${s.name}" point ${i} has y = ${y}`);
      xMin = Math.min(xMin, x);
      xMax = Math.max(xMax, x);
      yMin = Math.min(yMin, y);
      yMax = Math.max(yMax, y);
    });
  });
  if (xMin > xMax) throw new Error('lineChart: no finite points to draw (every series is empty or non-finite)');
  return { xs: [xMin, xMax], ys: [yMin, yMax] };
}

/** SVG path data for one series, clipped to the area, broken at non-finite points; plus indices of isolated points. */
function seriesPath(
  points: readonly (readonly [number, number])[],
  mapX: (v: number) => number,
  mapY: (v: number) => number,
  area: Area,
): { d: string; isolated: [number, number][] } {
  let d = '';
  let pen: [number, number] | null = null; // where the last emitted segment ended, unrounded
  let last = ''; // the last emitted coordinate, rounded, to skip zero-length steps
  let prev: [number, number] | null = null;
  const isolated: [number, number][] = [];
  let runLength = 0;
  const endRun = () => {
    if (runLength === 1 && prev && inside(prev[0], prev[1], area)) isolated.push(prev);
  };
  for (const [x, y] of points) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      endRun();
      prev = null;
      pen = null;
      runLength = 0;
      continue;
    }
    const p: [number, number] = [mapX(x), mapY(y)];
    runLength++;
    if (prev) {
      const seg = clipSegment(prev[0], prev[1], p[0], p[1], area);
      if (seg) {
        const [sx, sy, ex, ey] = seg;
        if (!pen || pen[0] !== sx || pen[1] !== sy) {
          last = `${px(sx)},${px(sy)}`;
          d += `M${last}`;
        }
        const end = `${px(ex)},${px(ey)}`;
        if (end !== last) d += `L${end}`;
        last = end;
        pen = ex === p[0] && ey === p[1] ? p : null;
      } else {
        pen = null;
      }
    }
    prev = p;
  }
  endRun();
  return { d, isolated };
}

/**
 * A line chart as a standalone SVG document. Series get the shared
 * categorical palette in order (and a new marker shape after eight); a
 * legend appears with two or more series. Non-finite points are skipped
 * with a gap; on a log axis, a finite value ≤ 0 is an error.
 */
export function lineChart(o: LineChartOptions): string {
  const { width, height } = checkBase('lineChart', o);
  if (!Array.isArray(o.series) || o.series.length === 0) throw new Error('lineChart: series must be a non-empty array');
  const { xs, ys } = extents(o);
  const styles = o.series.map((s, i) => ({ ...categorical(i), markers: s.markers ?? o.markers ?? false }));
  const entries: LegendEntry[] = o.series.map((s, i) => ({
    label: s.name,
    colour: styles[i]!.colour,
    swatch: 'line',
    dashed: s.dashed,
    withMarker: styles[i]!.markers,
    shape: styles[i]!.shape,
  }));
  const size = { width, height };
  const layout = xyLayout('lineChart', o, size, entries, xs, ys);
  const { area, xScale, yScale } = layout;

  const layers = o.series.map((s, i) => {
    const st = styles[i]!;
    const { d, isolated } = seriesPath(s.points, xScale.map, yScale.map, area);
    const parts: string[] = [];
    if (d)
      parts.push(
        element('path', {
          class: 'line',
          d,
          fill: 'none',
          stroke: st.colour,
          'stroke-width': 2,
          'stroke-linejoin': 'round',
          'stroke-linecap': 'round',
          'stroke-dasharray': s.dashed ? '6 4' : undefined,
        }),
      );
    const marks: string[] = [];
    if (st.markers) {
      for (const [x, y] of s.points) {
        if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
        const mx = xScale.map(x);
        const my = yScale.map(y);
        if (inside(mx, my, area)) marks.push(marker(st.shape, mx, my, 3.5));
      }
    } else {
      // A point with no finite neighbour has no line; show it as a dot rather than not at all.
      for (const [mx, my] of isolated) marks.push(marker(st.shape, mx, my, 2.5));
    }
    if (marks.length) parts.push(element('g', { class: 'markers', fill: st.colour }, marks));
    return element('g', { class: 'series', 'data-name': s.name }, parts);
  });

  return xyDocument(o, size, layout, layers, entries);
}
