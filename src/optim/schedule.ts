/** Learning-rate schedules and applying them to an optimizer's groups. */
import type { BaseHyper, Optimizer } from './optimizer.ts';

/** A learning rate as a function of the optimizer step (0-based). */
export type Schedule = (step: number) => number;

export interface WarmupCosineOptions {
  baseLr: number;
  /** Steps of linear warm-up (0 for none). */
  warmupSteps: number;
  /** Total steps; the rate reaches finalLr here and stays there. */
  totalSteps: number;
  finalLr?: number;
}

/**
 * Linear warm-up then cosine decay (Goyal et al. 2017; Loshchilov & Hutter 2017):
 *   s < W:  lr = baseLr·s/W
 *   s ≥ W:  lr = finalLr + (baseLr − finalLr)·(1 + cos(π·t))/2,  t = min(1, (s − W)/(T − W))
 * so lr(0) = 0 (when W > 0), lr(W) = baseLr, lr(T) = finalLr.
 */
export function warmupCosine(o: WarmupCosineOptions): Schedule {
  const { baseLr, warmupSteps: w, totalSteps: total } = o;
  const finalLr = o.finalLr ?? 0;
  if (!(Number.isFinite(baseLr) && baseLr >= 0)) throw new Error(`warmupCosine: baseLr must be ≥ 0, got ${baseLr}`);
  if (!(Number.isInteger(w) && w >= 0)) throw new Error(`warmupCosine: warmupSteps must be an integer ≥ 0, got ${w}`);
  if (!(Number.isInteger(total) && total > w)) {
    throw new Error(`warmupCosine: totalSteps must be an integer > warmupSteps (${w}), got ${total}`);
  }
  return (step: number): number => {
    if (!(Number.isFinite(step) && step >= 0)) throw new Error(`warmupCosine: step must be ≥ 0, got ${step}`);
    if (step < w) return (baseLr * step) / w;
    const t = Math.min(1, (step - w) / (total - w));
    return finalLr + ((baseLr - finalLr) * (1 + Math.cos(Math.PI * t))) / 2;
  };
}

/**
 * Sets every group's lr to `schedule(step)·(group.lrScale ?? 1)` and returns
 * the unscaled rate (for logging).
 */
export function applySchedule<H extends BaseHyper>(opt: Optimizer<H>, schedule: Schedule, step: number): number {
  const lr = schedule(step);
  for (const g of opt.paramGroups) g.lr = lr * (g.lrScale ?? 1);
  return lr;
}
