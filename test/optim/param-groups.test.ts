/** splitWeightDecay: biases and normalization parameters go to the no-decay group. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MLP, ResNet18 } from '../../src/nn/index.ts';
import { LARS, SGD, splitWeightDecay } from '../../src/optim/index.ts';

test('splitWeightDecay: default exclusion is every 1-D tensor (biases, BN γ/β)', () => {
  const m = new MLP([3, 4, 2], { batchNorm: true });
  const [decay, noDecay] = splitWeightDecay(m, 5e-4);
  const names = new Map(m.namedParameters().map(([n, t]) => [t, n]));
  assert.deepEqual(
    decay.params.map((t) => names.get(t)),
    ['0.weight', '3.weight'],
  );
  assert.deepEqual(
    noDecay.params.map((t) => names.get(t)),
    ['0.bias', '1.weight', '1.bias', '3.bias'],
  );
  assert.equal(decay.weightDecay, 5e-4);
  assert.equal(noDecay.weightDecay, 0);
  assert.equal(noDecay.larsExclude, true);
  const opt = new LARS([decay, noDecay], { lr: 0.1 });
  assert.equal(opt.paramGroups[1]?.larsExclude, true);
  assert.equal(opt.paramGroups[1]?.weightDecay, 0);
});

test('splitWeightDecay: ResNet18 has 20 conv weights to decay and 40 BN tensors not to; custom exclude', () => {
  const net = new ResNet18();
  const [decay, noDecay] = splitWeightDecay(net, 1e-4);
  assert.equal(decay.params.length, 20);
  assert.equal(noDecay.params.length, 40);
  const [d2, n2] = splitWeightDecay(net, 1e-4, { exclude: (name) => name.startsWith('layer4') });
  assert.equal(n2.params.length, 15);
  assert.equal(d2.params.length + n2.params.length, 60);
  assert.doesNotThrow(() => new SGD([d2, n2], { lr: 0.1, momentum: 0.9 }));
  assert.throws(() => splitWeightDecay(net, -1), /weightDecay must be ≥ 0/);
  net.dispose();
});
