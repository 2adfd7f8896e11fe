import { clipSegment, inside } from './clip.ts';
import { errorBand, errorBar, errorTitle } from './error-bars.ts';
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
  /**
   * The spread at each point as absolute y values [low, high] (e.g. a
   * confidence interval over seeds), one per point: `errors[i]` belongs to
   * `points[i]`. low ≤ high is required, low ≤ y ≤ high is not. An interval
   * with a non-finite end (such as [NaN, NaN] for a single run) is skipped,
   * the point itself still drawn; so is the interval of a skipped point.
   */
  errors?: readonly (readonly [number, number])[];
  /** How this series draws its `errors` (default: the chart's `errorStyle`). */
  errorStyle?: ErrorStyle;
}

/** Vertical error bars with caps at each point, or a translucent band between the low and high curves. */
export type ErrorStyle = 'bars' | 'band';

export interface LineChartOptions extends XYAxes {
  series: readonly LineSeries[];
  /** A marker at every point (default false). */
  markers?: boolean;
  /** How series draw their `errors` (default 'bars'). */
  errorStyle?: ErrorStyle;
}

const ERROR_STYLES: readonly string[] = ['bars', 'band'];

/** The interval of point i of `s` when it is drawn: both the point and the interval are finite. */
function intervalAt(s: LineSeries, i: number): readonly [number, number] | undefined {
  const e = s.errors?.[i];
  const p = s.points[i];
  if (!e || !p || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) return undefined;
  return Number.isFinite(e[0]) && Number.isFinite(e[1]) ? e : undefined;
}

/** Checks `errors` of series `s` against its points and the log axis. */
function checkErrors(o: LineChartOptions, s: LineSeries): void {
  if (s.errorStyle !== undefined && !ERROR_STYLES.includes(s.errorStyle))
    throw new Error(`lineChart: series "${s.name}".errorStyle must be 'bars' or 'band', got ${String(s.errorStyle)}`);
  if (s.errors === undefined) return;
  if (!Array.isArray(s.errors))
    throw new Error(`lineChart: series "${s.name}".errors must be an array of [low, high] pairs`);
  if (s.errors.length !== s.points.length)
    throw new Error(
      `lineChart: series "${s.name}" has ${s.errors.length} errors for ${s.points.length} points (one [low, high] per point)`,
    );
  s.errors.forEach((e, i) => {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'number' || typeof e[1] !== 'number')
      throw new Error(`lineChart: series "${s.name}" errors[${i}] must be a pair of numbers [low, high]`);
    const iv = intervalAt(s, i);
    if (!iv) return;
    const [low, high] = iv;
    if (low > high)
      throw new Error(`lineChart: series "${s.name}" errors[${i}] has low ${low} > high ${high} (must be low ≤ high)`);
    if (o.logY && low <= 0)
      throw new Error(`lineChart: logY needs error bounds > 0, but series "${s.name}" point ${i} has low = ${low}`);
  });
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
    checkErrors(o, s);
    s.points.forEach((_, i) => {
      const iv = intervalAt(s, i);
      if (!iv) return;
      yMin = Math.min(yMin, iv[0]);
      yMax = Math.max(yMax, iv[1]);
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

/** Half-width in px of the caps on a line chart's error bars. */
const CAP = 4;

/**
 * The error layers of one series, drawn in its colour: bands (under the
 * line) and bars (over it, under the markers). In 'band' style a run of
 * consecutive points with intervals becomes one band; an interval with no
 * neighbouring interval, which has no band to be part of, is drawn as a bar.
 */
function errorLayers(
  s: LineSeries,
  style: ErrorStyle,
  colour: string,
  mapX: (v: number) => number,
  mapY: (v: number) => number,
  area: Area,
): { bands: string; bars: string } {
  if (!s.errors) return { bands: '', bars: '' };
  const bars: string[] = [];
  const bands: string[] = [];
  const bar = (i: number) => {
    const [x, y] = s.points[i]!;
    const [low, high] = intervalAt(s, i)!;
    const b = errorBar(mapX(x), mapY(low), mapY(high), CAP, area, errorTitle(s.name, y, low, high));
    if (b) bars.push(b);
  };
  if (style === 'bars') {
    s.points.forEach((_, i) => {
      if (intervalAt(s, i)) bar(i);
    });
  } else {
    let run: number[] = [];
    const endRun = () => {
      if (run.length === 1) bar(run[0]!);
      else if (run.length > 1) {
        const columns = run.map((i) => {
          const [low, high] = intervalAt(s, i)!;
          return [mapX(s.points[i]![0]), mapY(low), mapY(high)] as const;
        });
        const title = run
          .map((i) => errorTitle(s.name, s.points[i]![1], ...(intervalAt(s, i) as [number, number])))
          .join('\n');
        const band = errorBand(columns, area, { fill: colour, 'fill-opacity': '0.2', stroke: 'none' }, title);
        if (band) bands.push(band);
      }
      run = [];
    };
    s.points.forEach((_, i) => {
      if (intervalAt(s, i)) run.push(i);
      else endRun();
    });
    endRun();
  }
  return {
    bands: bands.join(''),
    bars: bars.length
      ? element('g', { class: 'error-bars', stroke: colour, 'stroke-width': 1.5, fill: 'none' }, bars)
      : '',
  };
}

/**
 * A line chart as a standalone SVG document. Series get the shared
 * categorical palette in order (and a new marker shape after eight); a
 * legend appears with two or more series. Non-finite points are skipped
 * with a gap; on a log axis, a finite value ≤ 0 is an error. Series with
 * `errors` show them as error bars or a band (`errorStyle`); the y extent
 * covers the intervals.
 */
export function lineChart(o: LineChartOptions): string {
  const { width, height } = checkBase('lineChart', o);
  if (!Array.isArray(o.series) || o.series.length === 0) throw new Error('lineChart: series must be a non-empty array');
  if (o.errorStyle !== undefined && !ERROR_STYLES.includes(o.errorStyle))
    throw new Error(`lineChart: errorStyle must be 'bars' or 'band', got ${String(o.errorStyle)}`);
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
    const errors = errorLayers(s, s.errorStyle ?? o.errorStyle ?? 'bars', st.colour, xScale.map, yScale.map, area);
    const parts: string[] = [errors.bands];
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
    parts.push(errors.bars);
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
