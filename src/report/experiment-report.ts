/**
 * An experiment's results as a Markdown report (one table per metric: mean ±
 * sd over seeds and the 95 % interval, then the claims' verdicts) and as SVG
 * figures (each metric against the grid's x axis, one line per series, with
 * the 95 % interval as error bars where there are seeds to give one).
 */
import type { ExperimentResults, GroupResult, MetricSpread } from '../experiments/aggregate.ts';
import { GRAPH_METRICS } from '../experiments/domain-connectivity.ts';
import type { ReportLayout } from '../experiments/grid.ts';
import { type LineSeries, lineChart } from './svg/index.ts';

/** File name → SVG document. */
export type ExperimentFigures = Record<string, string>;

/** How a metric is shown: accuracies and relative gaps as percentages with two decimals, graph quantities as they are. */
const scaleOf = (metric: string) =>
  GRAPH_METRICS.has(metric) ? { k: 1, digits: 4, unit: '' } : { k: 100, digits: 2, unit: ' (%)' };

const shownValue = (metric: string, x: number) => {
  const s = scaleOf(metric);
  return (x * s.k).toFixed(s.digits);
};

/** One metric's value as the CLI prints it: `98.21%` for an accuracy, `0.0312` for a graph quantity. */
export const metricText = (metric: string, x: number): string =>
  GRAPH_METRICS.has(metric) ? shownValue(metric, x) : `${shownValue(metric, x)}%`;

function cellText(metric: string, m: MetricSpread | undefined): string {
  if (!m) return '—';
  if (m.n === 1) return shownValue(metric, m.mean);
  return `${shownValue(metric, m.mean)} ± ${shownValue(metric, m.sd)}`;
}

function intervalText(metric: string, m: MetricSpread | undefined): string {
  if (!m || m.n < 2) return '—';
  return `[${shownValue(metric, m.low)}, ${shownValue(metric, m.high)}]`;
}

