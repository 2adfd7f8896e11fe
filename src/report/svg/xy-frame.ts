/**
 * The frame of a chart with two numeric axes (line and scatter charts): the
 * plot area between the y tick labels and the legend, both scales, and the
 * finished document around the chart's data layers.
 */
import { makeScale, type Scale } from './axis.ts';
import { element } from './escape.ts';
import {
  type Area,
  axisLabels,
  type ChartBase,
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

/** Axis options shared by the x–y charts. */
export interface XYAxes extends ChartBase {
  logX?: boolean;
  logY?: boolean;
  /** Fixed x domain (default: the data range widened to nice ticks). */
  xRange?: [number, number];
  /** Fixed y domain; what leaves it is clipped at the frame. */
  yRange?: [number, number];
  /**
   * Fixed x ticks instead of the automatic ones: a tick and grid line at each
   * value with its label (e.g. values [1, 2, 3], labels ["8", "32", "all"]).
   * Without `xRange` the x domain spans the data and every value, padded by
   * 5 % of that span at each end (not widened to nice ticks); with it, values
   * outside are left out. On a log x axis every value must be > 0.
   */
  xTicks?: { values: readonly number[]; labels: readonly string[] };
}

export interface XYLayout {
  area: Area;
  xScale: Scale;
  yScale: Scale;
}

/** The validated `xTicks` option, or undefined when not given. */
function checkXTicks(chart: string, o: XYAxes): { values: readonly number[]; labels: readonly string[] } | undefined {
  const t = o.xTicks;
  if (t === undefined) return undefined;
  if (t === null || typeof t !== 'object' || !Array.isArray(t.values) || !Array.isArray(t.labels))
    throw new Error(`${chart}: xTicks must be an object with arrays values and labels`);
  if (t.values.length !== t.labels.length)
    throw new Error(`${chart}: xTicks has ${t.values.length} values but ${t.labels.length} labels`);
  t.values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new Error(`${chart}: xTicks.values[${i}] must be a finite number, got ${v}`);
    if (o.logX && v <= 0) throw new Error(`${chart}: logX needs xTicks.values > 0, but xTicks.values[${i}] is ${v}`);
    if (typeof t.labels[i] !== 'string')
      throw new Error(`${chart}: xTicks.labels[${i}] must be a string, got ${typeof t.labels[i]}`);
  });
  return t;
}

/**
 * [lo, hi] widened by 5 % of its span at each end (in log₁₀ space on a log axis), so that points at the
 * ends stay clear of the frame; a single value gets ±10 % of itself (±1 at 0), or half a decade on a log axis.
 */
function paddedDomain(lo: number, hi: number, log: boolean): [number, number] {
  const t = log ? Math.log10 : (v: number) => v;
  const inv = log ? (v: number) => 10 ** v : (v: number) => v;
  const [a, b] = [t(lo), t(hi)];
  const pad = a < b ? 0.05 * (b - a) : log ? 0.5 : a === 0 ? 1 : 0.1 * Math.abs(a);
  return [inv(a - pad), inv(b + pad)];
}

/**
 * Plot area and scales for data spanning `xs` × `ys`. The y scale comes first: its tick labels set
 * the left margin, which sets the plot width and so the x tick count. Fixed `xTicks` replace the x
 * scale's ticks (and so its grid lines); without `xRange`, the x domain is then `xs` and the ticks, padded
 * by {@link paddedDomain} instead of widened to nice ticks.
 * @throws naming `chart` when the size leaves under 40 px for the plot.
 */
export function xyLayout(
  chart: string,
  o: XYAxes,
  size: { width: number; height: number },
  entries: readonly LegendEntry[],
  xs: [number, number],
  ys: [number, number],
): XYLayout {
  const ticks = checkXTicks(chart, o);
  // Fixed ticks need no nice domain: without a fixed range, the x domain is the data and the ticks, padded.
  const xFixed =
    ticks && !o.xRange
      ? paddedDomain(Math.min(xs[0], ...ticks.values), Math.max(xs[1], ...ticks.values), o.logX ?? false)
      : o.xRange;
  const { width, height } = size;
  const { top, bottom } = verticalMargins(o);
  const plotH = height - top - bottom;
  const right = 16 + legendWidth(entries);
  const yScale = makeScale(ys[0], ys[1], [top + plotH, top], {
    log: o.logY,
    fixed: o.yRange,
    count: tickCounts(0, plotH).y,
    name: `${chart}: yRange`,
  });
  const left = leftMargin(yScale.labels, o.yLabel);
  const plotW = width - left - right;
  if (plotW < 40 || plotH < 40)
    throw new Error(
      `${chart}: width ${width} × height ${height} leaves no room for the plot next to labels and legend`,
    );
  let xScale = makeScale(xs[0], xs[1], [left, left + plotW], {
    log: o.logX,
    fixed: xFixed,
    count: tickCounts(plotW, 0).x,
    name: `${chart}: xRange`,
  });
  if (ticks) {
    // Keep the values inside the domain (a fixed xRange may leave some out), with a relative slack for rounding.
    const [lo, hi] = xScale.domain;
    const slack = 1e-9 * Math.max(Math.abs(lo), Math.abs(hi));
    const keep = ticks.values.flatMap((v, i) => (v >= lo - slack && v <= hi + slack ? [i] : []));
    xScale = { ...xScale, values: keep.map((i) => ticks.values[i]!), labels: keep.map((i) => ticks.labels[i]!) };
  }
  return { area: { left, top, width: plotW, height: plotH }, xScale, yScale };
}

/** The SVG document: title, grid, the data layers, frame, ticks, axis labels and legend. */
export function xyDocument(
  o: XYAxes,
  size: { width: number; height: number },
  layout: XYLayout,
  layers: string[],
  entries: readonly LegendEntry[],
): string {
  const { area, xScale, yScale } = layout;
  return svgDocument(size.width, size.height, o.title, [
    titleText(o.title, size.width),
    grid(area, xScale, yScale),
    element('g', { class: 'data' }, layers),
    plotFrame(area),
    xTicks(area, xScale.values.map(xScale.map), xScale.labels),
    yTicks(area, yScale.values.map(yScale.map), yScale.labels),
    axisLabels(area, o, size.height),
    legend(entries, area),
  ]);
}
