/**
 * The run part of a report: the resolved config, the curves (loss and its
 * logged parts, lr, images/s, the kNN and collapse monitors), the epoch and
 * event lines, the probe / kNN / label-efficiency tables beside raw pixels
 * and the random encoder, and the feature projection. Used whole for a run's
 * report and compactly for each cell of an experiment's.
 */
import { COLLAPSE_THRESHOLD, type MetricLine } from '../../train/index.ts';
import { downsampleMinMax, seriesOf } from '../series.ts';
import { type LineSeries, lineChart, scatterChart } from '../svg/index.ts';
import { type Cell, numCell, numText, para, pctText, section, svgFigure, table } from './page.ts';
import type { Projection } from './projection.ts';
import type { RunFiles } from './run-files.ts';

/** One curve as the report embeds it: possibly min/max-downsampled (`points` says how many the run logged). */
export interface CurveData {
  x: number[];
  y: number[];
  /** Points in metrics.jsonl. */
  points: number;
  downsampled: boolean;
}

/** An interactive chart: which curves of which run it draws (the browser script reads these). */
export interface ChartSpec {
  /** Key of the run in the data's `runs`. */
  run: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: { curve: string; label: string; scale?: number }[];
  /** Offer an EMA smoothing slider (the loss). */
  smoothing?: boolean;
  /** A dashed horizontal reference line. */
  threshold?: { y: number; label: string };
}

/** How the run stands, from its files. */
export type RunStatus = 'finished' | 'interrupted' | 'running' | 'unfinished';

/** A run's part of the embedded data. */
export interface RunData {
  dir: string;
  status: RunStatus;
  config: Record<string, unknown>;
  summary: RunFiles['summary'];
  probe: RunFiles['probe'];
  knn: RunFiles['knn'];
  curves: Record<string, CurveData>;
  /** The epoch lines (kNN monitor, spread, collapsed) as logged. */
  epochs: MetricLine[];
  /** The event lines (plan, resume, nan, interrupted, …) as logged. */
  events: MetricLine[];
  projection: Projection | null;
  /** Why there is no projection (when there is none). */
  projectionNote: string | null;
  notes: string[];
}

export interface RunPartOptions {
  /** Key of the run in the data (and prefix of its element ids). */
  key: string;
  /** A cell of an experiment: no config table, no epoch/event tables, smaller charts. */
  compact?: boolean;
  /** Points per curve kept in the embedded data (min/max downsampling beyond). */
  maxPoints: number;
  /** Points per curve in the static SVG. */
  svgPoints: number;
  projection?: Projection | null;
  projectionNote?: string | null;
}

/** The result: the run's sections (markup), its data, its charts (id → spec). */
export interface RunPart {
  html: string;
  data: RunData;
  charts: Record<string, ChartSpec>;
}

/** Curves that are not the loss or one of its logged parts. */
const NOT_LOSS = new Set(['lr', 'spread', 'imagesPerSecond', 'knn', 'epoch:spread']);

/** A run's status from its files: summary.json → finished; an `interrupted` event last → interrupted; a lock → running. */
export function runStatus(files: RunFiles): RunStatus {
  if (files.summary) return 'finished';
  const last = files.metrics.filter((l) => l.type === 'event').at(-1);
  if (last?.event === 'interrupted') return 'interrupted';
  return files.locked ? 'running' : 'unfinished';
}

/** Nested objects as [dotted key, leaf value] rows (arrays are leaves). */
export function dottedEntries(obj: unknown, prefix = ''): [string, unknown][] {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return [[prefix, obj]];
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0)
      out.push(...dottedEntries(v, key));
    else out.push([key, v]);
  }
  return out;
}

/** A leaf value as text: strings as they are, everything else as JSON. */
const valueText = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? 'undefined'));

/** The config as a table of dotted keys; each value cell's `data-value` is the value's JSON. */
export function configTable(id: string, config: unknown): string {
  const rows = dottedEntries(config).map(([k, v]): Cell[] => [
    { text: k },
    { text: valueText(v), value: JSON.stringify(v) ?? 'null', attrs: { 'data-key': k } },
  ]);
  return table(id, ['key', 'value'], rows);
}

