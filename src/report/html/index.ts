/**
 * `specl report`: one self-contained HTML file of a run, an experiment or a
 * theory output folder, that opens offline anywhere. Scripts, styles and
 * data are inlined (no CDN, no server, nothing fetched); every figure is
 * static inline SVG, readable with JavaScript off, and JavaScript, where it
 * runs, adds zoomable uPlot curves with hover values and a smoothing slider.
 * A strict content security policy admits only the page's own inline script
 * and stylesheet (by hash) and data: images. All numbers are recoverable:
 * the data sits in `<script type="application/json" id="specl-data">` and
 * every number in a table carries its exact value in `data-value`.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { experimentFile } from '../../experiments/index.ts';
import {
  boolean,
  nonNegativeInt,
  option,
  positiveInt,
  resolve as resolveOptions,
  type Schema,
} from '../../options/index.ts';
import { writeFileAtomic } from '../../util/atomic-write.ts';
import { browserBundle, uplotCss } from '../browser-bundle.ts';
import { type ExperimentData, experimentPart } from './experiment-part.ts';
import { page } from './page.ts';
import { featureProjection, type Projection } from './projection.ts';
import { isRunFolder, readRunFiles } from './run-files.ts';
import { type ChartSpec, type RunData, runPart } from './run-report.ts';
import { type TheoryData, theoryChecksIn, theoryPart } from './theory-part.ts';

export { jsonForScript } from './page.ts';
export { type PcaResult, pca } from './pca.ts';
export { featureProjection, type Projection, stratifiedCounts } from './projection.ts';
export { type RunFiles, readMetricsFile, readRunFiles } from './run-files.ts';
export type { ChartSpec, CurveData, RunData, RunStatus } from './run-report.ts';
export { THEORY_CHECKS } from './theory-part.ts';
export type { ExperimentData, TheoryData };

/** The report's options, declared once (the CLI's flags derive from these). */
export const REPORT_OPTIONS = {
  projection: option(
    nonNegativeInt,
    2000,
    'test images in the 2-D projection of the frozen features of a run (drawn per class; 0: no projection)',
  ),
  maxPoints: option(positiveInt, 10_000, 'points kept per curve of a run (longer curves are min/max-downsampled)'),
  cellPoints: option(positiveInt, 400, 'points kept per curve of each cell of an experiment'),
  interactive: option(boolean, true, 'add the interactive charts (uPlot); without: static SVG only'),
} satisfies Schema;

export interface ReportOptions {
  /** Test images projected for a run's report (default 2000; 0: none). */
  projection?: number;
  /** Points kept per curve of a run (default 10,000). */
  maxPoints?: number;
  /** Points kept per curve of an experiment's cell (default 400). */
  cellPoints?: number;
  /** Inline the interactive layer (default true). */
  interactive?: boolean;
  /** Called with what the report noticed (a projection left out, a torn metrics line), as it happens. */
  onNote?: (note: string) => void;
}

/** What a report folder is. */
export type ReportKind = 'run' | 'experiment' | 'theory';

/** The embedded data (`specl-data`). */
export interface ReportData {
  kind: ReportKind;
  /** Version of this layout. */
  version: 1;
  runs: Record<string, RunData>;
  charts: Record<string, ChartSpec>;
  experiment?: ExperimentData;
  theory?: TheoryData;
}

/** A report, built. */
export interface Report {
  kind: ReportKind;
  html: string;
  data: ReportData;
  /** What was left out or noticed, one sentence each. */
  notes: string[];
}

/** Points per curve in the static SVG figures. */
const SVG_POINTS = 800;

const settings = (o: ReportOptions) =>
  resolveOptions<{ projection: number; maxPoints: number; cellPoints: number; interactive: boolean }>(
    REPORT_OPTIONS,
    Object.fromEntries(Object.entries(o).filter(([k, v]) => k !== 'onNote' && v !== undefined)),
    { owner: 'report' },
  );

/**
 * What `dir` is: a run folder (config.json / metrics.jsonl), an experiment
 * folder (experiment.json) or a theory output folder (`<check>.json`); an
 * error naming the folder and what was expected otherwise.
 */
export function reportKind(dir: string): ReportKind {
  if (!existsSync(dir)) throw new Error(`${dir}: no such folder`);
  if (!statSync(dir).isDirectory())
    throw new Error(`${dir}: not a folder (specl report takes a run, experiment or theory folder)`);
  if (existsSync(experimentFile(dir))) return 'experiment';
  if (isRunFolder(dir)) return 'run';
  if (theoryChecksIn(dir).length > 0) return 'theory';
  throw new Error(
    `${dir}: not a run, experiment or theory folder (expected config.json and metrics.jsonl of a run, ` +
      'experiment.json of `specl experiment run`, or the <check>.json of `specl theory <check> --out DIR`)',
  );
}

