/**
 * Heatmaps of a matrix (rows top to bottom), with a sequential or diverging
 * colour scale, a colour bar, and optional row groups — e.g. the rows of
 * U_k grouped by cluster, which look like scaled one-hot indicators.
 */
import { linearTicks } from './axis.ts';
import { element, text } from './escape.ts';
import {
  type Area,
  axisLabels,
  type ChartBase,
  checkBase,
  leftMargin,
  plotFrame,
  svgDocument,
  TICK_FONT,
  textWidth,
  titleText,
  verticalMargins,
  xTicks,
  yTicks,
} from './frame.ts';
import { colourAt, DIVERGING, MISSING, SEQUENTIAL } from './palette.ts';

export interface HeatmapOptions extends ChartBase {
  /** The matrix as rows (all the same length); NaN cells are drawn grey. */
  values: readonly (readonly number[])[];
  /** Group of each row (length = rows): a line separates rows where the group changes, and groups label the y axis. */
  rowGroups?: readonly (number | string)[];
  /** Diverging scale centred at 0 (blue–white–red over [−m, m], m = max |v|) instead of sequential viridis over [min, max]. */
  diverging?: boolean;
  /** Fixed colour domain [lo, hi]; values outside take the end colours. */
  range?: [number, number];
  /** Labels for rows / columns (default: 0-based indices, thinned when crowded). */
  rowLabels?: readonly string[];
  columnLabels?: readonly string[];
}

/** Indices 0..n−1 to label when there is room for about `room` labels: every 1st, 2nd, 5th, 10th, 20th, … */
function thinned(n: number, room: number): number[] {
  let stride = 1;
  for (let k = 0; Math.ceil(n / stride) > Math.max(1, room); k++) stride = [1, 2, 5][k % 3]! * 10 ** Math.floor(k / 3);
  const out: number[] = [];
  for (let i = 0; i < n; i += stride) out.push(i);
  return out;
}

/** Cell edges i·size/n from `start`, rounded to 0.1 px, so neighbouring cells share an edge exactly. */
function edges(start: number, size: number, n: number): number[] {
  return Array.from({ length: n + 1 }, (_, i) => Math.round((start + (i * size) / n) * 10) / 10);
}

/** The colour domain: [min, max] (sequential) or [−m, m] (diverging), or the fixed range. */
function colourDomain(o: HeatmapOptions, min: number, max: number): [number, number] {
  if (o.range) {
    const [a, b] = o.range;
    if (!Number.isFinite(a) || !Number.isFinite(b) || !(a < b))
      throw new Error(`heatmap: range must be two finite numbers [lo, hi] with lo < hi, got [${a}, ${b}]`);
    return [a, b];
  }
  if (o.diverging) {
    const m = Math.max(Math.abs(min), Math.abs(max));
    return m === 0 ? [-1, 1] : [-m, m];
  }
  return min === max ? [min - 0.5, max + 0.5] : [min, max];
}

/**
 * A heatmap as a standalone SVG document. Cell (i, j) spans columns
 * j/C … (j+1)/C and rows i/R … (i+1)/R of the plot area; its colour is the
 * scale at t = (v − lo)/(hi − lo), so the domain ends get the palette's end
 * colours exactly. Equal-coloured neighbours in a row merge into one rect.
 */
