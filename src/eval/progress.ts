/**
 * What the evaluation reports while it runs, through an optional
 * `onProgress` callback (extractFeatures, rawPixelFeatures, knnClassify,
 * linearProbe, labelEfficiency, the encoder evaluations): nothing in eval/
 * prints; the CLI draws these on stderr.
 */
import type { LbfgsStop } from './lbfgs.ts';

/** Which feature set an event is about, filled in by the functions that evaluate several (compareWithBaselines). */
export type FeatureKind = 'pixels' | 'random' | 'encoder';

/** Why a probe fit ended: an L-BFGS stop, or 'schedule' when the SGD recipe ran all its epochs. */
export type ProbeStop = LbfgsStop | 'schedule';

/**
 * Which fit of a probe an event is about: 'final' (the reported classifier),
 * 'validation' (one λ of `l2: 'auto'` scored on held-out train features) or
 * 'label-efficiency' (one labeled subset of labelEfficiency, with its m and seed).
 */
export type ProbeFit = 'final' | 'validation' | 'label-efficiency';

interface Context {
  /** The feature set, when several are evaluated. */
  features?: FeatureKind;
}

/** `done` of `total` images through the encoder (or through the pixel normalization). */
export interface FeaturesProgress extends Context {
  phase: 'features';
  /** The dataset split, when known. */
  split?: 'train' | 'test';
  done: number;
  total: number;
}

interface FitContext extends Context {
  fit: ProbeFit;
  /** λ of this fit. */
  l2: number;
  /** label-efficiency fits: labeled examples per class and the seed of the draw. */
  perClass?: number | 'all';
  seed?: number;
}

/**
 * One iteration of a probe fit: an accepted L-BFGS step, or one SGD epoch (its mean batch loss); iteration 0
 * when the fit starts, at W = 0 (loss ln C).
 */
export interface ProbeIterationProgress extends FitContext {
  phase: 'probe';
  iteration: number;
  /** The cap: L-BFGS maxIterations, or the SGD epochs. */
  maxIterations: number;
  /** The objective (mean cross-entropy + (λ/2)‖W‖²) after this iteration; for SGD the epoch's mean batch loss. */
  loss: number;
  /** ‖∇L‖∞ after this iteration (L-BFGS only). */
  gradNorm?: number;
}

/** A probe fit ended. */
export interface ProbeDoneProgress extends FitContext {
  phase: 'probe-done';
  /** Whether a tolerance was met (the fit's `converged`; always true for the SGD recipe). */
  converged: boolean;
  stop: ProbeStop;
  /** L-BFGS iterations, or SGD epochs. */
  iterations: number;
  maxIterations: number;
  /** The final objective on the (standardized) fit features. */
  loss: number;
  seconds: number;
}

/**
 * The dataset an evaluation runs on, loading (train/evaluateRun sends these; the functions here take
 * data already loaded): `done` of `total` images, `total` null until known.
 */
export interface DatasetProgress extends Context {
  phase: 'dataset';
  /** The dataset spec ("mnist", "folder:DIR"). */
  dataset: string;
  done: number;
  total: number | null;
}

/** `done` of `total` queries classified by kNN (done 0 once the bank is ready). */
export interface KnnProgress extends Context {
  phase: 'knn';
  done: number;
  total: number;
}

export type EvalProgress =
  | DatasetProgress
  | FeaturesProgress
  | ProbeIterationProgress
  | ProbeDoneProgress
  | KnnProgress;

/** A callback that adds `fields` to every event it forwards (undefined when `f` is). */
export function withContext(
  f: ((e: EvalProgress) => void) | undefined,
  fields: Partial<Context> & { split?: 'train' | 'test' },
): ((e: EvalProgress) => void) | undefined {
  if (!f) return undefined;
  return (e) => f({ ...e, ...fields } as EvalProgress);
}
