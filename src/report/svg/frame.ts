/**
 * What all charts share: size checks, margins around the plot area, the
 * SVG document wrapper, title, axes with grid, ticks and labels, and the
 * legend. Text widths are estimated (no font metrics in a dependency-free
 * library) from an average glyph width of 0.6 em.
 */
import type { Scale } from './axis.ts';
import { element, escapeXml, text } from './escape.ts';
import { marker } from './markers.ts';
import type { Shape } from './palette.ts';

export const FONT = 'Helvetica, Arial, sans-serif';
export const TICK_FONT = 12;
export const LABEL_FONT = 13;
export const TITLE_FONT = 15;
const INK = '#222222';
const GRID = '#E6E6E6';
const LEGEND_ROW = 18;
const LEGEND_MAX_CHARS = 32;

/** Estimated width in px of `s` at font size `size`. */
export function textWidth(s: string, size = TICK_FONT): number {
  return [...s].length * size * 0.6;
}

/** The plot area in px (integers, so the frame and the data mapping agree exactly). */
export interface Area {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Common options of every chart. */
export interface ChartBase {
  title?: string;
  xLabel: string;
  yLabel: string;
  /** Width in px (default 640). */
  width?: number;
  /** Height in px (default 400). */
  height?: number;
}

/** Validated width, height and labels of a chart. */
export function checkBase(chart: string, o: ChartBase): { width: number; height: number } {
  if (o === null || typeof o !== 'object') throw new Error(`${chart}: options must be an object`);
  const width = o.width ?? 640;
  const height = o.height ?? 400;
  for (const [k, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isFinite(v) || v < 120) throw new Error(`${chart}: ${k} must be a finite number ≥ 120 px, got ${v}`);
  }
  for (const k of ['xLabel', 'yLabel'] as const)
    if (typeof o[k] !== 'string') throw new Error(`${chart}: ${k} must be a string, got ${typeof o[k]}`);
  if (o.title !== undefined && typeof o.title !== 'string')
    throw new Error(`${chart}: title must be a string, got ${typeof o.title}`);
  return { width, height };
}

/** Top and bottom margins: room for the title, and for x tick labels plus the x-axis label. */
export function verticalMargins(o: ChartBase, extraBottom = 0): { top: number; bottom: number } {
  const top = o.title ? 40 : 16;
  const bottom = 24 + (o.xLabel ? 24 : 0) + extraBottom;
  return { top, bottom };
}

/** Left margin: room for the widest y tick label and the rotated y-axis label. */
export function leftMargin(tickLabels: readonly string[], yLabel: string): number {
  const widest = Math.max(0, ...tickLabels.map((l) => textWidth(l)));
  return Math.ceil(widest + 14 + (yLabel ? 24 : 4));
}

/** The document: xmlns, version, width/height and a matching viewBox, a white background and an accessible title. */
export function svgDocument(width: number, height: number, title: string | undefined, body: string[]): string {
  const head =
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="${escapeXml(FONT)}" font-size="${TICK_FONT}">`;
  const parts = [head];
  if (title) parts.push(element('title', {}, escapeXml(title)));
  parts.push(element('rect', { class: 'background', x: 0, y: 0, width, height, fill: '#FFFFFF' }));
  parts.push(...body.filter((b) => b !== ''));
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** The chart title, centred over the whole figure. */
export function titleText(title: string | undefined, width: number): string {
  if (!title) return '';
  return text(title, {
    class: 'title',
    x: width / 2,
    y: 24,
    'text-anchor': 'middle',
    'font-size': TITLE_FONT,
    'font-weight': 'bold',
    fill: INK,
  });
}

/** Light grid lines at the ticks of the given scales (drawn under the data). */
export function grid(area: Area, x?: Scale, y?: Scale): string {
  const lines: string[] = [];
  const right = area.left + area.width;
  const bottom = area.top + area.height;
  for (const v of x?.values ?? []) {
    const p = x!.map(v);
    lines.push(element('line', { x1: p, y1: area.top, x2: p, y2: bottom }));
  }
  for (const v of y?.values ?? []) {
    const p = y!.map(v);
    lines.push(element('line', { x1: area.left, y1: p, x2: right, y2: p }));
  }
  return lines.length ? element('g', { class: 'grid', stroke: GRID, 'stroke-width': 1 }, lines) : '';
}

/** Tick marks with labels along the bottom edge at pixel positions `at`; `rotate` tilts long labels. */
export function xTicks(area: Area, at: readonly number[], labels: readonly string[], rotate = false): string {
  const bottom = area.top + area.height;
  const parts: string[] = [];
  at.forEach((p, i) => {
    parts.push(element('line', { x1: p, y1: bottom, x2: p, y2: bottom + 5, stroke: INK }));
    const label = labels[i] ?? '';
    parts.push(
      rotate
        ? text(label, {
            x: p,
            y: bottom + 16,
            'text-anchor': 'end',
            transform: `rotate(-40 ${Math.round(p * 10) / 10} ${bottom + 16})`,
          })
        : text(label, { x: p, y: bottom + 18, 'text-anchor': 'middle' }),
    );
  });
  return element('g', { class: 'x-axis', fill: INK }, parts);
}

/** Tick marks with labels along the left edge at pixel positions `at`. */
export function yTicks(area: Area, at: readonly number[], labels: readonly string[]): string {
  const parts: string[] = [];
  at.forEach((p, i) => {
    parts.push(element('line', { x1: area.left - 5, y1: p, x2: area.left, y2: p, stroke: INK }));
    parts.push(text(labels[i] ?? '', { x: area.left - 8, y: p, dy: '0.32em', 'text-anchor': 'end' }));
  });
  return element('g', { class: 'y-axis', fill: INK }, parts);
}

/** Axis titles: x centred under the plot, y rotated along the left edge. */
export function axisLabels(area: Area, o: ChartBase, height: number, extraBottom = 0): string {
  const parts: string[] = [];
  if (o.xLabel) {
    parts.push(
      text(o.xLabel, {
        class: 'x-label',
        x: area.left + area.width / 2,
        y: Math.min(height - 8, area.top + area.height + 42 + extraBottom),
        'text-anchor': 'middle',
        'font-size': LABEL_FONT,
        fill: INK,
      }),
    );
  }
  if (o.yLabel) {
    const cx = 18;
    const cy = area.top + area.height / 2;
    parts.push(
      text(o.yLabel, {
        class: 'y-label',
        x: cx,
        y: cy,
        transform: `rotate(-90 ${cx} ${Math.round(cy * 10) / 10})`,
        'text-anchor': 'middle',
        'font-size': LABEL_FONT,
        fill: INK,
      }),
    );
  }
  return parts.join('\n');
}

/** The plot-area frame, drawn last so it sits over the data; tests and readers find the area through it. */
export function plotFrame(area: Area): string {
  return element('rect', {
    class: 'plot-area',
    x: area.left,
    y: area.top,
    width: area.width,
    height: area.height,
    fill: 'none',
    stroke: INK,
    'stroke-width': 1,
  });
}

/** One legend row: a swatch (line, marker, line with marker, or filled box) and a name. */
export interface LegendEntry {
  label: string;
  colour: string;
  swatch: 'line' | 'marker' | 'box';
  shape?: Shape;
  dashed?: boolean;
  withMarker?: boolean;
}

function shortLabel(label: string): string {
  const chars = [...label];
  return chars.length > LEGEND_MAX_CHARS ? `${chars.slice(0, LEGEND_MAX_CHARS - 1).join('')}…` : label;
}

/** Width the legend needs (0 for fewer than two entries: a single series needs no legend). */
export function legendWidth(entries: readonly LegendEntry[]): number {
  if (entries.length < 2) return 0;
  return Math.ceil(12 + 28 + Math.max(...entries.map((e) => textWidth(shortLabel(e.label)))) + 8);
}

/**
 * The legend to the right of the plot area, one row per entry; rows that
 * do not fit the plot height are summarised as "+N more".
 */
export function legend(entries: readonly LegendEntry[], area: Area): string {
  if (entries.length < 2) return '';
  const x0 = area.left + area.width + 12;
  const fit = Math.max(1, Math.floor(area.height / LEGEND_ROW));
  const shown = entries.length > fit ? entries.slice(0, fit - 1) : entries;
  const rows = shown.map((e, i) => {
    const y = area.top + 10 + i * LEGEND_ROW;
    let swatch: string;
    if (e.swatch === 'box') {
      swatch = element('rect', { x: x0, y: y - 6, width: 20, height: 12, fill: e.colour });
    } else if (e.swatch === 'marker') {
      swatch = element('g', { fill: e.colour }, marker(e.shape ?? 'circle', x0 + 10, y, 4));
    } else {
      swatch = element('line', {
        x1: x0,
        y1: y,
        x2: x0 + 20,
        y2: y,
        stroke: e.colour,
        'stroke-width': 2,
        'stroke-dasharray': e.dashed ? '6 4' : undefined,
      });
      if (e.withMarker) swatch += element('g', { fill: e.colour }, marker(e.shape ?? 'circle', x0 + 10, y, 3.5));
    }
    return element('g', { class: 'legend-entry' }, [
      swatch,
      text(shortLabel(e.label), { x: x0 + 28, y, dy: '0.32em' }),
    ]);
  });
  if (shown.length < entries.length) {
    const y = area.top + 10 + shown.length * LEGEND_ROW;
    rows.push(text(`+${entries.length - shown.length} more`, { x: x0 + 28, y, dy: '0.32em', 'font-style': 'italic' }));
  }
  return element('g', { class: 'legend', fill: INK }, rows);
}

/** Tick counts that suit the plot size: about one x tick per 100 px and one y tick per 70 px. */
export function tickCounts(plotWidth: number, plotHeight: number): { x: number; y: number } {
  const clamp = (v: number) => Math.min(10, Math.max(2, Math.round(v)));
  return { x: clamp(plotWidth / 100), y: clamp(plotHeight / 70) };
}
