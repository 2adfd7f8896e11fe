/**
 * LARS: the trust ratio q = η‖p‖/(‖g‖ + wd‖p‖ + ε) against the formula,
 * exclusion of groups flagged larsExclude (no adaptation, no decay), the
 * zero-norm fallback, clipping, and several momentum steps against a float64
 * TypeScript reference of solo-learn's LARS.
 */
import { test } from 'node:test';
import { LARS, type LARSHyper } from '../../src/optim/index.ts';
import { noGrad, tensor } from '../../src/tensor/index.ts';
import { assertClose } from '../helpers/close.ts';
import { autogradStep, gradTs, hostMomentumStep, makeParams, PROBLEM, values } from './quadratic.ts';

const norm = (v: ArrayLike<number>): number => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));

/** One LARS step on host arrays (solo-learn's LARS.step). */
function larsReference(h: LARSHyper & { larsExclude?: boolean }, steps: number): Float64Array[] {
  const ps = PROBLEM.init.map((v) => Float64Array.from(v));
  const bufs: (Float64Array | null)[] = ps.map(() => null);
  for (let s = 0; s < steps; s++) {
    ps.forEach((p, i) => {
      const g = gradTs(p, i);
      let d = Float64Array.from(g);
      const pn = norm(p);
      const gn = norm(g);
      if (!h.larsExclude && pn !== 0 && gn !== 0) {
        let q = (h.eta * pn) / (gn + h.weightDecay * pn + h.eps);
        if (h.clipLr) q = Math.min(q / h.lr, 1);
        d = g.map((gk, k) => (gk + h.weightDecay * (p[k] as number)) * q);
      }
      bufs[i] = hostMomentumStep(p, d, bufs[i] ?? null, h);
    });
  }
  return ps;
}

const BASE: LARSHyper = {
  lr: 0.5,
  momentum: 0,
  dampening: 0,
  nesterov: false,
  weightDecay: 0.01,
  eta: 0.02,
  eps: 1e-8,
  clipLr: false,
};

test('LARS one step: p − lr·q·(g + wd·p) with the trust ratio from the formula', () => {
  const params = makeParams();
  const opt = new LARS(params, BASE);
  autogradStep(params, () => opt.step());
  PROBLEM.init.forEach((p0, i) => {
    const g = gradTs(p0, i);
    const q = (BASE.eta * norm(p0)) / (norm(g) + BASE.weightDecay * norm(p0) + BASE.eps);
    const expected = p0.map((pk, k) => pk - BASE.lr * q * ((g[k] as number) + BASE.weightDecay * pk));
    assertClose(values(params)[i]!, expected, { rtol: 1e-13 }, `param ${i}`);
  });
});

test('LARS: larsExclude groups get plain SGD without weight decay; zero-norm params are not adapted', () => {
  const params = makeParams();
  const opt = new LARS([{ params: [params[0]!] }, { params: [params[1]!], larsExclude: true }], BASE);
  autogradStep(params, () => opt.step());
  const g1 = gradTs(PROBLEM.init[1]!, 1);
  assertClose(
    values(params)[1]!,
    PROBLEM.init[1]!.map((p, k) => p - BASE.lr * (g1[k] as number)),
    { rtol: 1e-14 },
    'excluded',
  );
  // ‖p‖ = 0: d = g (no adaptation, no decay).
  const zero = tensor(new Float64Array(3)).requiresGrad_();
  const z = new LARS([zero], BASE);
  zero.grad = tensor(Float64Array.from([1, -2, 3]));
  z.step();
  assertClose(
    noGrad(() => zero.toArray()),
    [-0.5, 1, -1.5],
    { rtol: 1e-14 },
    'zero-norm parameter',
  );
});

const CASES: [string, LARSHyper & { larsExclude?: boolean }][] = [
  ['momentum 0.9', { ...BASE, momentum: 0.9 }],
  ['nesterov', { ...BASE, momentum: 0.9, nesterov: true }],
  ['clipLr (q ← min(q/lr, 1))', { ...BASE, momentum: 0.9, clipLr: true, eta: 0.5 }],
  ['clipLr where the clip is active', { ...BASE, clipLr: true, eta: 5, lr: 0.01 }],
  ['excluded group with momentum', { ...BASE, momentum: 0.9, larsExclude: true }],
];
for (const [name, h] of CASES) {
  test(`LARS ${name}: 6 steps match the float64 reference`, () => {
    const params = makeParams();
    const { larsExclude, ...hyper } = h;
    const opt = new LARS([{ params, larsExclude }], hyper);
    for (let s = 0; s < 6; s++) autogradStep(params, () => opt.step());
    const ref = larsReference(h, 6);
    values(params).forEach((v, i) => {
      assertClose(v, ref[i]!, { rtol: 1e-11, atol: 1e-14 }, `${name} param ${i}`);
    });
  });
}
