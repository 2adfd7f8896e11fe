/**
 * The experiment part of a report: what was run, a table per metric (mean ±
 * sd over seeds and the 95 % interval, as results.json has them), the
 * figures, the verdicts of the claims and relations, a table of every cell,
 * and one section per cell (its run folder's curves and numbers, compactly)
 * that the tables link to.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GRAPH_METRICS } from '../../experiments/domain-connectivity.ts';
import {
  aggregate,
  cellDir,
  type ExperimentFile,
  type ExperimentResults,
  finishedCells,
  type MetricSpread,
  readExperiment,
  resultsFile,
} from '../../experiments/index.ts';
import { experimentFigures } from '../experiment-report.ts';
import { anchorId, type Cell, esc, numCell, para, section, svgFigure, table } from './page.ts';
import { isRunFolder, readJsonObject, readRunFiles } from './run-files.ts';
import { type ChartSpec, configTable, type RunData, runPart } from './run-report.ts';

/** The experiment's part of the embedded data. */
export interface ExperimentData {
  dir: string;
  /** experiment.json's spec and cells. */
  file: ExperimentFile;
  /** results.json (or, when the folder has none yet, the same aggregation made in memory). */
  results: ExperimentResults;
  /** Where `results` came from. */
  resultsFrom: 'results.json' | 'aggregated now';
  /** Cell id → the id of its section in the page. */
  anchors: Record<string, string>;
}

export interface ExperimentPart {
  html: string;
  toc: [string, string][];
  data: ExperimentData;
  runs: Record<string, RunData>;
  charts: Record<string, ChartSpec>;
  notes: string[];
}

const scale = (metric: string) =>
  GRAPH_METRICS.has(metric) ? { k: 1, digits: 4, unit: '' } : { k: 100, digits: 2, unit: '%' };
const shown = (metric: string, x: number | null | undefined): string => {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '—';
  const s = scale(metric);
  return `${(x * s.k).toFixed(s.digits)}${s.unit}`;
};

/** A mean ± sd cell holding the exact numbers (data-value = the mean; data-sd, data-low, data-high, data-n). */
function spreadCell(metric: string, m: MetricSpread): Cell {
  const s = scale(metric);
  const text = m.n > 1 ? `${shown(metric, m.mean)} ± ${(m.sd * s.k).toFixed(s.digits)}` : shown(metric, m.mean);
  return {
    text,
    value: String(m.mean),
    num: true,
    attrs: { 'data-sd': String(m.sd), 'data-low': String(m.low), 'data-high': String(m.high), 'data-n': String(m.n) },
  };
}

const verdictClass = (v: string) => `verdict-${v.replace(/\s+/g, '-')}`;

/**
 * Reads the experiment folder `dir` and builds its part (see the file
 * header). `maxPoints`: points per curve kept for each cell.
 */
