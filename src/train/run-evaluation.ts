/**
 * A run's evaluation, written into its folder: the trained encoder beside
 * raw pixels and a random-init encoder of the same architecture
 * (eval/compareWithBaselines), as probe.json and knn.json, with the
 * encoder's numbers copied into summary.json's `evaluation`. `specl probe`,
 * `specl knn` and `specl demo` all write through evaluateRun.
 */
import type { LabeledDataset } from '../data/index.ts';
import {
  type ComparisonRow,
  type ComparisonSettings,
  compareWithBaselines,
  DEFAULT_KNN,
  type FeatureKind,
  type LabelEfficiencyRow,
  NonFiniteFeaturesError,
  type ProbeStop,
} from '../eval/index.ts';
import type { ImageEncoder } from '../nn/index.ts';
import { Generator } from '../tensor/index.ts';
import { createEncoder, type EncoderName } from './encoder-factory.ts';
import { checkFiniteWeights, loadRunConfig, loadRunDataset, loadRunEncoder } from './load-run.ts';
import type { PretrainConfig } from './pretrain-config.ts';
import { RunFolder } from './run-folder.ts';
import type { RunLock } from './run-lock.ts';

/** One feature set in probe.json. */
export interface ProbeReportRow {
  /** The row's label ("raw pixels (784)", "random ConvNet (512)", "spectral ConvNet (512)"). */
  features: string;
  kind: FeatureKind;
  dim: number;
  /** Test top-1 in [0, 1]. */
  linearProbe: number;
  /** Train top-1 in [0, 1]. */
  trainAccuracy: number;
  l2: number;
  /** Whether the fit met a tolerance, how many iterations it took of how many allowed, and why it stopped. */
  converged: boolean;
  iterations: number;
  maxIterations: number;
  stop: ProbeStop;
  /** Final objective on the standardized train features. */
  loss: number;
  seconds: number;
  labelEfficiency: LabelEfficiencyRow[] | null;
}

/** One feature set in knn.json. */
export interface KnnReportRow {
  features: string;
  kind: FeatureKind;
  dim: number;
  /** Test top-1 in [0, 1]. */
  knn: number;
}

interface ReportHeader {
  run: string;
  dataset: string;
  method: string;
  /** The weights evaluated (encoder.safetensors, or a checkpoint of an unfinished run). */
  weights: string;
}

/** What probe.json holds. */
export interface ProbeReport extends ReportHeader {
  results: ProbeReportRow[];
}

/** What knn.json holds. */
export interface KnnReport extends ReportHeader {
  k: number;
  temperature: number;
  results: KnnReportRow[];
}

export interface RunEvaluationOptions extends ComparisonSettings {
  /** The run folder. */
  dir: string;
  /** The run's trained encoder (default: loaded from the folder, and freed when done). */
  encoder?: ImageEncoder;
  /** Where `encoder`'s weights came from, for the reports (default: the folder's encoder.safetensors). */
  weights?: string;
  /** The run's dataset, already in memory (default: loaded by the name its config records, and freed when done). */
  data?: LabeledDataset;
}

export interface RunEvaluation {
  config: PretrainConfig;
  weights: string;
  /** Raw pixels, random encoder, the run's encoder: each with its label. */
  rows: (ComparisonRow & { features: string })[];
  /** probe.json's content (null when the probe was skipped), likewise knn.json's. */
  probe: ProbeReport | null;
  knn: KnnReport | null;
  /** The files written (summary.json only when the run has one). */
  written: string[];
}

/**
 * The evaluation ran but its reports could not be written to the run folder:
 * the folder is not writable, or another process writes the run (a resumed
 * pretraining) past the wait. `evaluation` holds the numbers (with `written`
 * empty), so that nothing computed is lost; the message says why.
 */