const str = (v: unknown): string => (v === undefined || v === null ? '—' : String(v));

/** The static SVG of a chart from the curves. */
function chartSvg(
  spec: ChartSpec,
  curves: Record<string, CurveData>,
  o: { svgPoints: number; compact: boolean },
): string {
  const series: LineSeries[] = [];
  for (const s of spec.series) {
    const c = curves[s.curve];
    if (!c || c.x.length === 0) continue;
    const d = downsampleMinMax(c.x, c.y, o.svgPoints);
    const k = s.scale ?? 1;
    series.push({
      name: s.label,
      points: d.x.map((x, i) => [x, (d.y[i] as number) * k] as [number, number]),
      markers: d.x.length <= 30,
    });
  }
  if (spec.threshold && series.length > 0) {
    const xs = series.flatMap((s) => s.points.map((p) => p[0]));
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    series.push({
      name: spec.threshold.label,
      points: [
        [lo, spec.threshold.y],
        [hi === lo ? lo + 1 : hi, spec.threshold.y],
      ],
      dashed: true,
      markers: false,
    });
  }
  return lineChart({
    title: spec.title,
    xLabel: spec.xLabel,
    yLabel: spec.yLabel,
    series,
    width: o.compact ? 460 : 580,
    height: o.compact ? 260 : 330,
  });
}

/** The charts a run's curves give (only those with at least one point). */
function chartSpecs(key: string, curves: Record<string, CurveData>): [string, ChartSpec][] {
  const has = (c: string) => (curves[c]?.x.length ?? 0) > 0;
  const lossParts = Object.keys(curves).filter((c) => !NOT_LOSS.has(c) && c !== 'loss');
  const specs: [string, ChartSpec][] = [];
  const add = (name: string, spec: Omit<ChartSpec, 'run'>) => {
    const series = spec.series.filter((s) => has(s.curve));
    if (series.length > 0) specs.push([`${key}:${name}`, { run: key, ...spec, series }]);
  };
  add('loss', {
    title: 'Loss and its logged parts',
    xLabel: 'step',
    yLabel: 'loss',
    series: [{ curve: 'loss', label: 'loss' }, ...lossParts.map((c) => ({ curve: c, label: c }))],
    smoothing: true,
  });
  add('lr', { title: 'Learning rate', xLabel: 'step', yLabel: 'lr', series: [{ curve: 'lr', label: 'lr' }] });
  add('throughput', {
    title: 'Throughput',
    xLabel: 'step',
    yLabel: 'images / s',
    series: [{ curve: 'imagesPerSecond', label: 'images/s' }],
  });
  add('knn', {
    title: 'kNN monitor (each epoch end)',
    xLabel: 'step',
    yLabel: 'kNN top-1 (%)',
    series: [{ curve: 'knn', label: 'kNN top-1', scale: 100 }],
  });
  add('collapse', {
    title: 'Collapse monitor: spread of the embedding',
    xLabel: 'step',
    yLabel: 'spread (1 isotropic, 0 a point)',
    series: [
      { curve: 'spread', label: 'spread (logged steps)' },
      { curve: 'epoch:spread', label: 'spread (epoch mean)' },
    ],
    threshold: { y: COLLAPSE_THRESHOLD, label: `collapsed below ${COLLAPSE_THRESHOLD}` },
  });
  return specs;
}

