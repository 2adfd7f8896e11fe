/**
 * The evaluation as the terminal shows it, for `specl probe`, `specl knn`
 * and `specl demo`: progress of feature extraction, of every probe fit
 * (iteration, loss) and of the kNN on stderr, a line saying whether each fit
 * converged, then one table of the run beside raw pixels and a random
 * encoder. The files are written by train/evaluateRun.
 */
import type { EvalProgress, FeatureKind, ProbeDoneProgress, ProbeStop } from '../eval/index.ts';
import {
  evaluateRun,
  featureName,
  loadRunConfig,
  type RunEvaluation,
  type RunEvaluationOptions,
  UnsavedEvaluationError,
} from '../train/index.ts';
import { ProgressBar } from './progress.ts';
import { formatTable, pct } from './table.ts';

/** Why a fit stopped, in words. */
function stopReason(stop: ProbeStop, maxIterations: number): string {
  switch (stop) {
    case 'gradient':
      return 'gradient below tolerance';
    case 'loss':
      return 'loss change below tolerance';
    case 'maxIterations':
      return `reached the cap of ${maxIterations} iterations`;
    case 'lineSearch':
      return 'the line search found no decrease';
    case 'schedule':
      return 'SGD schedule done';
  }
}

/** "converged after 312 iterations (loss change below tolerance)" or "not converged (stopped at 500 iterations: …)". */
export function fitStatus(e: Pick<ProbeDoneProgress, 'converged' | 'stop' | 'iterations' | 'maxIterations'>): string {
  const unit = e.stop === 'schedule' ? 'epochs' : 'iterations';
  return e.converged
    ? `converged after ${e.iterations} ${unit} (${stopReason(e.stop, e.maxIterations)})`
    : `not converged (stopped at ${e.iterations} ${unit}: ${stopReason(e.stop, e.maxIterations)})`;
}

/** The short form for the table: "converged, 312 it" or "not converged, 500 it (cap)". */
function fitCell(p: { converged: boolean; stop: ProbeStop; iterations: number }): string {
  if (p.converged) return `converged, ${p.iterations} ${p.stop === 'schedule' ? 'steps' : 'it'}`;
  return `not converged, ${p.iterations} it (${p.stop === 'maxIterations' ? 'cap' : 'line search'})`;
}

/**
 * An `onProgress` for the evaluation that draws on `stream` (stderr): one
 * bar per phase (loading the dataset, features of each split, each probe fit, the kNN), throttled
 * by ProgressBar (100 ms on a terminal, a line every 10 s in a log), and a
 * line when each fit ends saying whether it converged. Label-efficiency fits
 * (dozens) are summed up in one line per feature set. `name` labels a
 * feature kind ("raw pixels", "random ConvNet", "spectral ConvNet").
 */
export function evalProgressReporter(
  name: (kind: FeatureKind | undefined) => string,
  stream: NodeJS.WriteStream = process.stderr,
): { onProgress: (e: EvalProgress) => void; finish: () => void } {
  let bar: ProgressBar | null = null;
  let key = '';
  let curve: { label: string; fits: number; notConverged: string[] } | null = null;
  const close = () => {
    bar?.done();
    bar = null;
    key = '';
  };
  const open = (k: string, label: string, total: number | null): ProgressBar => {
    if (bar === null || key !== k) {
      close();
      bar = new ProgressBar(label, total, stream);
      key = k;
    }
    return bar;
  };
  const flushCurve = () => {
    if (!curve) return;
    const c = curve;
    curve = null;
    const ok = c.fits - c.notConverged.length;
    stream.write(
      `label efficiency · ${c.label}: ${c.fits} fits, ${ok === c.fits ? 'all converged' : `${ok} converged; not converged: ${c.notConverged.join(', ')}`}\n`,
    );
  };
  const onProgress = (e: EvalProgress) => {
    const label = name(e.features);
    const inCurve = (e.phase === 'probe' || e.phase === 'probe-done') && e.fit === 'label-efficiency';
    if (!inCurve || curve?.label !== label) flushCurve();
    switch (e.phase) {
      case 'dataset':
        open(`d${e.dataset}`, `dataset · ${e.dataset}`, e.total).update(
          e.done,
          e.total === null ? {} : { images: `${e.done}/${e.total}` },
          e.total,
        );
        if (e.total !== null && e.done >= e.total) close();
        break;
      case 'features': {
        const split = e.split ? ` · ${e.split}` : '';
        open(`f${e.features}${e.split}`, `features · ${label}${split}`, e.total).update(
          e.done,
          { images: `${e.done}/${e.total}` },
          e.total,
        );
        if (e.done >= e.total) close();
        break;
      }
      case 'probe': {
        const what =
          e.fit === 'validation'
            ? ` (λ ${e.l2}, held-out)`
            : e.fit === 'label-efficiency'
              ? ` (m = ${e.perClass}, seed ${e.seed})`
              : '';
        open(`p${e.features}${e.fit}${e.l2}${e.perClass}${e.seed}`, `probe · ${label}${what}`, e.maxIterations).update(
          e.iteration,
          { iteration: e.iteration, loss: e.loss },
          e.maxIterations,
        );
        break;
      }
      case 'probe-done': {
        close();
        if (e.fit === 'label-efficiency') {
          curve ??= { label, fits: 0, notConverged: [] };
          curve.fits++;
          if (!e.converged)
            curve.notConverged.push(
              `m = ${e.perClass} seed ${e.seed} (stopped at ${e.iterations}: ${stopReason(e.stop, e.maxIterations)})`,
            );
        } else {
          const what = e.fit === 'validation' ? ` (λ ${e.l2}, held-out)` : '';
          stream.write(
            `probe · ${label}${what}: ${fitStatus(e)}; loss ${e.loss.toPrecision(4)}, ${e.seconds.toFixed(1)} s\n`,
          );
        }
        break;
      }
      case 'knn':
        open(`k${e.features}`, `kNN · ${label}`, e.total).update(e.done, { queries: `${e.done}/${e.total}` }, e.total);
        if (e.done >= e.total) close();
        break;
    }
  };
  return {
    onProgress,
    finish: () => {
      close();
      flushCurve();
    },
  };
}