export function heatmap(o: HeatmapOptions): string {
  const { width, height } = checkBase('heatmap', o);
  if (!Array.isArray(o.values) || o.values.length === 0)
    throw new Error('heatmap: values must be a non-empty array of rows');
  const rows = o.values.length;
  const cols = Array.isArray(o.values[0]) ? o.values[0].length : 0;
  if (cols === 0) throw new Error('heatmap: values[0] must be a non-empty array of numbers');
  let min = Infinity;
  let max = -Infinity;
  o.values.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== cols)
      throw new Error(
        `heatmap: every row must have ${cols} values, but values[${i}] has ${Array.isArray(row) ? row.length : 'none'}`,
      );
    row.forEach((v, j) => {
      if (typeof v !== 'number') throw new Error(`heatmap: values[${i}][${j}] must be a number`);
      if (Number.isFinite(v)) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    });
  });
  if (min > max) throw new Error('heatmap: values holds no finite number');
  if (o.rowGroups !== undefined && (!Array.isArray(o.rowGroups) || o.rowGroups.length !== rows))
    throw new Error(`heatmap: rowGroups must have one entry per row (${rows}), got ${o.rowGroups?.length}`);
  for (const [k, labels, n] of [
    ['rowLabels', o.rowLabels, rows],
    ['columnLabels', o.columnLabels, cols],
  ] as const) {
    if (labels !== undefined && (!Array.isArray(labels) || labels.length !== n))
      throw new Error(`heatmap: ${k} must have ${n} entries, got ${labels?.length}`);
  }
  const domain = colourDomain(o, min, max);
  const stops = o.diverging ? DIVERGING : SEQUENTIAL;
  const colour = (v: number) =>
    Number.isFinite(v) ? colourAt(stops, (v - domain[0]) / (domain[1] - domain[0])) : MISSING;

  // Row runs of equal group: separators between them, group names at their middles.
  const runs: { group: string; start: number; end: number }[] = [];
  if (o.rowGroups) {
    o.rowGroups.forEach((g, i) => {
      const last = runs[runs.length - 1];
      if (last && last.group === String(g)) last.end = i + 1;
      else runs.push({ group: String(g), start: i, end: i + 1 });
    });
  }

  const colLabelAll = o.columnLabels ?? Array.from({ length: cols }, (_, j) => String(j));
  const widestCol = Math.max(...colLabelAll.map((l) => textWidth(l)));
  const { top, bottom: bottom0 } = verticalMargins(o);
  // Colour bar: 12 px gap, 14 px bar, 6 px tick, then tick labels.
  const plotH0 = height - top - bottom0;
  const barTicks = linearTicks(domain[0], domain[1], Math.max(2, Math.round(plotH0 / 70)), false);
  const right = 16 + 12 + 14 + 8 + Math.ceil(Math.max(...barTicks.labels.map((l) => textWidth(l))));
  const rowLabelAll = o.rowGroups
    ? runs.map((r) => r.group)
    : (o.rowLabels ?? Array.from({ length: rows }, (_, i) => String(i)));
  const left = leftMargin(rowLabelAll, o.yLabel);
  const plotW0 = width - left - right;
  const colRoom = Math.floor(plotW0 / Math.max(24, widestCol + 8));
  const rotate = widestCol + 8 > plotW0 / Math.min(cols, Math.max(1, colRoom)) && widestCol > 24;
  const extraBottom = rotate ? Math.ceil(Math.min(80, widestCol * 0.64)) : 0;
  const bottom = bottom0 + extraBottom;
  const plotH = height - top - bottom;
  const plotW = plotW0;
  if (plotW < 40 || plotH < 40)
    throw new Error(
      `heatmap: width ${width} × height ${height} leaves no room for the plot next to labels and colour bar`,
    );
  const area: Area = { left, top, width: plotW, height: plotH };

  const xe = edges(left, plotW, cols);
  const ye = edges(top, plotH, rows);
  const cells: string[] = [];
  for (let i = 0; i < rows; i++) {
    const row = o.values[i]!;
    let j = 0;
    while (j < cols) {
      const c = colour(row[j]!);
      let k = j + 1;
      while (k < cols && colour(row[k]!) === c) k++;
      cells.push(
        element('rect', { x: xe[j]!, y: ye[i]!, width: xe[k]! - xe[j]!, height: ye[i + 1]! - ye[i]!, fill: c }),
      );
      j = k;
    }
  }
  // Crisp edges avoid hairline seams between large cells; thin (sub-2px) cells are left antialiased so none vanish.
  const crisp = plotW / cols >= 2 && plotH / rows >= 2;
  const cellLayer = element('g', { class: 'cells', 'shape-rendering': crisp ? 'crispEdges' : undefined }, cells);

  const separators = runs
    .slice(1)
    .map((r) => element('line', { x1: left, y1: ye[r.start]!, x2: left + plotW, y2: ye[r.start]! }));
  const sepLayer = separators.length
    ? element('g', { class: 'row-separators', stroke: '#000000', 'stroke-width': 1 }, separators)
    : '';

  const centre = (e: number[], i: number) => (e[i]! + e[i + 1]!) / 2;
  const colShown = thinned(cols, rotate ? Math.floor(plotW / (TICK_FONT + 4)) : colRoom);
  const xAxis = xTicks(
    area,
    colShown.map((j) => centre(xe, j)),
    colShown.map((j) => colLabelAll[j]!),
    rotate,
  );
  let yAxis: string;
  if (o.rowGroups) {
    yAxis = yTicks(
      area,
      runs.map((r) => (ye[r.start]! + ye[r.end]!) / 2),
      runs.map((r) => r.group),
    );
  } else {
    const rowShown = thinned(rows, Math.floor(plotH / (TICK_FONT + 6)));
    yAxis = yTicks(
      area,
      rowShown.map((i) => centre(ye, i)),
      rowShown.map((i) => rowLabelAll[i]!),
    );
  }

  // Colour bar: 64 bands from the low end (bottom) to the high end (top), ticks on its right.
  const barX = left + plotW + 12;
  const bands = 64;
  const be = edges(top, plotH, bands);
  const barRects = Array.from({ length: bands }, (_, b) =>
    element('rect', {
      x: barX,
      y: be[b]!,
      width: 14,
      height: be[b + 1]! - be[b]!,
      fill: colourAt(stops, 1 - (b + 0.5) / bands),
    }),
  );
  const barY = (v: number) => top + plotH - ((v - domain[0]) / (domain[1] - domain[0])) * plotH;
  const barTickParts = barTicks.values.flatMap((v, i) => [
    element('line', { x1: barX + 14, y1: barY(v), x2: barX + 19, y2: barY(v), stroke: '#222222' }),
    text(barTicks.labels[i]!, { x: barX + 22, y: barY(v), dy: '0.32em' }),
  ]);
  const colourBar = element('g', { class: 'colour-bar', fill: '#222222' }, [
    element('g', { 'shape-rendering': 'crispEdges' }, barRects),
    element('rect', { x: barX, y: top, width: 14, height: plotH, fill: 'none', stroke: '#222222' }),
    ...barTickParts,
  ]);

  return svgDocument(width, height, o.title, [
    titleText(o.title, width),
    cellLayer,
    sepLayer,
    plotFrame(area),
    xAxis,
    yAxis,
    axisLabels(area, o, height, extraBottom),
    colourBar,
  ]);
}