/** The summary table (summary.json's numbers). */
function summaryTable(id: string, files: RunFiles, status: RunStatus): string {
  const s = files.summary;
  const c = files.config as { method?: { name?: unknown }; dataset?: unknown; encoder?: { name?: unknown } };
  const rows: (Cell | string)[][] = [
    ['status', { text: status, value: status }],
    ['method', { text: str(c.method?.name), value: str(c.method?.name) }],
    ['dataset', { text: str(c.dataset), value: str(c.dataset) }],
    ['encoder', { text: str(c.encoder?.name), value: str(c.encoder?.name) }],
  ];
  if (s) {
    rows.push(
      ['steps', { ...numCell(s.steps, (x) => String(x)), attrs: { 'data-key': 'steps' } }],
      ['epochs', { ...numCell(s.epochs, (x) => String(x)), attrs: { 'data-key': 'epochs' } }],
      ['seconds', { ...numCell(s.seconds), attrs: { 'data-key': 'seconds' } }],
      ['images per second', { ...numCell(s.imagesPerSecond), attrs: { 'data-key': 'imagesPerSecond' } }],
      ['final loss', { ...numCell(s.finalLoss), attrs: { 'data-key': 'finalLoss' } }],
      [
        'linear probe (test top-1)',
        { ...numCell(s.evaluation?.linearProbe ?? null, pctText), attrs: { 'data-key': 'evaluation.linearProbe' } },
      ],
      ['kNN (test top-1)', { ...numCell(s.evaluation?.knn ?? null, pctText), attrs: { 'data-key': 'evaluation.knn' } }],
    );
  }
  return table(id, ['', 'value'], rows);
}

/** probe.json, knn.json and the label-efficiency curves as tables (and a figure). */
function evaluationHtml(key: string, files: RunFiles, compact: boolean): string {
  const out: string[] = [];
  const { probe, knn } = files;
  if (!probe && !knn) {
    out.push(
      para(
        'No probe.json or knn.json in the run folder: run `specl probe RUN_DIR --label-efficiency` and `specl knn RUN_DIR` to evaluate it beside raw pixels and a random encoder.',
        'note',
      ),
    );
    return out.join('\n');
  }
  if (probe) {
    const rows = probe.results.map((r): Cell[] => [
      { text: r.features, value: r.features },
      { text: r.kind, value: r.kind },
      numCell(r.dim, (x) => String(x)),
      numCell(r.linearProbe, pctText),
      numCell(r.trainAccuracy, pctText),
      numCell(r.l2),
      { text: r.converged ? 'yes' : 'no', value: String(r.converged) },
      { text: `${r.iterations} / ${r.maxIterations}`, value: String(r.iterations), num: true },
      { text: str(r.stop), value: str(r.stop) },
    ]);
    out.push(
      table(
        `${key}:probe`,
        ['features', 'kind', 'dim', 'test top-1', 'train top-1', 'l2', 'converged', 'iterations', 'stop'],
        rows,
        { caption: 'Linear probe (L-BFGS logistic regression on standardized frozen features)' },
      ),
    );
    const withLe = probe.results.filter((r) => Array.isArray(r.labelEfficiency) && r.labelEfficiency.length > 0);
    if (withLe.length > 0) {
      const ms = [...new Set(withLe.flatMap((r) => (r.labelEfficiency ?? []).map((e) => String(e.perClass))))];
      const leRows = withLe.map((r): Cell[] => [
        { text: r.features, value: r.features },
        ...ms.map((m): Cell => {
          const e = (r.labelEfficiency ?? []).find((x) => String(x.perClass) === m);
          if (!e) return { text: '—' };
          return {
            text: e.runs.length > 1 ? `${pctText(e.mean)} ± ${(e.std * 100).toFixed(2)}` : pctText(e.mean),
            value: String(e.mean),
            num: true,
            attrs: { 'data-sd': String(e.std), 'data-runs': JSON.stringify(e.runs), 'data-per-class': m },
          };
        }),
      ]);
      out.push(
        table(
          `${key}:label-efficiency`,
          ['features', ...ms.map((m) => (m === 'all' ? 'all labels' : `${m} / class`))],
          leRows,
          {
            caption:
              'Label efficiency: test top-1 of probes fitted on m labels per class (mean ± sd over the label draws)',
          },
        ),
      );
      if (!compact) {
        const numeric = ms.filter((m) => m !== 'all').map(Number);
        const top = numeric.length > 0 ? Math.max(...numeric) : 1;
        const xOf = (m: string) => (m === 'all' ? top * 10 : Number(m));
        const series: LineSeries[] = withLe.map((r) => {
          const es = (r.labelEfficiency ?? []).filter((e) => Number.isFinite(e.mean));
          return {
            name: r.features,
            points: es.map((e) => [xOf(String(e.perClass)), e.mean * 100] as [number, number]),
            errors: es.map((e) => [(e.mean - e.std) * 100, (e.mean + e.std) * 100] as [number, number]),
            markers: true,
          };
        });
        out.push(
          svgFigure(
            lineChart({
              title: 'Label efficiency',
              xLabel: 'labels per class m',
              yLabel: 'probe top-1 (%)',
              logX: true,
              series,
              xTicks: { values: ms.map(xOf), labels: ms },
              errorStyle: 'bars',
            }),
            { caption: 'Error bars: ± one sample sd over the label draws.' },
          ),
        );
      }
    }
  }
  if (knn) {
    const rows = knn.results.map((r): Cell[] => [
      { text: r.features, value: r.features },
      { text: r.kind, value: r.kind },
      numCell(r.dim, (x) => String(x)),
      numCell(r.knn, pctText),
    ]);
    out.push(
      table(`${key}:knn`, ['features', 'kind', 'dim', 'kNN top-1'], rows, {
        caption: `Weighted kNN (cosine, k = ${knn.k}, τ = ${knn.temperature}; bank: the training images)`,
      }),
    );
  }
  return out.join('\n');
}

