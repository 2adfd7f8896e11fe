/**
 * Optimizer state dicts: 3 steps, save, 3 more steps; a fresh optimizer
 * restored from the saved state (through JSON for meta) continues to the same
 * parameters bit for bit. Also: errors on mismatched state, flat memory.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Adam, AdamW, LARS, type Optimizer, SGD } from '../../src/optim/index.ts';
import { noGrad, Tensor, tensor, tidy, zeros } from '../../src/tensor/index.ts';
import { autogradStep, makeParams, values } from './quadratic.ts';

type Make = (params: Tensor[]) => Optimizer;
const MAKERS: [string, Make][] = [
  [
    'SGD nesterov',
    (p) =>
      new SGD([{ params: [p[0]!] }, { params: [p[1]!], lr: 0.02 }], {
        lr: 0.05,
        momentum: 0.9,
        nesterov: true,
        weightDecay: 1e-2,
      }),
  ],
  ['Adam amsgrad', (p) => new Adam(p, { lr: 0.05, amsgrad: true, weightDecay: 1e-3 })],
  ['AdamW', (p) => new AdamW(p, { lr: 0.05 })],
  [
    'LARS',
    (p) =>
      new LARS([{ params: [p[0]!] }, { params: [p[1]!], larsExclude: true }], {
        lr: 0.3,
        momentum: 0.9,
        weightDecay: 1e-2,
      }),
  ],
];

for (const [name, make] of MAKERS) {
  test(`${name}: save after 3 steps, restore into a fresh optimizer, 3 more steps give identical parameters`, () => {
    const params = makeParams();
    const opt = make(params);
    for (let s = 0; s < 3; s++) autogradStep(params, () => opt.step());
    opt.setLr(0.04, 0); // a scheduled lr must come back too
    const savedParams = values(params);
    const saved = opt.stateDict();
    const meta = JSON.parse(JSON.stringify(saved.meta));
    for (let s = 0; s < 3; s++) autogradStep(params, () => opt.step());
    const continued = values(params);

    const fresh = savedParams.map((v) => tensor(Float64Array.from(v)).requiresGrad_());
    const opt2 = make(fresh);
    assert.notEqual(opt2.paramGroups[0]?.lr, 0.04);
    opt2.loadStateDict({ tensors: saved.tensors, meta });
    assert.equal(opt2.paramGroups[0]?.lr, 0.04);
    for (let s = 0; s < 3; s++) autogradStep(fresh, () => opt2.step());
    values(fresh).forEach((v, i) => {
      assert.deepEqual(Array.from(v), Array.from(continued[i]!), `param ${i}`);
    });

    // Restoring without the state would not match: the test can fail.
    const cold = savedParams.map((v) => tensor(Float64Array.from(v)).requiresGrad_());
    const opt3 = make(cold);
    opt3.setLr(0.04, 0);
    for (let s = 0; s < 3; s++) autogradStep(cold, () => opt3.step());
    assert.notDeepEqual(Array.from(values(cold)[0]!), Array.from(continued[0]!));
    for (const t of Object.values(saved.tensors)) t.dispose();
    for (const o of [opt, opt2, opt3]) o.dispose();
  });
}

test('stateDict tensors are copies that do not change as training continues', () => {
  const params = makeParams();
  const opt = new SGD(params, { lr: 0.1, momentum: 0.9 });
  autogradStep(params, () => opt.step());
  const sd = opt.stateDict();
  assert.deepEqual(Object.keys(sd.tensors), ['0.momentum_buffer', '1.momentum_buffer']);
  const before = sd.tensors['0.momentum_buffer']!.toArray();
  autogradStep(params, () => opt.step());
  assert.deepEqual(sd.tensors['0.momentum_buffer']!.toArray(), before);
  const adam = new Adam(params);
  autogradStep(params, () => adam.step());
  autogradStep(params, () => adam.step());
  assert.deepEqual(adam.stateDict().meta.scalars, { 0: { step: 2 }, 1: { step: 2 } });
});

test('loadStateDict: wrong optimizer, group layout or shapes are clear Errors', () => {
  const params = makeParams();
  const sgd = new SGD(params, { lr: 0.1, momentum: 0.9 });
  autogradStep(params, () => sgd.step());
  const sd = sgd.stateDict();
  assert.throws(() => new Adam(params).loadStateDict(sd), /state was saved by SGD, expected Adam/);
  assert.throws(
    () => new SGD([{ params: [params[0]!] }, { params: [params[1]!] }], { lr: 0.1 }).loadStateDict(sd),
    /state has 1 param groups, this optimizer has 2/,
  );
  assert.throws(
    () => new SGD([params[1]!, params[0]!], { lr: 0.1 }).loadStateDict(sd),
    /state '0\.momentum_buffer' has shape \[4\], parameter 0 has \[3\]/,
  );
  const extra = { tensors: { ...sd.tensors, '7.momentum_buffer': zeros([1]) }, meta: sd.meta };
  assert.throws(() => new SGD(params, { lr: 0.1 }).loadStateDict(extra), /unexpected state key '7\.momentum_buffer'/);
});

test('steps keep no new tensors once the state exists (everything else is freed by the step scope)', () => {
  const p = zeros([1000]).requiresGrad_();
  const q = zeros([10, 10]).requiresGrad_();
  const g = zeros([1000]).add(1).keep();
  const gq = zeros([10, 10]).add(-1).keep();
  const opts: Optimizer[] = [
    new SGD([p, q], { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4 }),
    new AdamW([p, q], { amsgrad: true }),
    new Adam([p, q], { weightDecay: 1e-4 }),
    new LARS([{ params: [p] }, { params: [q], larsExclude: true }], {
      lr: 0.1,
      momentum: 0.9,
      weightDecay: 1e-4,
      clipLr: true,
    }),
  ];
  const original = Tensor.prototype.keep;
  let kept = 0;
  for (const opt of opts) {
    const step = () =>
      tidy(() => {
        p.grad = g;
        q.grad = gq;
        opt.step();
      });
    step(); // creates the state (momentum buffers, moments)
    Tensor.prototype.keep = function (this: Tensor) {
      kept++;
      return original.call(this);
    } as typeof original;
    try {
      for (let i = 0; i < 20; i++) step();
    } finally {
      Tensor.prototype.keep = original;
    }
    assert.equal(kept, 0, `${opt.constructor.name} kept ${kept} tensors over 20 steps`);
    assert.equal(Object.keys(opt.stateDict().tensors).length > 0, true);
  }
  assert.ok(noGrad(() => p.mean().item()) !== 0, 'the steps did move p');
});
