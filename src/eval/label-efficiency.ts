/**
 * Label efficiency: linear-probe accuracy as a function of the number of
 * labeled examples per class, m, averaged over seeded draws of the labeled
 * subset. The better the representation, the fewer labels it needs.
 */
import { drawPerClass, indicesByClass } from '../data/index.ts';
import { type Tensor, tensor, tidy } from '../tensor/index.ts';
import { type LinearProbeResult, linearProbe, type ProbeOptions } from './linear-probe.ts';
import type { EvalProgress } from './progress.ts';

export interface LabelEfficiencyOptions {
  trainFeatures: Tensor;
  trainLabels: Tensor;
  testFeatures: Tensor;
  testLabels: Tensor;
  numClasses: number;
  /** Labeled examples per class; 'all' = the whole train set. Default [1, 5, 10, 100, 'all']. */
  perClass?: (number | 'all')[];
  /** One run per seed and per m. Default [0, 1, 2]. */
  seeds?: number[];
  /** How each probe is fitted (method, λ, …); its seed is set per run. */
  probe?: ProbeOptions;
  /** Called after every run (for progress reports): the train indices it used and its probe result. */
  onRun?: (run: { perClass: number | 'all'; seed: number; indices: number[]; result: LinearProbeResult }) => void;
  /** Progress of every probe fit (fit 'label-efficiency', with its perClass and seed). */
  onProgress?: (e: EvalProgress) => void;
}

export interface LabelEfficiencyRow {
  perClass: number | 'all';
  /** Mean test top-1 over the runs, in [0, 1]. */
  mean: number;
  /** Sample standard deviation over the runs (n − 1 in the denominator); 0 for one run. */
  std: number;
  /** Test top-1 of each run, in seed order. */
  runs: number[];
}

/**
 * For each m in `perClass` and each seed s: the labeled subset is exactly m
 * train examples of every class, drawn as data/labeledSubset draws them
 * (drawPerClass over indicesByClass with Generator(s): one permutation per
 * class, first m kept, so for a seed the subsets are nested in m); 'all' uses
 * every train example. A linear probe (linearProbe with `probe`, seed s) is
 * fitted on the subset's features and scored on all test features. Each row
 * reports the mean and sample std of the runs' test accuracy.
 * 'all' runs once per seed as well; when the probe is deterministic and does
 * not depend on the seed (L-BFGS with a fixed λ) the first run's result is
 * reused for the other seeds (identical by construction, std 0).
 * @throws when a class has fewer than m train examples.
 */
export function labelEfficiency(o: LabelEfficiencyOptions): LabelEfficiencyRow[] {
  const perClass = o.perClass ?? [1, 5, 10, 100, 'all'];
  const seeds = o.seeds ?? [0, 1, 2];
  if (seeds.length === 0) throw new Error('labelEfficiency: seeds must not be empty');
  for (const m of perClass)
    if (m !== 'all' && !(Number.isInteger(m) && m >= 1))
      throw new Error(`labelEfficiency: perClass entries must be positive integers or 'all', got ${m}`);
  const n = o.trainLabels.size(0);
  const byClass = indicesByClass(o.trainLabels, o.numClasses, 'labelEfficiency');
  const seedFree = (o.probe?.method ?? 'lbfgs') === 'lbfgs' && o.probe?.l2 !== 'auto';
  const all = Array.from({ length: n }, (_, i) => i);
  const progress = o.onProgress ?? o.probe?.onProgress;
  const fitProgress = (m: number | 'all', seed: number) =>
    progress
      ? (e: EvalProgress) =>
          progress(
            e.phase === 'probe' || e.phase === 'probe-done'
              ? { ...e, fit: e.fit === 'final' ? 'label-efficiency' : e.fit, perClass: m, seed }
              : e,
          )
      : undefined;

  return perClass.map((m) => {
    const runs: number[] = [];
    let reused: LinearProbeResult | undefined;
    for (const seed of seeds) {
      const indices =
        m === 'all' ? all : drawPerClass(byClass, new Array<number>(o.numClasses).fill(m), seed, 'labelEfficiency');
      const result =
        m === 'all' && seedFree && reused
          ? reused
          : tidy(() => {
              const idx = tensor(BigInt64Array.from(indices, BigInt), [indices.length]);
              return linearProbe({
                ...o.probe,
                onProgress: fitProgress(m, seed),
                seed,
                trainFeatures: m === 'all' ? o.trainFeatures : o.trainFeatures.indexSelect(0, idx),
                trainLabels: m === 'all' ? o.trainLabels : o.trainLabels.indexSelect(0, idx),
                testFeatures: o.testFeatures,
                testLabels: o.testLabels,
                numClasses: o.numClasses,
              });
            });
      if (m === 'all') reused = result;
      runs.push(result.top1);
      o.onRun?.({ perClass: m, seed, indices, result });
    }
    return { perClass: m, ...meanStd(runs), runs };
  });
}

/** Mean and sample standard deviation (n − 1 denominator; 0 when n = 1). */
export function meanStd(xs: number[]): { mean: number; std: number } {
  if (xs.length === 0) throw new Error('meanStd: no values');
  // Shifted by the first value: equal runs give exactly that value and std 0.
  const x0 = xs[0] as number;
  const mean = x0 + xs.reduce((a, b) => a + (b - x0), 0) / xs.length;
  if (xs.length === 1) return { mean, std: 0 };
  const ss = xs.reduce((a, b) => a + (b - mean) ** 2, 0);
  return { mean, std: Math.sqrt(ss / (xs.length - 1)) };
}
