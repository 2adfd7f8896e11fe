/**
 * How good a representation is: a linear probe and a weighted kNN (and, on
 * request, label-efficiency curves) on frozen features, beside the floors
 * every table reports — raw pixels and a random-init encoder of the same
 * architecture. compareWithBaselines is the one place that comparison is
 * built; evaluateEncoder and evaluatePixels evaluate one feature set the
 * same way.
 */

import type { LabeledDataset } from '../data/index.ts';
import type { ImageEncoder } from '../nn/index.ts';
import { option, positive, positiveInt, resolve, type Schema } from '../options/index.ts';
import { type Tensor, tidy } from '../tensor/index.ts';
import { extractFeatures, type PixelNormalization, rawPixelFeatures } from './features.ts';
import { NonFiniteFeaturesError } from './finite.ts';
import { knnAccuracy } from './knn.ts';
import { type LabelEfficiencyOptions, type LabelEfficiencyRow, labelEfficiency } from './label-efficiency.ts';
import { type LinearProbeResult, linearProbe, type ProbeOptions } from './linear-probe.ts';
import { type EvalProgress, type FeatureKind, withContext } from './progress.ts';

/** k and τ of the weighted kNN (Wu et al. 2018's values), declared once for the evaluations, the monitor and the CLI. */
export const KNN_OPTIONS = {
  k: option(positiveInt, 200, 'neighbours that vote (weighted kNN on cosine similarity)'),
  temperature: option(positive, 0.1, 'τ of the vote weights exp(cos/τ)'),
} satisfies Schema;

/** The defaults of `KNN_OPTIONS`. */
export const DEFAULT_KNN: Readonly<Required<KnnSettings>> = Object.freeze(
  resolve<Required<KnnSettings>>(KNN_OPTIONS, {}, { owner: 'knn' }),
);

export interface KnnSettings {
  /** Neighbours per query. Default 200. */
  k?: number;
  /** τ of the weights exp(sim/τ). Default 0.1. */
  temperature?: number;
}

export interface EvaluationSettings {
  /** How the linear probe is fitted. Default: L-BFGS, λ = 1e-4 (linearProbe's defaults). */
  probe?: ProbeOptions;
  /** k and τ of the kNN (bank = all training images). Default DEFAULT_KNN. */
  knn?: KnnSettings;
  /** Images per encoder forward pass (and per 'features' event). Default 128 (extractFeatures'). */
  batchSize?: number;
  /** Progress of feature extraction, every probe fit and the kNN (see EvalProgress). */
  onProgress?: (e: EvalProgress) => void;
}

/** The two numbers a run's summary keeps. */
export interface EncoderEvaluation {
  /** Linear-probe top-1 on the test split (logistic regression by L-BFGS on standardized features). */
  linearProbe: number;
  /** Weighted kNN top-1 on the test split (cosine, k = 200 and τ = 0.1 unless set, bank = all training images). */
  knn: number;
}

/** What compareWithBaselines computes; each part can be left out. */
export interface ComparisonSettings extends Omit<EvaluationSettings, 'probe' | 'knn'> {
  /** The linear probe's settings, or false to skip it. Default {}. */
  probe?: ProbeOptions | false;
  /** The kNN's k and τ, or false to skip it. Default DEFAULT_KNN. */
  knn?: KnnSettings | false;
  /** Label-efficiency curves (probe fits on m labels per class, seeded draws), or false (the default). */
  labelEfficiency?: Pick<LabelEfficiencyOptions, 'perClass' | 'seeds'> | false;
}

/** The evaluation of one feature set. */
export interface FeatureEvaluation {
  /** Feature dimension d. */
  dim: number;
  /** The linear probe (null when skipped). */
  probe: LinearProbeResult | null;
  /** kNN top-1 on the test split (null when skipped). */
  knn: number | null;
  /** Label-efficiency rows (null when not asked for). */
  labelEfficiency: LabelEfficiencyRow[] | null;
}

/** One row of the comparison: which features, and their evaluation. */
export interface ComparisonRow extends FeatureEvaluation {
  kind: FeatureKind;
}

/** Train and test features with their labels, as linearProbe takes them. */
export interface LabeledFeatures {
  trainFeatures: Tensor;
  trainLabels: Tensor;
  testFeatures: Tensor;
  testLabels: Tensor;
  numClasses: number;
}

/** Throws unless both splits hold at least one example; `what` names them ("features", "images"). */
function checkSplits(train: number, test: number, fn: string, what: string): void {
  for (const [split, n, role] of [
    ['train', train, 'the probe is fitted on it and the kNN votes with it'],
    ['test', test, 'the probe and the kNN are scored on it'],
  ] as const) {
    if (n === 0) throw new Error(`${fn}: the ${split} split is empty (0 ${what}): ${role}, so it needs at least one`);
  }
}

/**
 * Probe, kNN and label efficiency (as `settings` ask) of precomputed features.
 * An empty split and non-finite features (NonFiniteFeaturesError) are errors.
 */
