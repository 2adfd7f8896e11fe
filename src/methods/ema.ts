/**
 * Momentum (target) networks: a frozen copy of online modules that follows
 * them by an exponential moving average — MoCo's key encoder (He et al. 2020)
 * and BYOL's target network (Grill et al. 2020).
 */
import type { Module } from '../nn/index.ts';
import { noGrad, tidy } from '../tensor/index.ts';

/**
 * Moves `fresh` (same architecture as `online`) to `online`'s device and
 * dtype, loads `online`'s parameters and buffers into it and stops its
 * parameters from requiring gradients; returns `fresh`.
 */
export function frozenCopy<M extends Module>(fresh: M, online: Module): M {
  const like = online.parameters()[0];
  if (like) fresh.to({ device: like.device, dtype: like.dtype });
  tidy(() => fresh.loadStateDict(online.stateDict()));
  for (const p of fresh.parameters()) p.requiresGrad_(false);
  return fresh;
}

/**
 * In place, without autograd: every parameter θ_t ← m·θ_t + (1 − m)·θ_o
 * (computed as mul_(m) then add_(θ_o, 1 − m), no new tensors), and every
 * buffer (BN running mean/var, batch counter) copied from the online module,
 * as solo-learn's `MomentumUpdater` does. Parameters are paired by name.
 */
export function emaUpdate_(target: Module, online: Module, m: number): void {
  if (!(Number.isFinite(m) && m >= 0 && m <= 1)) throw new Error(`emaUpdate_: momentum must be in [0, 1], got ${m}`);
  const tp = target.namedParameters();
  const op = online.namedParameters();
  const tb = target.namedBuffers();
  const ob = online.namedBuffers();
  const same = (a: [string, unknown][], b: [string, unknown][]) =>
    a.length === b.length && a.every(([n], i) => n === b[i]?.[0]);
  if (!same(tp, op) || !same(tb, ob)) {
    throw new Error(
      `emaUpdate_: target ${target.constructor.name} and online ${online.constructor.name} have different parameter or buffer names`,
    );
  }
  noGrad(() => {
    tp.forEach(([, t], i) => {
      t.mul_(m).add_((op[i] as [string, typeof t])[1], 1 - m);
    });
    tb.forEach(([, t], i) => {
      t.copy_((ob[i] as [string, typeof t])[1]);
    });
  });
}

/**
 * BYOL's target decay at step k of K: τ = 1 − (1 − τ_base)·(cos(πk/K) + 1)/2,
 * rising from τ_base at k = 0 to 1 at k = K (Grill et al. 2020, §3.2).
 */
export function cosineMomentum(base: number, step: number, totalSteps: number): number {
  const frac = totalSteps > 0 ? Math.min(Math.max(step / totalSteps, 0), 1) : 0;
  return 1 - ((1 - base) * (Math.cos(Math.PI * frac) + 1)) / 2;
}
