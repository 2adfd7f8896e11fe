/**
 * The linear probe: how linearly separable the classes are in a frozen
 * encoder's feature space. Standardize the features (train statistics), fit a
 * softmax classifier on the train features, report top-1 accuracy on test.
 */
import { drawPerClass, indicesByClass } from '../data/index.ts';
import { type Tensor, tensor, tidy } from '../tensor/index.ts';
import { accuracy } from './accuracy.ts';
import { checkFiniteFeatures } from './finite.ts';
import {
  checkLabels,
  fitLogisticRegression,
  type LinearClassifier,
  type LogisticRegressionOptions,
  logisticLoss,
} from './logistic-regression.ts';
import type { EvalProgress, ProbeFit, ProbeStop } from './progress.ts';
import { fitSoftmaxSgd, type SoftmaxSgdOptions } from './softmax-sgd.ts';
import { fitStandardizer } from './standardize.ts';

/** λ candidates tried by `l2: 'auto'`. */
export const DEFAULT_L2_GRID: readonly number[] = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1];

export interface ProbeOptions {
  /** 'lbfgs' (default): full-batch L-BFGS to the optimum, deterministic. 'sgd': the SSL papers' SGD recipe. */
  method?: 'lbfgs' | 'sgd';
  /**
   * λ of the (λ/2)‖W‖² penalty on the mean cross-entropy; default 1e-4. 'auto': pick λ from `l2Grid`
   * by accuracy on a held-out part of the train features (see linearProbe).
   */
  l2?: number | 'auto';
  /** Candidates for 'auto'. Default DEFAULT_L2_GRID. */
  l2Grid?: readonly number[];
  /** Share of each class held out for 'auto'. Default 0.1. */
  validationFraction?: number;
  /** Seeds the 'auto' split and the SGD shuffling. Default 0. */
  seed?: number;
  /** L-BFGS settings (method 'lbfgs'). */
  lbfgs?: Pick<LogisticRegressionOptions, 'maxIterations' | 'tolerance' | 'lossTolerance' | 'history' | 'dtype'>;
  /** SGD settings (method 'sgd'): epochs 100, batchSize 256, lr 0.1, momentum 0.9 by default. */
  sgd?: Pick<SoftmaxSgdOptions, 'epochs' | 'batchSize' | 'lr' | 'momentum'>;
  /**
   * Progress of every fit: a 'probe' event when it starts (iteration 0), one per L-BFGS iteration
   * (per epoch with SGD) and a 'probe-done' event when the fit ends (with `converged` and why it stopped).
   */
  onProgress?: (e: EvalProgress) => void;
}

export interface LinearProbeOptions extends ProbeOptions {
  /** N×d features of the labeled train images. */
  trainFeatures: Tensor;
  trainLabels: Tensor;
  /** M×d features of the test images. */
  testFeatures: Tensor;
  testLabels: Tensor;
  numClasses: number;
  /**
   * Further test sets the same fitted classifier is scored on (standardized with the train statistics): a
   * target domain, held-out sub-classes. Their accuracies come back in `extraTop1`, in order.
   */
  extraTests?: readonly { features: Tensor; labels: Tensor }[];
}

export interface LinearProbeResult {
  /** Test top-1 accuracy in [0, 1]. */
  top1: number;
  /** Train top-1 accuracy in [0, 1]. */
  trainTop1: number;
  /** Top-1 accuracy on each of `extraTests` (empty without them). */
  extraTop1: number[];
  method: 'lbfgs' | 'sgd';
  /** The λ used (the chosen one with 'auto'). */
  l2: number;
  /** L-BFGS iterations, or SGD steps. */
  iterations: number;
  /** Final objective on the (standardized) train features. */
  loss: number;
  /** L-BFGS: whether a tolerance was met. SGD: always true (it runs its fixed schedule). */
  converged: boolean;
  /** Why the final fit stopped ('schedule' for SGD). */
  stop: ProbeStop;
  /** The iteration cap of the final fit (L-BFGS maxIterations; SGD steps of the schedule). */
  maxIterations: number;
  /** With 'auto': held-out accuracy of each candidate λ. */
  validation?: { l2: number; top1: number }[];
  /** Wall-clock time of the whole probe. */
  seconds: number;
}