export function evaluateFeatures(f: LabeledFeatures, settings: ComparisonSettings = {}): FeatureEvaluation {
  checkSplits(f.trainFeatures.size(0), f.testFeatures.size(0), 'evaluateFeatures', 'features');
  const onProgress = settings.onProgress;
  const probeOptions = settings.probe === false ? null : (settings.probe ?? {});
  const knnSettings = settings.knn === false ? null : { ...DEFAULT_KNN, ...(settings.knn ?? {}) };
  const probe = probeOptions
    ? linearProbe({ ...probeOptions, ...f, onProgress: probeOptions.onProgress ?? onProgress })
    : null;
  const knn = knnSettings
    ? knnAccuracy(f.trainFeatures, f.trainLabels, f.testFeatures, f.testLabels, {
        ...knnSettings,
        numClasses: f.numClasses,
        onProgress,
      })
    : null;
  const curve = settings.labelEfficiency
    ? labelEfficiency({ ...settings.labelEfficiency, ...f, probe: probeOptions ?? {}, onProgress })
    : null;
  return { dim: f.trainFeatures.size(1), probe, knn, labelEfficiency: curve };
}

type Source = { kind: 'pixels' } | { kind: 'random' | 'encoder'; encoder: ImageEncoder };

/** One feature set's features of both splits, evaluated, then freed. */
function evaluateSource(
  source: Source,
  data: LabeledDataset,
  norm: PixelNormalization,
  settings: ComparisonSettings,
  fn: string,
): ComparisonRow {
  const { kind } = source;
  // Before any feature is extracted: an empty split would only fail once the work is done.
  checkSplits(data.train.images.size(0), data.test.images.size(0), fn, 'images');
  const features = (images: Tensor, split: 'train' | 'test') => {
    const o = {
      mean: norm.mean,
      std: norm.std,
      onProgress: withContext(settings.onProgress, { features: kind, split }),
    };
    return source.kind === 'pixels'
      ? rawPixelFeatures(images, o)
      : extractFeatures(source.encoder, images, { ...o, batchSize: settings.batchSize });
  };
  const evaluate = () => {
    const trainFeatures = features(data.train.images, 'train');
    const testFeatures = features(data.test.images, 'test');
    const e = evaluateFeatures(
      {
        trainFeatures,
        trainLabels: data.train.labels,
        testFeatures,
        testLabels: data.test.labels,
        numClasses: data.classes.length,
      },
      { ...settings, onProgress: withContext(settings.onProgress, { features: kind }) },
    );
    return { kind, ...e };
  };
  try {
    return tidy(evaluate);
  } catch (e) {
    throw e instanceof NonFiniteFeaturesError ? e.about(kind) : e;
  }
}

function summarize(e: FeatureEvaluation): EncoderEvaluation {
  return { linearProbe: (e.probe as LinearProbeResult).top1, knn: e.knn as number };
}

/** Linear probe and kNN of an encoder's features on the whole dataset (train split fits, test split scores). */
export function evaluateEncoder(
  encoder: ImageEncoder,
  data: LabeledDataset,
  norm: PixelNormalization,
  settings: EvaluationSettings = {},
): EncoderEvaluation {
  return summarize(evaluateSource({ kind: 'encoder', encoder }, data, norm, settings, 'evaluateEncoder'));
}

/** The floor: the same probe and kNN on normalized raw pixels. */
export function evaluatePixels(
  data: LabeledDataset,
  norm: PixelNormalization,
  settings: EvaluationSettings = {},
): EncoderEvaluation {
  return summarize(evaluateSource({ kind: 'pixels' }, data, norm, settings, 'evaluatePixels'));
}

export interface BaselineComparisonOptions extends ComparisonSettings {
  /** The encoder under test. */
  encoder: ImageEncoder;
  /** A random-init encoder of the same architecture (the caller builds it, seeded). */
  randomEncoder: ImageEncoder;
  data: LabeledDataset;
  /** The pixel normalization of the encoder's training (also applied to the raw pixels). */
  norm: PixelNormalization;
}

/**
 * The comparison every evaluation table reports: the same probe, kNN and
 * (optionally) label-efficiency curves on raw pixels, on a random-init
 * encoder and on the encoder under test, in that order. One feature set is
 * held at a time; progress events name it (`features`: 'pixels', 'random',
 * 'encoder'). An empty split is an error before any feature is extracted;
 * features that are not finite are a NonFiniteFeaturesError naming the set.
 */
export function compareWithBaselines(o: BaselineComparisonOptions): ComparisonRow[] {
  const { encoder, randomEncoder, data, norm, ...settings } = o;
  const sources: Source[] = [
    { kind: 'pixels' },
    { kind: 'random', encoder: randomEncoder },
    { kind: 'encoder', encoder },
  ];
  return sources.map((s) => evaluateSource(s, data, norm, settings, 'compareWithBaselines'));
}
