/**
 * Plain-TypeScript float64 references for the method losses, written as the
 * papers state them (loops over rows and pairs), independent of the tensor code.
 */
import { type Tensor, tensor } from '../../src/tensor/index.ts';
import type { Rng } from '../helpers/prng.ts';

export type Rows = number[][];

export const dot = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * (b[i] as number), 0);
export const norm = (a: number[]): number => Math.sqrt(dot(a, a));
export const unit = (a: number[]): number[] => a.map((x) => x / norm(a));
export const cos = (a: number[], b: number[]): number => dot(a, b) / (norm(a) * norm(b));
export const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

/** n×d standard-normal rows. */
export const randomRows = (rng: Rng, n: number, d: number, scale = 1): Rows =>
  Array.from({ length: n }, () => Array.from({ length: d }, () => scale * rng.normal()));

/** A float64 (or float32) tensor of the rows. */
export const rowsTensor = (rows: Rows, dtype: 'float64' | 'float32' = 'float64'): Tensor =>
  tensor(Float64Array.from(rows.flat()), [rows.length, rows[0]?.length ?? 0], { dtype });

/** Rows of a 2-D tensor as plain numbers. */
export function tensorRows(t: Tensor): Rows {
  const [n, d] = t.shape as [number, number];
  const v = t.toArray();
  return Array.from({ length: n }, (_, i) => v.slice(i * d, (i + 1) * d));
}

/** HaoChen et al.'s batch spectral loss, step by step as DESIGN.md states it. */
export function spectralReference(z1: Rows, z2: Rows, mu: number): { loss: number; part1: number; part2: number } {
  const r = Math.sqrt(mu);
  const clip = (v: number[]) => (norm(v) > r ? v.map((x) => (x * r) / norm(v)) : v);
  const a = z1.map(clip);
  const b = z2.map(clip);
  const n = a.length;
  let s1 = 0;
  for (let i = 0; i < n; i++) s1 += dot(a[i] as number[], b[i] as number[]);
  const part1 = (-2 / n) * s1;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) if (i !== j) s2 += dot(a[i] as number[], b[j] as number[]) ** 2;
  }
  const part2 = s2 / (n * (n - 1));
  return { loss: (part1 + part2) / mu, part1, part2 };
}

/** SimCLR's NT-Xent: mean over the 2B anchors of −log(exp(s⁺)/Σ_{l≠k} exp(s_kl)). */
export function ntXentReference(z1: Rows, z2: Rows, tau: number): number {
  const u = [...z1, ...z2].map(unit);
  const n = z1.length;
  const terms = u.map((uk, k) => {
    const pos = k < n ? k + n : k - n;
    let denom = 0;
    u.forEach((ul, l) => {
      if (l !== k) denom += Math.exp(dot(uk, ul) / tau);
    });
    return -dot(uk, u[pos] as number[]) / tau + Math.log(denom);
  });
  return mean(terms);
}

/** MoCo's InfoNCE against a queue of unit keys. */
export function infoNceReference(q: Rows, k: Rows, queue: Rows, tau: number): number {
  return mean(
    q.map((qi, i) => {
      const qu = unit(qi);
      const pos = dot(qu, unit(k[i] as number[])) / tau;
      let denom = Math.exp(pos);
      for (const key of queue) denom += Math.exp(dot(qu, key) / tau);
      return -pos + Math.log(denom);
    }),
  );
}

/** SwAV's Sinkhorn exactly as the paper's code: exp, global normalization, then column/row scalings, times B. */
export function sinkhornReference(scores: Rows, eps: number, iterations: number): Rows {
  const b = scores.length;
  const k = (scores[0] as number[]).length;
  let q = scores.map((r) => r.map((s) => Math.exp(s / eps)));
  const total = q.flat().reduce((s, x) => s + x, 0);
  q = q.map((r) => r.map((x) => x / total));
  for (let it = 0; it < iterations; it++) {
    for (let j = 0; j < k; j++) {
      let c = 0;
      for (let i = 0; i < b; i++) c += (q[i] as number[])[j] as number;
      for (let i = 0; i < b; i++) (q[i] as number[])[j] = ((q[i] as number[])[j] as number) / c / k;
    }
    q = q.map((r) => {
      const s = r.reduce((a, x) => a + x, 0);
      return r.map((x) => x / s / b);
    });
  }
  return q.map((r) => r.map((x) => x * b));
}

/** SwAV's swapped-prediction loss with loops. */
export function swavReference(s1: Rows, s2: Rows, q1: Rows, q2: Rows, tau: number): number {
  const logSoftmax = (r: number[]) => {
    const m = Math.max(...r.map((x) => x / tau));
    const lse = m + Math.log(r.reduce((s, x) => s + Math.exp(x / tau - m), 0));
    return r.map((x) => x / tau - lse);
  };
  const n = s1.length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const l2 = logSoftmax(s2[i] as number[]);
    const l1 = logSoftmax(s1[i] as number[]);
    total += dot(q1[i] as number[], l2) + dot(q2[i] as number[], l1);
  }
  return (-0.5 * total) / n;
}
