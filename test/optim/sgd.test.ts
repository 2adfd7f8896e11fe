/**
 * SGD (momentum, dampening, nesterov, weight decay) against a hand-written
 * float64 TypeScript implementation of torch.optim.SGD's update rule.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SGD, type SGDHyper } from '../../src/optim/index.ts';
import { assertClose } from '../helpers/close.ts';
import { autogradStep, gradTs, hostMomentumStep, makeParams, PROBLEM, values } from './quadratic.ts';

/** Textbook SGD: d = g + wd·p; b = μb + (1−τ)d (b = d first); d = nesterov ? d + μb : b; p −= lr·d. */
function sgdReference(h: SGDHyper, steps: number): Float64Array[] {
  const ps = PROBLEM.init.map((v) => Float64Array.from(v));
  const bufs: (Float64Array | null)[] = ps.map(() => null);
  for (let s = 0; s < steps; s++) {
    ps.forEach((p, i) => {
      const g = gradTs(p, i);
      const d = g.map((gk, k) => gk + h.weightDecay * (p[k] as number));
      bufs[i] = hostMomentumStep(p, d, bufs[i] ?? null, h);
    });
  }
  return ps;
}

const CASES: [string, SGDHyper][] = [
  ['plain', { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 }],
  ['momentum', { lr: 0.05, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0 }],
  ['momentum + dampening', { lr: 0.05, momentum: 0.8, dampening: 0.3, nesterov: false, weightDecay: 0 }],
  ['nesterov', { lr: 0.05, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0 }],
  ['nesterov + weight decay', { lr: 0.05, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0.1 }],
  ['weight decay only', { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0.05 }],
];

for (const [name, h] of CASES) {
  test(`SGD ${name}: 7 steps match the float64 reference`, () => {
    const params = makeParams();
    const opt = new SGD(params, h);
    for (let s = 0; s < 7; s++) autogradStep(params, () => opt.step());
    const ref = sgdReference(h, 7);
    values(params).forEach((v, i) => {
      assertClose(v, ref[i] as Float64Array, { rtol: 1e-12, atol: 1e-14 }, `${name} param ${i}`);
    });
    // The trajectory moved (so a no-op optimizer would fail).
    assert.ok(Math.abs((ref[0]?.[0] as number) - (PROBLEM.init[0]?.[0] as number)) > 1e-3);
  });
}

test('SGD: per-group hyperparameters, lr settable per group, params without grad untouched', () => {
  const params = makeParams();
  const opt = new SGD([{ params: [params[0]!] }, { params: [params[1]!], lr: 0.2, momentum: 0.5 }], { lr: 0.1 });
  assert.equal(opt.paramGroups[0]?.lr, 0.1);
  assert.equal(opt.paramGroups[1]?.momentum, 0.5);
  opt.setLr(0.3, 0);
  assert.equal(opt.paramGroups[0]?.lr, 0.3);
  assert.equal(opt.paramGroups[1]?.lr, 0.2);
  autogradStep(params, () => {
    params[1]!.grad = null; // e.g. a frozen parameter
    opt.step();
  });
  const g0 = gradTs(PROBLEM.init[0]!, 0);
  assertClose(
    values(params)[0]!,
    PROBLEM.init[0]!.map((p, k) => p - 0.3 * (g0[k] as number)),
    { rtol: 1e-14 },
    'group 0',
  );
  assertClose(values(params)[1]!, PROBLEM.init[1]!, { rtol: 0, atol: 0 }, 'no grad: unchanged');
});

test('SGD: invalid hyperparameters are clear Errors', () => {
  const params = makeParams();
  assert.throws(() => new SGD(params, { lr: -1 }), /SGD: group 0: lr must be ≥ 0, got -1/);
  assert.throws(() => new SGD(params, { lr: 0.1, nesterov: true }), /nesterov needs momentum > 0 and dampening 0/);
  assert.throws(() => new SGD([], { lr: 0.1 }), /params must be a non-empty array/);
  assert.throws(() => new SGD([params[0]!, params[0]!], { lr: 0.1 }), /more than one place/);
});