/**
 * Linear probe on precomputed features:
 * 1. standardize every feature with the train mean and std (fitStandardizer);
 * 2. fit the softmax classifier minimizing
 *    (1/N)·Σᵢ CE(Wxᵢ + b, yᵢ) + (λ/2)·‖W‖²_F
 *    by full-batch L-BFGS (fitLogisticRegression, the default: deterministic,
 *    reaches the optimum) or by the SGD recipe (fitSoftmaxSgd);
 * 3. report top-1 accuracy on the standardized test features (and on train).
 *
 * With `l2: 'auto'`, a seeded, class-stratified `validationFraction` of the
 * train features (at least one example of every class that has two or more)
 * is held out; each λ in `l2Grid` is fitted on the rest (standardized with
 * the rest's statistics) and scored on the held-out part; the λ with the best
 * held-out accuracy wins (ties go to the larger λ), and the final classifier
 * is refitted on all train features with it. The test set is never used to
 * choose anything. Empty or non-finite features (NonFiniteFeaturesError) are
 * errors.
 */
export function linearProbe(o: LinearProbeOptions): LinearProbeResult {
  const start = performance.now();
  const n = checkFeatures(o.trainFeatures, 'trainFeatures');
  const m = checkFeatures(o.testFeatures, 'testFeatures');
  const d = o.trainFeatures.size(1);
  if (o.testFeatures.size(1) !== d)
    throw new Error(`linearProbe: testFeatures have ${o.testFeatures.size(1)} dimensions, trainFeatures ${d}`);
  checkLabels(o.trainLabels, n, o.numClasses, 'linearProbe (trainLabels)');
  checkLabels(o.testLabels, m, o.numClasses, 'linearProbe (testLabels)');
  for (const [i, t] of (o.extraTests ?? []).entries()) {
    const mi = checkFeatures(t.features, `extraTests[${i}].features`);
    if (t.features.size(1) !== d)
      throw new Error(
        `linearProbe: extraTests[${i}].features have ${t.features.size(1)} dimensions, trainFeatures ${d}`,
      );
    checkLabels(t.labels, mi, o.numClasses, `linearProbe (extraTests[${i}].labels)`);
  }
  const method = o.method ?? 'lbfgs';
  if (method !== 'lbfgs' && method !== 'sgd')
    throw new Error(`linearProbe: method must be 'lbfgs' or 'sgd', got '${String(method)}'`);

  let validation: { l2: number; top1: number }[] | undefined;
  let l2: number;
  if (o.l2 === 'auto') {
    validation = selectL2(o);
    l2 = bestL2(validation);
  } else {
    l2 = o.l2 ?? 1e-4;
    if (!(Number.isFinite(l2) && l2 >= 0)) throw new Error(`linearProbe: l2 must be ≥ 0 or 'auto', got ${l2}`);
  }
  const r = fitAndScore(
    o.trainFeatures,
    o.trainLabels,
    o.testFeatures,
    o.testLabels,
    o,
    method,
    l2,
    'final',
    o.extraTests,
  );
  return { ...r, method, l2, ...(validation ? { validation } : {}), seconds: (performance.now() - start) / 1000 };
}

/** Standardizes on `xTrain`, fits the classifier, scores it; frees everything it made. */
function fitAndScore(
  xTrain: Tensor,
  yTrain: Tensor,
  xTest: Tensor,
  yTest: Tensor,
  o: LinearProbeOptions,
  method: 'lbfgs' | 'sgd',
  l2: number,
  fit: ProbeFit,
  extraTests: LinearProbeOptions['extraTests'] = [],
): {
  top1: number;
  trainTop1: number;
  extraTop1: number[];
  iterations: number;
  maxIterations: number;
  loss: number;
  converged: boolean;
  stop: ProbeStop;
} {
  const start = performance.now();
  const emit = o.onProgress;
  // Iteration 0, before any work: the first iteration (standardizing, then L-BFGS's first line search from
  // a tiny step) is the slowest, tens of seconds on big features. Both fits start at W = 0, b = 0, where the
  // objective is exactly ln C.
  emit?.({
    phase: 'probe',
    fit,
    l2,
    iteration: 0,
    maxIterations: method === 'lbfgs' ? (o.lbfgs?.maxIterations ?? 500) : (o.sgd?.epochs ?? 100),
    loss: Math.log(o.numClasses),
  });
  return tidy(() => {
    const s = fitStandardizer(xTrain);
    const train = s.apply(xTrain);
    const test = s.apply(xTest);
    const extra = extraTests.map((t) => s.apply(t.features));
    s.dispose();
    let model: LinearClassifier;
    let iterations: number;
    let maxIterations: number;
    let converged: boolean;
    let stop: ProbeStop;
    const epochs = o.sgd?.epochs ?? 100; // fitSoftmaxSgd's default
    if (method === 'lbfgs') {
      maxIterations = o.lbfgs?.maxIterations ?? 500;
      const cap = maxIterations;
      const r = fitLogisticRegression(train, yTrain, {
        ...o.lbfgs,
        numClasses: o.numClasses,
        l2,
        onIteration: emit
          ? (it) =>
              emit({
                phase: 'probe',
                fit,
                l2,
                iteration: it.iteration,
                maxIterations: cap,
                loss: it.loss,
                gradNorm: it.gradNorm,
              })
          : undefined,
      });
      model = r;
      iterations = r.iterations;
      converged = r.converged;
      stop = r.stop;
    } else {
      const r = fitSoftmaxSgd(train, yTrain, {
        ...o.sgd,
        numClasses: o.numClasses,
        l2,
        seed: o.seed ?? 0,
        onEpoch: emit
          ? (e) => emit({ phase: 'probe', fit, l2, iteration: e.epoch, maxIterations: e.epochs, loss: e.loss })
          : undefined,
      });
      model = r;
      iterations = r.steps;
      maxIterations = r.steps;
      converged = true;
      stop = 'schedule';
    }
    try {
      const loss = logisticLoss(model, train, yTrain, l2);
      emit?.({
        phase: 'probe-done',
        fit,
        l2,
        converged,
        stop,
        // Events count SGD in epochs, as its 'probe' events do.
        iterations: method === 'lbfgs' ? iterations : epochs,
        maxIterations: method === 'lbfgs' ? maxIterations : epochs,
        loss,
        seconds: (performance.now() - start) / 1000,
      });
      return {
        top1: accuracy(model.predict(test), yTest),
        trainTop1: accuracy(model.predict(train), yTrain),
        extraTop1: extraTests.map((t, i) => accuracy(model.predict(extra[i] as Tensor), t.labels)),
        iterations,
        maxIterations,
        loss,
        converged,
        stop,
      };
    } finally {
      model.dispose();
    }
  });
}