/** The epoch lines (kNN monitor, spread, collapsed). */
function epochTable(key: string, epochs: MetricLine[]): string {
  const rows = epochs.map((l): Cell[] => [
    numCell(l.epoch as number, (x) => str(x)),
    numCell(l.step, (x) => str(x)),
    numCell((l.knn as number | null) ?? null, pctText),
    numCell((l.spread as number | null) ?? null),
    { text: l.collapsed === true ? 'COLLAPSED' : 'no', value: String(l.collapsed === true) },
  ]);
  return table(`${key}:epochs`, ['epoch', 'step', 'kNN monitor', 'spread', 'collapsed'], rows, {
    caption: `Epoch ends: the kNN monitor and the collapse monitor (collapsed: spread below ${COLLAPSE_THRESHOLD})`,
  });
}

/** The event lines (plan, resume, nan, interrupted, …). */
function eventTable(key: string, events: MetricLine[]): string {
  const rows = events.map((l): Cell[] => {
    const { type: _t, step, event, ...rest } = l;
    return [numCell(step, (x) => str(x)), { text: str(event), value: str(event) }, { text: JSON.stringify(rest) }];
  });
  return table(`${key}:events`, ['step', 'event', 'details'], rows, { caption: 'Events' });
}

/** The projection's figure and numbers. */
function projectionHtml(key: string, p: Projection): string {
  // In class order, so the legend lists the classes as the dataset numbers them.
  const points = p.coords
    .map((c, i) => ({ x: c[0] as number, y: c[1] as number, label: p.labels[i] as number }))
    .sort((a, b) => a.label - b.label)
    .map((q) => ({ x: q.x, y: q.y, group: p.classes[q.label] ?? String(q.label) }));
  const svg = scatterChart({
    title: `PCA of the frozen test features (${p.images} images)`,
    xLabel: `PC1 (${((p.ratio[0] as number) * 100).toFixed(1)}% of the variance)`,
    yLabel: `PC2 (${((p.ratio[1] as number) * 100).toFixed(1)}% of the variance)`,
    points,
    width: 720,
    height: 520,
  });
  const rows: Cell[][] = [0, 1].map((j) => [
    { text: `PC${j + 1}` },
    numCell(p.variance[j] as number),
    numCell(p.ratio[j] as number, pctText),
  ]);
  return [
    svgFigure(svg, {
      caption:
        `${p.images} of the ${p.ofTest} test images, drawn per class in proportion (seed ${p.seed}), through ` +
        `${p.weights}; features (d = ${p.dim}) centred and projected on the two leading eigenvectors of their covariance.`,
    }),
    table(`${key}:projection`, ['axis', 'variance', 'share of the total'], rows, {
      caption: `Explained variance (total variance ${numText(p.totalVariance)})`,
    }),
  ].join('\n');
}

