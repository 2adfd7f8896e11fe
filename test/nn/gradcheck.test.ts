/**
 * Gradients of the layers and functions networks are built from, against
 * central finite differences in float64 (test/helpers/gradcheck.ts), with
 * both inputs and parameters perturbed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  ConvNet,
  GELU,
  GlobalAvgPool,
  LeakyReLU,
  Linear,
  MaxPool2d,
  MLP,
  type Module,
  ReLU,
} from '../../src/nn/index.ts';
import { Generator, nnf, noGrad, type Tensor, tensor } from '../../src/tensor/index.ts';
import { gradcheck } from '../helpers/gradcheck.ts';
import { Rng } from '../helpers/prng.ts';

const rng = new Rng(7);
/** A float64 leaf with standard-normal values from the test's own PRNG. */
const input = (shape: number[], scale = 1): Tensor => {
  const d = rng.normals(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < d.length; i++) d[i] = (d[i] as number) * scale;
  return tensor(d, shape).requiresGrad_().keep();
};
/** The module in float64 with its parameters, for perturbation. */
const f64 = <M extends Module>(m: M): M => m.to('float64');
const gen = () => new Generator(3);

/** Runs gradcheck on module m at input x, perturbing x and every parameter. */
function checkModule(m: Module, x: Tensor, label: string): void {
  const r = gradcheck(() => m.forward(x), [x, ...m.parameters()], { label });
  assert.ok(r.checked >= x.numel, `${label}: checked ${r.checked} elements`);
}

test('Linear: gradients of input, weight and bias', () => {
  checkModule(f64(new Linear(4, 3, { generator: gen() })), input([2, 4]), 'Linear');
  checkModule(f64(new Linear(3, 2, { bias: false, generator: gen() })), input([5, 3]), 'Linear (no bias)');
});

test('Conv2d: stride, padding, dilation, groups, with and without bias', () => {
  const cases: [string, Conv2d, number[]][] = [
    ['3x3 pad 1', new Conv2d(2, 3, 3, { padding: 1, generator: gen() }), [2, 2, 4, 4]],
    [
      '3x3 stride 2 pad 1 groups 2',
      new Conv2d(4, 2, 3, { stride: 2, padding: 1, groups: 2, generator: gen() }),
      [1, 4, 5, 5],
    ],
    ['2x2 no bias', new Conv2d(3, 2, 2, { bias: false, generator: gen() }), [2, 3, 3, 4]],
    [
      '3x3 dilation 2 stride [1,2]',
      new Conv2d(1, 2, 3, { dilation: 2, stride: [1, 2], padding: [2, 1], generator: gen() }),
      [1, 1, 5, 5],
    ],
    ['1x1 stride 2 (downsample)', new Conv2d(3, 4, 1, { stride: 2, bias: false, generator: gen() }), [2, 3, 4, 4]],
  ];
  for (const [label, m, shape] of cases) checkModule(f64(m), input(shape), `Conv2d ${label}`);
});

test('BatchNorm (train mode): batch statistics enter the gradient', () => {
  const bn2 = f64(new BatchNorm2d(3));
  // Non-trivial γ, β so their gradients are not the identity case.
  noGrad(() => bn2.weight?.copy_(tensor([0.5, -1.5, 2], { dtype: 'float64' })));
  checkModule(bn2, input([2, 3, 2, 3]), 'BatchNorm2d');
  checkModule(f64(new BatchNorm1d(4)), input([5, 4]), 'BatchNorm1d 2-D');
  checkModule(f64(new BatchNorm1d(2)), input([3, 2, 4]), 'BatchNorm1d 3-D');
  checkModule(f64(new BatchNorm1d(3, { affine: false })), input([4, 3]), 'BatchNorm1d affine=false');
});

test('activations: ReLU, GELU (exact and tanh), LeakyReLU', () => {
  checkModule(new ReLU(), input([3, 5]), 'ReLU');
  checkModule(new GELU(), input([3, 5]), 'GELU');
  checkModule(new GELU('tanh'), input([3, 5]), 'GELU tanh');
  checkModule(new LeakyReLU(0.2), input([3, 5]), 'LeakyReLU');
});

test('pooling: max, average (with padding), adaptive average, global average', () => {
  checkModule(new MaxPool2d(2), input([2, 2, 4, 4]), 'MaxPool2d 2');
  checkModule(new MaxPool2d(3, { stride: 2, padding: 1 }), input([1, 2, 5, 5]), 'MaxPool2d 3 s2 p1');
  checkModule(new AvgPool2d(2), input([2, 2, 4, 4]), 'AvgPool2d 2');
  checkModule(new AvgPool2d(3, { stride: 2, padding: 1 }), input([1, 2, 5, 5]), 'AvgPool2d 3 s2 p1');
  checkModule(new AdaptiveAvgPool2d([2, 3]), input([1, 2, 5, 5]), 'AdaptiveAvgPool2d uneven windows');
  checkModule(new GlobalAvgPool(), input([2, 3, 3, 2]), 'GlobalAvgPool');
});

test('softmax, log-softmax, cross-entropy (with label smoothing), normalize', () => {
  const x = input([3, 4]);
  gradcheck(() => nnf.softmax(x, 1), [x], { label: 'softmax' });
  gradcheck(() => nnf.logSoftmax(x, 0), [x], { label: 'logSoftmax' });
  const y = tensor(new BigInt64Array([2n, 0n, 3n]), [3]);
  gradcheck(() => nnf.crossEntropy(x, y), [x], { label: 'crossEntropy' });
  gradcheck(() => nnf.crossEntropy(x, y, { labelSmoothing: 0.1, reduction: 'sum' }), [x], {
    label: 'crossEntropy smoothed',
  });
  gradcheck(() => nnf.normalize(x, 1), [x], { label: 'normalize' });
  gradcheck(() => nnf.normalize(x, 0), [x], { label: 'normalize dim 0' });
});

test('composite networks: MLP projector (Linear+BN+ReLU, Linear+BN) and a tiny ConvNet', () => {
  const mlp = f64(new MLP([3, 4, 2], { batchNorm: true, lastBatchNorm: true, generator: gen() }));
  checkModule(mlp, input([5, 3]), 'MLP projector');
  const net = f64(new ConvNet({ widths: [2, 3], generator: gen() }));
  checkModule(net, input([2, 1, 4, 4]), 'ConvNet widths [2,3]');
});

test('gradcheck itself fails on a wrong gradient', () => {
  const x = input([4]);
  // A custom function whose backward is wrong: detach hides one term from autograd.
  assert.throws(() => gradcheck(() => x.mul(x.detach()), [x], { label: 'wrong' }), /finite difference/);
});