/** Held-out accuracy of each λ of the grid (see linearProbe). */
function selectL2(o: LinearProbeOptions): { l2: number; top1: number }[] {
  const grid = o.l2Grid ?? DEFAULT_L2_GRID;
  if (grid.length === 0 || !grid.every((v) => Number.isFinite(v) && v >= 0))
    throw new Error(`linearProbe: l2Grid must be a non-empty list of numbers ≥ 0, got [${grid}]`);
  const frac = o.validationFraction ?? 0.1;
  if (!(frac > 0 && frac < 1)) throw new Error(`linearProbe: validationFraction must be in (0, 1), got ${frac}`);
  const byClass = indicesByClass(o.trainLabels, o.numClasses, 'linearProbe');
  const counts = byClass.map((members) =>
    members.length < 2 ? 0 : Math.min(members.length - 1, Math.max(1, Math.round(frac * members.length))),
  );
  if (counts.every((c) => c === 0))
    throw new Error("linearProbe: l2 'auto' needs a class with at least 2 train examples to hold one out");
  const held = drawPerClass(byClass, counts, o.seed ?? 0, 'linearProbe');
  const heldSet = new Set(held);
  const rest = Array.from({ length: o.trainLabels.size(0) }, (_, i) => i).filter((i) => !heldSet.has(i));
  const method = o.method ?? 'lbfgs';
  return tidy(() => {
    const index = (ids: number[]) => tensor(BigInt64Array.from(ids, BigInt), [ids.length]);
    const iFit = index(rest);
    const iVal = index(held);
    const xFit = o.trainFeatures.indexSelect(0, iFit);
    const yFit = o.trainLabels.indexSelect(0, iFit);
    const xVal = o.trainFeatures.indexSelect(0, iVal);
    const yVal = o.trainLabels.indexSelect(0, iVal);
    return grid.map((l2) => ({ l2, top1: fitAndScore(xFit, yFit, xVal, yVal, o, method, l2, 'validation').top1 }));
  });
}

/** The λ with the best held-out accuracy; among equals the largest (the most regularized). */
function bestL2(scores: { l2: number; top1: number }[]): number {
  let best = scores[0] as { l2: number; top1: number };
  for (const s of scores) if (s.top1 > best.top1 || (s.top1 === best.top1 && s.l2 > best.l2)) best = s;
  return best.l2;
}

function checkFeatures(x: Tensor, field: string): number {
  if (x.ndim !== 2) throw new Error(`linearProbe: ${field} must be N×d, got shape [${x.shape}]`);
  if (x.size(0) === 0) {
    const split =
      field === 'trainFeatures' ? 'train split: the probe is fitted on it' : 'test split: it is scored on it';
    throw new Error(`linearProbe: ${field} is empty (0 rows): it needs at least one example of the ${split}`);
  }
  checkFiniteFeatures(x, 'linearProbe', field);
  return x.size(0);
}
