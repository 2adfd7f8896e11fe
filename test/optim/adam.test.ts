/**
 * Adam and AdamW against a hand-written float64 TypeScript implementation of
 * the textbook update with bias correction (Kingma & Ba 2015, Algorithm 1;
 * AdamW's decoupled decay from Loshchilov & Hutter 2019, Algorithm 2).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Adam, type AdamHyper, AdamW } from '../../src/optim/index.ts';
import { assertClose } from '../helpers/close.ts';
import { autogradStep, gradTs, makeParams, PROBLEM, values } from './quadratic.ts';

/**
 * m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ), p −= lr·m̂/(√v̂ + ε·…) written the way
 * PyTorch does it: p −= (lr/(1−β₁ᵗ))·m/(√v/√(1−β₂ᵗ) + ε).
 */
function adamReference(h: AdamHyper, decoupled: boolean, steps: number): Float64Array[] {
  const ps = PROBLEM.init.map((v) => Float64Array.from(v));
  const m = ps.map((p) => new Float64Array(p.length));
  const v = ps.map((p) => new Float64Array(p.length));
  const vmax = ps.map((p) => new Float64Array(p.length));
  for (let t = 1; t <= steps; t++) {
    ps.forEach((p, i) => {
      let g = gradTs(p, i);
      if (decoupled) for (let k = 0; k < p.length; k++) p[k] = (p[k] as number) * (1 - h.lr * h.weightDecay);
      else g = g.map((gk, k) => gk + h.weightDecay * (p[k] as number));
      const mi = m[i] as Float64Array;
      const vi = v[i] as Float64Array;
      const vm = vmax[i] as Float64Array;
      for (let k = 0; k < p.length; k++) {
        const gk = g[k] as number;
        mi[k] = h.beta1 * (mi[k] as number) + (1 - h.beta1) * gk;
        vi[k] = h.beta2 * (vi[k] as number) + (1 - h.beta2) * gk * gk;
        vm[k] = Math.max(vm[k] as number, vi[k] as number);
        const second = h.amsgrad ? (vm[k] as number) : (vi[k] as number);
        const mHat = (mi[k] as number) / (1 - h.beta1 ** t);
        const denom = Math.sqrt(second) / Math.sqrt(1 - h.beta2 ** t) + h.eps;
        p[k] = (p[k] as number) - (h.lr * mHat) / denom;
      }
    });
  }
  return ps;
}

const BASE: AdamHyper = { lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, amsgrad: false };
const CASES: [string, 'Adam' | 'AdamW', AdamHyper][] = [
  ['Adam defaults-like', 'Adam', BASE],
  ['Adam with L2 weight decay', 'Adam', { ...BASE, weightDecay: 0.1 }],
  ['Adam amsgrad, β=(0.5, 0.9)', 'Adam', { ...BASE, beta1: 0.5, beta2: 0.9, amsgrad: true }],
  ['AdamW decoupled decay 0.1', 'AdamW', { ...BASE, weightDecay: 0.1 }],
  ['AdamW amsgrad, large eps', 'AdamW', { ...BASE, weightDecay: 0.01, eps: 0.1, amsgrad: true }],
];

for (const [name, kind, h] of CASES) {
  test(`${name}: 10 steps match the float64 reference`, () => {
    const params = makeParams();
    const opt = kind === 'Adam' ? new Adam(params, h) : new AdamW(params, h);
    for (let s = 0; s < 10; s++) autogradStep(params, () => opt.step());
    const ref = adamReference(h, kind === 'AdamW', 10);
    values(params).forEach((v, i) => {
      assertClose(v, ref[i] as Float64Array, { rtol: 1e-11, atol: 1e-13 }, `${name} param ${i}`);
    });
  });
}

test('Adam and AdamW differ exactly by where weight decay enters', () => {
  const h = { ...BASE, weightDecay: 0.2 };
  const coupled = adamReference(h, false, 5);
  const decoupled = adamReference(h, true, 5);
  assert.ok(Math.abs((coupled[0]?.[0] as number) - (decoupled[0]?.[0] as number)) > 1e-4, 'the two references differ');
  const pa = makeParams();
  const pw = makeParams();
  const a = new Adam(pa, h);
  const w = new AdamW(pw, h);
  for (let s = 0; s < 5; s++) {
    autogradStep(pa, () => a.step());
    autogradStep(pw, () => w.step());
  }
  assertClose(values(pa)[0]!, coupled[0]!, { rtol: 1e-11 }, 'Adam');
  assertClose(values(pw)[0]!, decoupled[0]!, { rtol: 1e-11 }, 'AdamW');
  assert.equal(new AdamW(makeParams()).paramGroups[0]?.weightDecay, 0.01, 'AdamW default weight decay as PyTorch');
  assert.equal(new Adam(makeParams()).paramGroups[0]?.lr, 1e-3);
  assert.throws(() => new Adam(makeParams(), { beta1: 1 }), /Adam: group 0: beta1 must be in \[0, 1\), got 1/);
});
