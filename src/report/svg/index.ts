/**
 * Dependency-free SVG charts (line, scatter, heatmap, bar) sharing one
 * colour-blind-safe palette, nice ticks and escaping; every function
 * returns a standalone SVG 1.1 document as a string, deterministically.
 */
export { linearTicks, logTicks, makeScale, niceStep, type Scale, type ScaleOptions, type Ticks } from './axis.ts';
export { type Bar, type BarChartOptions, barChart } from './bar-chart.ts';
export { escapeXml } from './escape.ts';
export { formatLinearTicks, formatLogTick, formatValue } from './format.ts';
export type { ChartBase } from './frame.ts';
export { type HeatmapOptions, heatmap } from './heatmap.ts';
export { type ErrorStyle, type LineChartOptions, type LineSeries, lineChart } from './line-chart.ts';
export { CATEGORICAL, categorical, colourAt, DIVERGING, MISSING, SEQUENTIAL, SHAPES, type Shape } from './palette.ts';
export { type ScatterChartOptions, type ScatterPoint, scatterChart } from './scatter-chart.ts';
export type { XYAxes } from './xy-frame.ts';