function finish(
  kind: ReportKind,
  o: ReturnType<typeof settings>,
  parts: { title: string; subtitle: string; toc: [string, string][]; body: string; data: ReportData; notes: string[] },
): Report {
  const html = page({
    title: parts.title,
    subtitle: parts.subtitle,
    toc: parts.toc,
    body: parts.body,
    data: parts.data,
    script: o.interactive ? browserBundle(new URL('./browser/report.ts', import.meta.url)) : undefined,
    css: o.interactive ? uplotCss() : undefined,
  });
  return { kind, html, data: parts.data, notes: parts.notes };
}

/**
 * The report of the run folder `dir`: config, curves, monitors, evaluation
 * tables and, unless `projection` is 0, the PCA projection of `projection`
 * test images through the run's encoder.safetensors (a run without one
 * says so instead). A missing config.json, a metrics line that is not
 * JSON and the like are errors naming the file.
 */
export async function runReport(dir: string, o: ReportOptions = {}): Promise<Report> {
  const s = settings(o);
  const files = readRunFiles(dir);
  const notes = [...files.notes];
  const note = (n: string) => {
    notes.push(n);
    o.onNote?.(n);
  };
  for (const n of files.notes) o.onNote?.(n);
  let projection: Projection | null = null;
  let projectionNote: string | null = null;
  if (s.projection === 0) projectionNote = 'No projection: it was switched off (--projection 0).';
  else if (!files.hasEncoder)
    projectionNote = `No projection: ${join(dir, 'encoder.safetensors')} is not there yet (the run has not finished), and the projection is of the final encoder.`;
  else {
    try {
      projection = await featureProjection(dir, { images: s.projection });
    } catch (e) {
      projectionNote = `No projection: ${(e as Error).message}`;
      note(projectionNote);
    }
  }
  const part = runPart(files, {
    key: 'run',
    maxPoints: s.maxPoints,
    svgPoints: SVG_POINTS,
    projection,
    projectionNote,
  });
  const c = files.config as { method?: { name?: unknown }; dataset?: unknown };
  return finish('run', s, {
    title: `${String(c.method?.name ?? 'run')} on ${String(c.dataset ?? '?')}`,
    subtitle: `specl run report · ${resolve(dir)} · ${part.data.status}`,
    toc: [
      ['run-summary', 'Summary'],
      ['run-config', 'Config'],
      ['run-curves', 'Curves'],
      ...(part.data.events.length > 0 ? ([['run-events', 'Events']] as [string, string][]) : []),
      ['run-evaluation', 'Evaluation'],
      ['run-projection', 'Projection'],
    ],
    body: part.html,
    data: { kind: 'run', version: 1, runs: { run: part.data }, charts: part.charts },
    notes,
  });
}

/**
 * The report of the experiment folder `dir`: its tables (per metric: mean ±
 * sd and the 95 % interval over seeds, from results.json), figures,
 * verdicts, and one section per cell with its run's curves (downsampled to
 * `cellPoints` per curve) and numbers, linked from the tables.
 */
export async function experimentReport(dir: string, o: ReportOptions = {}): Promise<Report> {
  const s = settings(o);
  const part = experimentPart(dir, { maxPoints: s.cellPoints, svgPoints: Math.min(SVG_POINTS, s.cellPoints) });
  for (const n of part.notes) o.onNote?.(n);
  const r = part.data.results;
  return finish('experiment', s, {
    title: `experiment ${r.experiment}`,
    subtitle: `specl experiment report · ${resolve(dir)} · ${r.cells.length} of ${r.cells.length + r.missing.length} cells finished`,
    toc: part.toc,
    body: part.html,
    data: { kind: 'experiment', version: 1, runs: part.runs, charts: part.charts, experiment: part.data },
    notes: part.notes,
  });
}

/** The report of a `specl theory <check> --out DIR` folder: each check's figures and numbers. */
export async function theoryReport(dir: string, o: ReportOptions = {}): Promise<Report> {
  const s = settings(o);
  const part = theoryPart(dir);
  return finish('theory', s, {
    title: `theory checks: ${Object.keys(part.data.checks).join(', ')}`,
    subtitle: `specl theory report · ${resolve(dir)}`,
    toc: part.toc,
    body: part.html,
    data: { kind: 'theory', version: 1, runs: {}, charts: {}, theory: part.data },
    notes: [],
  });
}

/** The report of `dir`, whatever it is ({@link reportKind}). */
export async function buildReport(dir: string, o: ReportOptions = {}): Promise<Report> {
  const kind = reportKind(dir);
  if (kind === 'run') return runReport(dir, o);
  if (kind === 'experiment') return experimentReport(dir, o);
  return theoryReport(dir, o);
}

/**
 * Builds the report of `dir` and writes it atomically to `out` (default
 * `<dir>/report.html`; missing parent folders are made); returns where, what and how big.
 */
export async function writeReport(
  dir: string,
  o: ReportOptions & { out?: string } = {},
): Promise<{ path: string; kind: ReportKind; bytes: number; notes: string[] }> {
  const { out, ...rest } = o;
  const report = await buildReport(dir, rest);
  const path = out ?? join(dir, 'report.html');
  mkdirSync(dirname(resolve(path)), { recursive: true });
  writeFileAtomic(path, report.html);
  return { path, kind: report.kind, bytes: Buffer.byteLength(report.html), notes: report.notes };
}
