/**
 * Bar charts: one bar per label, or side-by-side bars per label when bars
 * carry a group (e.g. probe accuracy per method and dataset).
 */
import { makeScale } from './axis.ts';
import { errorBar, errorTitle } from './error-bars.ts';
import { element, text } from './escape.ts';
import { formatValue } from './format.ts';
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
  TICK_FONT,
  textWidth,
  tickCounts,
  titleText,
  verticalMargins,
  xTicks,
  yTicks,
} from './frame.ts';
import { CATEGORICAL, categorical } from './palette.ts';

export interface Bar {
  label: string;
  value: number;
  group?: string;
  /**
   * The spread of the value as absolute values [low, high] (low ≤ high; the
   * value need not lie inside), drawn as an error bar centred on the bar. An
   * interval with a non-finite end (such as [NaN, NaN]) is not drawn.
   */
  error?: readonly [number, number];
}

export interface BarChartOptions extends ChartBase {
  bars: readonly Bar[];
  /** Fixed y domain (default: the values and 0, widened to nice ticks). */
  yRange?: [number, number];
  /** Print each bar's value above (or below, if negative) it. */
  valueLabels?: boolean;
}

const MAX_LABEL_CHARS = 24;

function shortLabel(label: string): string {
  const chars = [...label];
  return chars.length > MAX_LABEL_CHARS ? `${chars.slice(0, MAX_LABEL_CHARS - 1).join('')}…` : label;
}

/** The checked error interval of bar i when it is drawn (both ends finite). */
function intervalOf(b: Bar, i: number): readonly [number, number] | undefined {
  const e = b.error;
  if (e === undefined) return undefined;
  if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'number' || typeof e[1] !== 'number')
    throw new Error(`barChart: bars[${i}] ("${b.label}") error must be a pair of numbers [low, high]`);
  if (!Number.isFinite(e[0]) || !Number.isFinite(e[1])) return undefined;
  if (e[0] > e[1])
    throw new Error(`barChart: bars[${i}] ("${b.label}") error has low ${e[0]} > high ${e[1]} (must be low ≤ high)`);
  return e;
}

/**
 * A bar chart as a standalone SVG document. Labels become categories along
 * x in order of first appearance; groups (first-appearance order) share a
 * category slot side by side, take the palette colours in order and get a
 * legend when there are two or more. Bars start at 0, so the y domain
 * always contains 0; it also covers the bars' error intervals.
 */
