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
}

export interface XYLayout {
  area: Area;
  xScale: Scale;
  yScale: Scale;
}

/**
 * Plot area and scales for data spanning `xs` × `ys`. The y scale comes first: its tick labels set
 * the left margin, which sets the plot width and so the x tick count.
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
  const xScale = makeScale(xs[0], xs[1], [left, left + plotW], {
    log: o.logX,
    fixed: o.xRange,
    count: tickCounts(plotW, 0).x,
    name: `${chart}: xRange`,
  });
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