/** The label-efficiency fit shown as a column of the comparison table: the only one computed, or null. */
const singleFit = (r: RunEvaluation): number | 'all' | null => {
  const first = r.rows[0]?.labelEfficiency;
  return first?.length === 1 ? (first[0]?.perClass ?? null) : null;
};

const meanStd = (p: { mean: number; std: number }) => `${(p.mean * 100).toFixed(2)} ± ${(p.std * 100).toFixed(2)}`;

/**
 * The comparison table: features, then linear probe, kNN, probe train
 * accuracy and probe fit as far as they were computed. A label-efficiency
 * fit at a single m (the demo's 10 labels per class) is a column beside the
 * full-label probe, "probe, m/class", mean ± std over its label draws.
 */
export function formatComparison(r: RunEvaluation): string {
  const probe = r.probe !== null;
  const knn = r.knn !== null;
  const m = singleFit(r);
  const header = [
    'features',
    ...(probe ? ['linear probe'] : []),
    ...(m !== null ? [`probe, ${m}/class`] : []),
    ...(knn ? ['kNN'] : []),
    ...(probe ? ['train', 'probe fit'] : []),
  ];
  const rows = r.rows.map((row) => [
    row.features,
    ...(probe ? [pct(row.probe?.top1)] : []),
    ...(m !== null ? [row.labelEfficiency?.[0] ? meanStd(row.labelEfficiency[0]) : '–'] : []),
    ...(knn ? [pct(row.knn)] : []),
    ...(probe && row.probe ? [pct(row.probe.trainTop1), fitCell(row.probe)] : []),
  ]);
  return formatTable(header, rows);
}

/**
 * The label-efficiency table (mean ± std of the test top-1 over the seeds), or null when not computed or
 * computed at a single m (then it is a column of the comparison table).
 */
export function formatLabelEfficiency(r: RunEvaluation): string | null {
  const first = r.rows[0]?.labelEfficiency;
  if (!first || singleFit(r) !== null) return null;
  return formatTable(
    ['features', ...first.map((p) => `m=${p.perClass}`)],
    r.rows.map((row) => [
      row.features,
      ...(row.labelEfficiency ?? []).map((p) => `${(p.mean * 100).toFixed(1)} ± ${(p.std * 100).toFixed(1)}`),
    ]),
  );
}

/**
 * Evaluates the run in `o.dir` (train/evaluateRun: writes probe.json,
 * knn.json, summary.json's evaluation) with progress on stderr, then prints
 * the comparison table (and the label-efficiency table) and the files
 * written on stdout.
 */
export async function evaluateRunCli(o: RunEvaluationOptions): Promise<RunEvaluation> {
  const config = loadRunConfig(o.dir);
  const reporter = evalProgressReporter((kind) => featureName(kind ?? 'encoder', config));
  let r: RunEvaluation;
  let unsaved: UnsavedEvaluationError | null = null;
  try {
    r = await evaluateRun({ ...o, onProgress: reporter.onProgress });
  } catch (e) {
    // Minutes of work are not thrown away with the folder's error: the tables first, then the error.
    if (!(e instanceof UnsavedEvaluationError)) throw e;
    unsaved = e;
    r = e.evaluation;
  } finally {
    reporter.finish();
  }
  console.log(`\n${formatComparison(r)}`);
  const seeds = o.labelEfficiency ? (o.labelEfficiency.seeds?.length ?? 3) : 0;
  const m = singleFit(r);
  if (m !== null)
    console.log(
      `probe, ${m}/class: the linear probe fitted on ${m} labeled training images per class ` +
        `(mean ± std over ${seeds} draws of them), scored on the whole test split`,
    );
  const curve = formatLabelEfficiency(r);
  if (curve) {
    console.log(`\nlabel efficiency: linear-probe accuracy with m labels per class (mean ± std over ${seeds} seeds)`);
    console.log(curve);
  }
  if (unsaved) throw unsaved;
  console.log(`\nevaluated ${r.weights}; wrote ${r.written.join(', ')}`);
  return r;
}