const markdownTable = (header: string[], rows: string[][]): string =>
  [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

/** Which axes vary (more than one value): the ones tables and figures lay out. */
const varying = (r: ExperimentResults) => r.axes.filter((a) => a.labels.length > 1);

/** The axis on the figures' x axis and the one drawn as series (see ReportLayout). */
export function layoutOf(r: ExperimentResults, layout: ReportLayout): { x: string | null; series: string | null } {
  const v = varying(r).map((a) => a.name);
  const x = layout.x ?? v[0] ?? null;
  const series = layout.series ?? v.find((a) => a !== x) ?? null;
  return { x, series: series === x ? null : series };
}

/** results.md: what was run, a table per metric, the verdicts, and what is missing. */
export function experimentMarkdown(r: ExperimentResults): string {
  const axes = r.axes.map((a) => a.name);
  const out: string[] = [`# ${r.experiment}`, '', r.description, ''];
  const n = r.cells.length + r.missing.length;
  out.push(
    `Grid: ${r.axes.map((a) => `${a.name} ∈ {${a.labels.join(', ')}}`).join(' × ')} × seeds {${r.seeds.join(', ')}}` +
      ` = ${n} cells; ${r.cells.length} finished.`,
    '',
    'Each table: the mean ± sample sd over seeds (accuracies and gaps in %), and the 95 % interval of the mean ' +
      '(Student t); one seed gives the value alone.',
    '',
  );
  for (const metric of r.metrics) {
    const rows = r.groups
      .filter((g) => g.metrics[metric])
      .map((g: GroupResult) => [
        ...axes.map((a) => g.labels[a] ?? ''),
        cellText(metric, g.metrics[metric]),
        intervalText(metric, g.metrics[metric]),
        String(g.metrics[metric]?.n ?? 0),
      ]);
    if (rows.length === 0) continue;
    out.push(
      `## ${metric}`,
      '',
      markdownTable([...axes, `${metric}${scaleOf(metric).unit}`, '95 % interval', 'seeds'], rows),
      '',
    );
  }
  const verdicts = [...r.claims, ...(r.relations ?? [])];
  if (verdicts.length > 0) {
    out.push('## Verdicts', '');
    for (const c of verdicts) out.push(`- ${c.line}`);
    out.push('');
  }
  if (r.missing.length > 0) out.push(`Not finished (${r.missing.length}): ${r.missing.join('; ')}.`, '');
  return `${out.join('\n').trimEnd()}\n`;
}

/**
 * One figure per metric: the metric (in %) against the x axis, one line per
 * value of the series axis (or one line), with the 95 % interval as error
 * bars; the other varying axes, if any, get one figure per value.
 */
export function experimentFigures(r: ExperimentResults, layout: ReportLayout): ExperimentFigures {
  const { x, series } = layoutOf(r, layout);
  const figures: ExperimentFigures = {};
  const axisOf = (name: string) => r.axes.find((a) => a.name === name);
  const xAxis = x ? axisOf(x) : undefined;
  const others = varying(r).filter((a) => a.name !== x && a.name !== series);
  // Every combination of the other varying axes: one figure each.
  let panels: Record<string, string>[] = [{}];
  for (const a of others) panels = panels.flatMap((p) => a.labels.map((l) => ({ ...p, [a.name]: l })));
  const metrics = layout.metrics ?? r.metrics;
  for (const metric of metrics) {
    for (const panel of panels) {
      const groups = r.groups.filter(
        (g) => g.metrics[metric] && Object.entries(panel).every(([k, v]) => g.labels[k] === v),
      );
      if (groups.length === 0) continue;
      const seriesLabels = series ? (axisOf(series)?.labels ?? []) : [''];
      const lines: LineSeries[] = [];
      for (const s of seriesLabels) {
        const members = groups.filter((g) => !series || g.labels[series] === s);
        const pts = members
          .map((g) => {
            const i = xAxis ? xAxis.labels.indexOf(g.labels[x as string] as string) : 0;
            const m = g.metrics[metric] as MetricSpread;
            return { xv: xAxis ? (xAxis.x[i] as number) : 0, m };
          })
          .sort((a, b) => a.xv - b.xv);
        if (pts.length === 0) continue;
        const k = scaleOf(metric).k;
        lines.push({
          name: series ? `${series} ${s}` : metric,
          points: pts.map((p) => [p.xv, p.m.mean * k] as [number, number]),
          errors: pts.map((p) => (p.m.n > 1 ? [p.m.low * k, p.m.high * k] : [Number.NaN, Number.NaN])),
          markers: true,
        });
      }
      const suffix = Object.entries(panel)
        .map(([k, v]) => `-${k}-${v}`)
        .join('');
      const title = `${r.experiment}: ${metric}${Object.entries(panel)
        .map(([k, v]) => `, ${k} ${v}`)
        .join('')}`;
      figures[`${metric.replace(/[^A-Za-z0-9._-]+/g, '_')}${suffix}.svg`] = lineChart({
        title,
        xLabel: x ?? '',
        yLabel: `${metric}${scaleOf(metric).unit}`,
        logX: layout.logX === true && (xAxis?.x.every((v) => v > 0) ?? false),
        series: lines,
        xTicks: xAxis ? { values: xAxis.x, labels: xAxis.labels } : undefined,
      });
    }
  }
  const curve = labelEfficiencyFigure(r, series ?? x);
  if (curve) figures['label-efficiency.svg'] = curve;
  return figures;
}

/**
 * Accuracy against the labels per class m (metrics `probe@m`; `all` drawn
 * one decade past the largest m), one line per value of `by`, with the 95 %
 * interval over the grid's seeds as error bars.
 */
function labelEfficiencyFigure(r: ExperimentResults, by: string | null): string | null {
  const ms = r.metrics.filter((m) => m.startsWith('probe@')).map((m) => m.slice('probe@'.length));
  if (ms.length < 2) return null;
  const numeric = ms.filter((m) => m !== 'all').map(Number);
  const top = numeric.length > 0 ? Math.max(...numeric) : 1;
  const xOf = (m: string) => (m === 'all' ? top * 10 : Number(m));
  const labels = by ? (r.axes.find((a) => a.name === by)?.labels ?? []) : [''];
  const series: LineSeries[] = [];
  for (const l of labels) {
    const groups = r.groups.filter((g) => !by || g.labels[by] === l);
    // One group per line (other axes fixed): the first; a grid varying more axes draws per-metric figures instead.
    const g = groups[0];
    if (!g) continue;
    const pts = ms
      .filter((m) => g.metrics[`probe@${m}`])
      .map((m) => ({ x: xOf(m), s: g.metrics[`probe@${m}`] as MetricSpread }));
    series.push({
      name: by ? `${by} ${l}` : 'probe',
      points: pts.map((p) => [p.x, p.s.mean * 100] as [number, number]),
      errors: pts.map((p) => (p.s.n > 1 ? [p.s.low * 100, p.s.high * 100] : [Number.NaN, Number.NaN])),
      markers: true,
    });
  }
  return lineChart({
    title: `${r.experiment}: linear probe with m labels per class`,
    xLabel: 'labels per class m',
    yLabel: 'probe top-1 (%)',
    logX: true,
    series,
    xTicks: { values: ms.map(xOf), labels: ms },
  });
}