export class UnsavedEvaluationError extends Error {
  override name = 'UnsavedEvaluationError';
  constructor(
    message: string,
    readonly evaluation: RunEvaluation,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** How long the reports wait for a run's lock held by another process (another probe writes in milliseconds). */
const LOCK_WAIT_MS = 10_000;

const ENCODER_TITLES: Record<EncoderName, string> = { convnet: 'ConvNet', resnet18: 'ResNet-18' };

/** A feature set's name: "raw pixels", "random ConvNet", "spectral ConvNet". */
export function featureName(kind: FeatureKind, config: PretrainConfig): string {
  const encoder = ENCODER_TITLES[config.encoder.name] ?? config.encoder.name;
  if (kind === 'pixels') return 'raw pixels';
  if (kind === 'random') return `random ${encoder}`;
  return `${config.method.name} ${encoder}`;
}

/** A row's label, its name and dimension: "raw pixels (784)", "random ConvNet (512)", "spectral ConvNet (512)". */
export function featureLabel(kind: FeatureKind, dim: number, config: PretrainConfig): string {
  return `${featureName(kind, config)} (${dim})`;
}

/**
 * Evaluates the run in `dir` beside its baselines (compareWithBaselines with
 * the run's pixel normalization and a random encoder of its architecture,
 * seeded with its seed) and writes the results: probe.json when the probe
 * ran, knn.json when the kNN ran, and the encoder's numbers into
 * summary.json's `evaluation` (`linearProbe`, `knn`; the other field is kept).
 * Weights or encoder features that are not finite are errors naming the
 * weights file, raised before anything is written. The writes hold the run's
 * lock (src/train/run-lock.ts), waiting up to 10 s for another holder; a
 * folder that cannot be locked (read-only, or a pretraining writing it)
 * throws UnsavedEvaluationError, which carries the numbers.
 */
export async function evaluateRun(o: RunEvaluationOptions): Promise<RunEvaluation> {
  const { dir, encoder: given, weights: givenWeights, data: givenData, ...settings } = o;
  const folder = new RunFolder(dir);
  const loaded = given ? null : loadRunEncoder(dir);
  const config = loaded?.config ?? loadRunConfig(dir);
  const encoder = given ?? (loaded?.encoder as ImageEncoder);
  const weights = loaded?.weights ?? givenWeights ?? folder.encoderPath;
  // Before the baselines' minutes of work: NaN weights make every feature NaN (loadRunEncoder checked its own).
  if (given) checkFiniteWeights(given, weights);
  const random = createEncoder(config.encoder, new Generator(config.seed));
  let data: LabeledDataset | undefined = givenData;
  let comparison: ComparisonRow[];
  try {
    if (!data) {
      const dataset = config.dataset;
      settings.onProgress?.({ phase: 'dataset', dataset, done: 0, total: null });
      data = await loadRunDataset(config, (p) => settings.onProgress?.({ phase: 'dataset', dataset, ...p }));
    }
    comparison = compareWithBaselines({ ...settings, encoder, randomEncoder: random, data, norm: config.augment });
  } catch (e) {
    // eval/ knows no files: the encoder's weights are where its features come from.
    if (e instanceof NonFiniteFeaturesError && e.features === 'encoder')
      throw new Error(`${weights}: the weights are finite, but the features they give are not: ${e.detail}`);
    throw e;
  } finally {
    random.dispose();
    loaded?.encoder.dispose();
    if (data && data !== givenData)
      for (const s of [data.train, data.test]) for (const t of [s.images, s.labels]) t.dispose();
  }
  const rows = comparison.map((r) => ({ ...r, features: featureLabel(r.kind, r.dim, config) }));
  const header: ReportHeader = { run: dir, dataset: config.dataset, method: config.method.name, weights };
  const written: string[] = [];
  const evaluation: Record<string, number> = {};
  const encoderRow = rows.find((r) => r.kind === 'encoder');

  let probe: ProbeReport | null = null;
  if (settings.probe !== false) {
    probe = {
      ...header,
      results: rows.map((r) => {
        const p = r.probe;
        if (!p) throw new Error('evaluateRun: a probe result is missing'); // cannot happen: the probe ran
        return {
          features: r.features,
          kind: r.kind,
          dim: r.dim,
          linearProbe: p.top1,
          trainAccuracy: p.trainTop1,
          l2: p.l2,
          converged: p.converged,
          iterations: p.iterations,
          maxIterations: p.maxIterations,
          stop: p.stop,
          loss: p.loss,
          seconds: p.seconds,
          labelEfficiency: r.labelEfficiency,
        };
      }),
    };
    if (encoderRow?.probe) evaluation.linearProbe = encoderRow.probe.top1;
  }
  let knn: KnnReport | null = null;
  if (settings.knn !== false) {
    const { k, temperature } = { ...DEFAULT_KNN, ...(settings.knn ?? {}) };
    knn = {
      ...header,
      k,
      temperature,
      results: rows.map((r) => ({ features: r.features, kind: r.kind, dim: r.dim, knn: r.knn as number })),
    };
    if (encoderRow?.knn != null) evaluation.knn = encoderRow.knn;
  }
  // One writer at a time: summary.json's update reads, then writes (a concurrent probe and knn would lose a field).
  const result: RunEvaluation = { config, weights, rows, probe, knn, written };
  let lock: RunLock;
  try {
    lock = await folder.lockWaiting({ waitMs: LOCK_WAIT_MS });
  } catch (e) {
    throw new UnsavedEvaluationError(`${(e as Error).message}; the evaluation's reports were not written`, result, {
      cause: e,
    });
  }
  try {
    if (probe) {
      folder.writeProbe(probe);
      written.push(folder.probePath);
    }
    if (knn) {
      folder.writeKnn(knn);
      written.push(folder.knnPath);
    }
    if (Object.keys(evaluation).length > 0 && folder.updateEvaluation(evaluation)) written.push(folder.summaryPath);
  } finally {
    lock.release();
  }
  return result;
}