/** The embedded curves: each as logged, min/max-downsampled to `maxPoints` when longer. */
function curvesOf(files: RunFiles, maxPoints: number): Record<string, CurveData> {
  const batch = (files.config as { batchSize?: unknown }).batchSize;
  const raw = seriesOf(files.metrics, { batch: typeof batch === 'number' ? batch : undefined });
  const out: Record<string, CurveData> = {};
  for (const [name, s] of Object.entries(raw)) {
    const d = s.x.length > maxPoints ? downsampleMinMax(s.x, s.y, maxPoints) : s;
    out[name] = { x: d.x, y: d.y, points: s.x.length, downsampled: s.x.length > maxPoints };
  }
  return out;
}

/** A run's sections, data and charts (see {@link RunPart}). */
export function runPart(files: RunFiles, o: RunPartOptions): RunPart {
  const compact = o.compact === true;
  const status = runStatus(files);
  const curves = curvesOf(files, o.maxPoints);
  const epochs = files.metrics.filter((l) => l.type === 'epoch');
  const events = files.metrics.filter((l) => l.type === 'event');
  const specs = chartSpecs(o.key, curves);
  const charts = Object.fromEntries(specs);
  const level = compact ? 4 : 2;
  const parts: string[] = [];
  const id = (s: string) => `${o.key}-${s}`;

  parts.push(section(id('summary'), 'Summary', summaryTable(`${o.key}:summary`, files, status), level));
  if (!compact)
    parts.push(section(id('config'), 'Config (resolved)', configTable(`${o.key}:config`, files.config), level));

  const figs = specs.map(([cid, spec]) => {
    const downsampled = spec.series.some((s) => curves[s.curve]?.downsampled);
    const note = downsampled
      ? `Curves min/max-downsampled to ${o.maxPoints} points (every minimum and maximum kept).`
      : undefined;
    return svgFigure(chartSvg(spec, curves, { svgPoints: o.svgPoints, compact }), {
      chart: cid,
      caption: note,
      cls: compact ? 'small' : undefined,
    });
  });
  const curveBody =
    figs.length > 0
      ? `<div class="grid">${figs.join('\n')}</div>`
      : para('No step or epoch lines logged yet: no curves to draw.', 'note');
  const collapsedAt = epochs.filter((l) => l.collapsed === true);
  const collapseNote =
    collapsedAt.length > 0
      ? para(
          `The collapse monitor flagged ${collapsedAt.length} epoch(s) as collapsed (spread below ${COLLAPSE_THRESHOLD}): epoch ${collapsedAt.map((l) => String(l.epoch)).join(', ')}.`,
          'warning',
        )
      : epochs.length > 0
        ? para(`No epoch was flagged as collapsed (spread below ${COLLAPSE_THRESHOLD}).`, 'note')
        : '';
  parts.push(
    section(
      id('curves'),
      'Curves',
      [curveBody, collapseNote, !compact && epochs.length > 0 ? epochTable(o.key, epochs) : '']
        .filter(Boolean)
        .join('\n'),
      level,
    ),
  );
  if (!compact && events.length > 0) parts.push(section(id('events'), 'Events', eventTable(o.key, events), level));
  parts.push(section(id('evaluation'), 'Evaluation', evaluationHtml(o.key, files, compact), level));
  if (!compact) {
    const body = o.projection
      ? projectionHtml(o.key, o.projection)
      : para(o.projectionNote ?? 'No projection was made.', 'note');
    parts.push(section(id('projection'), 'Feature projection', body, level));
  }
  for (const n of files.notes) parts.push(para(n, 'note'));

  const data: RunData = {
    dir: files.dir,
    status,
    config: files.config,
    summary: files.summary,
    probe: files.probe,
    knn: files.knn,
    curves,
    epochs,
    events,
    projection: o.projection ?? null,
    projectionNote: o.projection ? null : (o.projectionNote ?? null),
    notes: files.notes,
  };
  return { html: parts.join('\n'), data, charts };
}