export function barChart(o: BarChartOptions): string {
  const { width, height } = checkBase('barChart', o);
  if (!Array.isArray(o.bars) || o.bars.length === 0) throw new Error('barChart: bars must be a non-empty array');
  const categories: string[] = [];
  const groups: string[] = [];
  const seen = new Set<string>();
  let min = 0;
  let max = 0;
  o.bars.forEach((b, i) => {
    if (b === null || typeof b !== 'object' || typeof b.label !== 'string')
      throw new Error(`barChart: bars[${i}] must be an object with a string label`);
    if (typeof b.value !== 'number' || !Number.isFinite(b.value))
      throw new Error(`barChart: bars[${i}] ("${b.label}") value must be a finite number, got ${b.value}`);
    if (b.group !== undefined && typeof b.group !== 'string')
      throw new Error(`barChart: bars[${i}].group must be a string when given`);
    const iv = intervalOf(b, i);
    const g = b.group ?? '';
    const key = JSON.stringify([b.label, g]);
    if (seen.has(key)) throw new Error(`barChart: two bars share label "${b.label}" and group "${g}"`);
    seen.add(key);
    if (!categories.includes(b.label)) categories.push(b.label);
    if (!groups.includes(g)) groups.push(g);
    min = Math.min(min, b.value, iv ? iv[0] : 0);
    max = Math.max(max, b.value, iv ? iv[1] : 0);
  });
  const grouped = groups.length >= 2;
  const colourOf = (g: string) => (grouped ? categorical(groups.indexOf(g)).colour : (CATEGORICAL[0] as string));
  const entries: LegendEntry[] = grouped
    ? groups.map((g) => ({ label: g === '' ? '(none)' : g, colour: colourOf(g), swatch: 'box' }))
    : [];

  const labels = categories.map(shortLabel);
  const widest = Math.max(...labels.map((l) => textWidth(l)));
  const { top, bottom: bottom0 } = verticalMargins(o);
  const right = 16 + legendWidth(entries);
  // Decide rotation against a provisional plot width; rotated labels need extra room below.
  const plotW0 = width - 80 - right;
  const rotate = widest + 6 > plotW0 / categories.length;
  const extraBottom = rotate ? Math.ceil(Math.min(100, widest * 0.64)) : 0;
  const plotH = height - top - bottom0 - extraBottom;
  const yScale = makeScale(min, max, [top + plotH, top], {
    fixed: o.yRange,
    count: tickCounts(0, plotH).y,
    name: 'barChart: yRange',
  });
  const left = leftMargin(yScale.labels, o.yLabel);
  const plotW = width - left - right;
  if (plotW < 40 || plotH < 40)
    throw new Error(
      `barChart: width ${width} × height ${height} leaves no room for the plot next to labels and legend`,
    );
  const area: Area = { left, top, width: plotW, height: plotH };

  const slot = plotW / categories.length;
  const barW = (slot * 0.8) / groups.length;
  const clampY = (y: number) => Math.min(top + plotH, Math.max(top, y));
  const y0 = clampY(yScale.map(0));
  const rects: string[] = [];
  const valueTexts: string[] = [];
  const errorBars: string[] = [];
  const cap = Math.min(6, barW / 4);
  o.bars.forEach((b, i) => {
    const c = categories.indexOf(b.label);
    const g = groups.indexOf(b.group ?? '');
    const x = left + c * slot + slot * 0.1 + g * barW;
    const y = clampY(yScale.map(b.value));
    rects.push(
      element('rect', {
        x,
        y: Math.min(y, y0),
        width: barW,
        height: Math.abs(y0 - y),
        fill: colourOf(b.group ?? ''),
        'data-label': b.label,
        'data-group': b.group,
      }),
    );
    const iv = intervalOf(b, i);
    let labelY = y; // the value label goes beyond the bar end, and beyond its error bar
    if (iv) {
      const [yLow, yHigh] = [yScale.map(iv[0]), yScale.map(iv[1])];
      const name = b.group === undefined ? b.label : `${b.label} (${b.group})`;
      const bar = errorBar(x + barW / 2, yLow, yHigh, cap, area, errorTitle(name, b.value, iv[0], iv[1]));
      if (bar) errorBars.push(bar);
      labelY = b.value < 0 ? Math.max(y, clampY(yLow)) : Math.min(y, clampY(yHigh));
    }
    if (o.valueLabels) {
      const below = b.value < 0;
      valueTexts.push(
        text(formatValue(b.value, 3), {
          x: x + barW / 2,
          y: below ? labelY + TICK_FONT + 2 : labelY - 4,
          'text-anchor': 'middle',
          'font-size': 11,
        }),
      );
    }
  });
  const zero =
    yScale.domain[0] < 0 && yScale.domain[1] > 0
      ? element('line', { class: 'zero', x1: left, y1: y0, x2: left + plotW, y2: y0, stroke: '#222222' })
      : '';

  return svgDocument(width, height, o.title, [
    titleText(o.title, width),
    grid(area, undefined, yScale),
    element('g', { class: 'data' }, rects),
    zero,
    errorBars.length
      ? element('g', { class: 'error-bars', stroke: '#222222', 'stroke-width': 1.5, fill: 'none' }, errorBars)
      : '',
    valueTexts.length ? element('g', { class: 'value-labels', fill: '#222222' }, valueTexts) : '',
    plotFrame(area),
    xTicks(
      area,
      categories.map((_, c) => left + (c + 0.5) * slot),
      labels,
      rotate,
    ),
    yTicks(area, yScale.values.map(yScale.map), yScale.labels),
    axisLabels(area, o, height, extraBottom),
    legend(entries, area),
  ]);
}