export function experimentPart(dir: string, o: { maxPoints: number; svgPoints: number }): ExperimentPart {
  const file = readExperiment(dir);
  const notes: string[] = [];
  let results: ExperimentResults;
  let resultsFrom: ExperimentData['resultsFrom'] = 'results.json';
  const rPath = resultsFile(dir);
  if (existsSync(rPath)) {
    results = readJsonObject(rPath) as unknown as ExperimentResults;
    for (const k of ['axes', 'cells', 'groups', 'metrics'] as const)
      if (!Array.isArray((results as unknown as Record<string, unknown>)[k]))
        throw new Error(`${rPath}: not an experiment's results (no ${k} array)`);
  } else {
    results = aggregate(file.spec, file.cells, finishedCells(dir, file));
    resultsFrom = 'aggregated now';
    notes.push(`${rPath} is missing: the tables aggregate the finished cells now (specl experiment collect writes it)`);
  }
  const anchors: Record<string, string> = {};
  file.cells.forEach((c, i) => {
    anchors[c.id] = anchorId('cell', i, c.id);
  });
  const axes = results.axes.map((a) => a.name);
  const cellsOf = (labels: Record<string, string>) =>
    results.cells.filter((c) => axes.every((a) => c.labels[a] === labels[a]));
  const link = (id: string, text: string): Cell =>
    anchors[id] ? { text, href: `#${anchors[id]}`, attrs: { 'data-cell': id } } : { text };

  const out: string[] = [];
  const toc: [string, string][] = [];
  // What was run.
  const n = results.cells.length + results.missing.length;
  const grid = results.axes.map((a) => `${a.name} ∈ {${a.labels.join(', ')}}`).join(' × ');
  out.push(
    section(
      'experiment',
      'Experiment',
      [
        para(results.description),
        para(
          `Grid: ${grid || '(one point)'} × seeds {${results.seeds.join(', ')}} = ${n} cells; ${results.cells.length} finished.`,
        ),
        para(
          'Each table: the mean ± sample sd over seeds (accuracies and gaps in %), and the 95 % interval of the mean (Student t); one seed gives the value alone. The cells link to their runs below.',
          'note',
        ),
        results.missing.length > 0
          ? para(`Not finished (${results.missing.length}): ${results.missing.join('; ')}.`, 'warning')
          : '',
        ...notes.map((t) => para(t, 'note')),
      ].join('\n'),
    ),
  );
  toc.push(['experiment', 'Experiment']);

  // A table per metric.
  const tables: string[] = [];
  for (const metric of results.metrics) {
    const groups = results.groups.filter((g) => g.metrics[metric]);
    if (groups.length === 0) continue;
    const rows = groups.map((g): (Cell | string)[] => {
      const m = g.metrics[metric] as MetricSpread;
      const members = cellsOf(g.labels);
      return [
        ...axes.map((a) => ({ text: g.labels[a] ?? '', value: g.labels[a] ?? '' })),
        spreadCell(metric, m),
        m.n > 1 ? { text: `[${shown(metric, m.low)}, ${shown(metric, m.high)}]`, value: `${m.low},${m.high}` } : '—',
        numCell(m.n, (x) => String(x)),
        {
          text: members.map((c) => c.id).join(' '),
          attrs: { 'data-cells': JSON.stringify(members.map((c) => c.id)) },
          html: members
            .map((c) =>
              anchors[c.id]
                ? `<a href="#${esc(anchors[c.id])}" data-cell="${esc(c.id)}">seed ${esc(c.seed)}</a>`
                : esc(c.id),
            )
            .join(' '),
        },
      ];
    });
    const withLinks = table(
      `metric:${metric}`,
      [...axes, `${metric}${scale(metric).unit ? ' (%)' : ''}`, '95 % interval', 'seeds', 'cells'],
      rows,
    );
    tables.push(`<h3>${esc(metric)}</h3>\n${withLinks}`);
  }
  out.push(section('tables', 'Results', tables.join('\n') || para('No cell has finished yet.', 'note')));
  toc.push(['tables', 'Results']);

  // Figures.
  let figures: Record<string, string> = {};
  try {
    figures = results.groups.length > 0 ? experimentFigures(results, file.spec.report ?? {}) : {};
  } catch (e) {
    notes.push(`the figures could not be drawn: ${(e as Error).message}`);
  }
  const figs = Object.entries(figures).map(([name, svg]) => svgFigure(svg, { caption: name }));
  if (figs.length > 0) {
    out.push(section('figures', 'Figures', `<div class="grid">${figs.join('\n')}</div>`));
    toc.push(['figures', 'Figures']);
  }

  // Verdicts.
  const claims = results.claims ?? [];
  const relations = results.relations ?? [];
  if (claims.length + relations.length > 0) {
    const claimRows = claims.map((c): (Cell | string)[] => [
      { text: c.text },
      { text: c.metric, value: c.metric },
      { text: c.verdict, value: c.verdict, attrs: { class: verdictClass(c.verdict) } },
      numCell(c.difference?.mean ?? null, (x) => shown(c.metric, x)),
      c.difference && c.difference.n > 1
        ? {
            text: `[${shown(c.metric, c.difference.low)}, ${shown(c.metric, c.difference.high)}]`,
            value: `${c.difference.low},${c.difference.high}`,
          }
        : '—',
      { text: c.line },
    ]);
    const relRows = relations.map((r): (Cell | string)[] => [
      { text: `${r.y} against ${r.x}` },
      { text: r.verdict, value: r.verdict, attrs: { class: verdictClass(r.verdict) } },
      numCell(r.spearman?.rho ?? null),
      numCell(r.spearman?.n ?? null, (x) => (x === null || x === undefined ? '—' : String(x))),
      { text: r.line },
    ]);
    out.push(
      section(
        'verdicts',
        'Verdicts',
        [
          claims.length > 0
            ? table(
                'claims',
                ['claim', 'metric', 'verdict', 'paired difference a − b', '95 % interval', 'measured'],
                claimRows,
              )
            : '',
          relations.length > 0
            ? table('relations', ['relation', 'verdict', 'Spearman ρ', 'points', 'measured'], relRows)
            : '',
        ].join('\n'),
      ),
    );
    toc.push(['verdicts', 'Verdicts']);
  }

  // Every cell.
  const metricNames = results.metrics;
  const cellRows = file.cells.map((c): (Cell | string)[] => {
    const r = results.cells.find((x) => x.id === c.id);
    return [
      link(c.id, c.id),
      { text: c.kind, value: c.kind },
      numCell(c.seed, (x) => String(x)),
      { text: r ? 'finished' : 'not finished', value: r ? 'finished' : 'missing' },
      numCell(r?.steps ?? null, (x) => (x === null || x === undefined ? '—' : String(x))),
      ...metricNames.map((m) => ({
        ...numCell(r?.metrics[m] ?? null, (x) => shown(m, x)),
        attrs: { 'data-metric': m },
      })),
    ];
  });
  out.push(
    section('cells', 'Cells', table('cells', ['cell', 'kind', 'seed', 'status', 'steps', ...metricNames], cellRows)),
  );
  toc.push(['cells', 'Cells']);

  // One section per cell.
  const runs: Record<string, RunData> = {};
  const charts: Record<string, ChartSpec> = {};
  const cellSections = file.cells.map((c) => {
    const anchor = anchors[c.id] as string;
    const r = results.cells.find((x) => x.id === c.id);
    const body: string[] = [];
    const labels = Object.entries(c.labels)
      .map(([k, v]) => `${k} = ${v}`)
      .join(', ');
    body.push(
      para(
        `${labels ? `${labels}, ` : ''}seed ${c.seed}; ${c.kind === 'run' ? 'a pretraining run' : `reference: ${c.kind}`}; ${r ? 'finished' : 'not finished'}.`,
      ),
    );
    if (r) {
      body.push(
        table(
          `${anchor}:metrics`,
          ['metric', 'value'],
          Object.entries(r.metrics).map(([m, v]): Cell[] => [{ text: m, value: m }, numCell(v, (x) => shown(m, x))]),
        ),
      );
    }
    body.push(
      `<details><summary>settings of this cell</summary>${configTable(`${anchor}:settings`, c.settings)}</details>`,
    );
    const folder = cellDir(dir, c.id);
    if (isRunFolder(folder)) {
      try {
        const part = runPart(readRunFiles(folder), {
          key: anchor,
          compact: true,
          maxPoints: o.maxPoints,
          svgPoints: o.svgPoints,
        });
        runs[anchor] = part.data;
        Object.assign(charts, part.charts);
        body.push(part.html);
      } catch (e) {
        body.push(para(`The cell's run folder could not be read: ${(e as Error).message}`, 'warning'));
        notes.push((e as Error).message);
      }
    } else if (c.kind === 'run') body.push(para(`No run folder yet (${join('cells', c.id)}).`, 'note'));
    return `<section id="${esc(anchor)}" class="cell" data-cell="${esc(c.id)}"><h3>cell ${esc(c.id)}</h3>\n${body.join('\n')}\n</section>`;
  });
  out.push(`<section id="runs"><h2>Runs of the cells</h2>\n${cellSections.join('\n')}\n</section>`);
  toc.push(['runs', 'Runs']);

  return {
    html: out.join('\n'),
    toc,
    data: { dir, file, results, resultsFrom, anchors },
    runs,
    charts,
    notes,
  };
}
