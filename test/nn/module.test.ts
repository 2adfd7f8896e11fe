/**
 * Module mechanics: state dicts and their errors, modes, placement (dtype,
 * channels-last) keeping tensor identity, seeded init, disposal.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchNorm2d, Conv2d, ConvNet, Linear, MLP, Module, ReLU, Sequential } from '../../src/nn/index.ts';
import { SGD } from '../../src/optim/index.ts';
import { Generator, manualSeed, noGrad, randn, type Tensor, tidy, zeros } from '../../src/tensor/index.ts';
import { assertClose } from '../helpers/close.ts';

const same = (a: Tensor, b: Tensor): boolean => a.eq(b).all().item() === 1;

test('parameters and buffers survive the tidy scope they were created in', () => {
  const net = tidy(() => new ConvNet({ widths: [4, 8] }));
  for (const [n, t] of [...net.namedParameters(), ...net.namedBuffers()]) {
    assert.equal(t.isDisposed, false, `${n} was freed with the scope`);
  }
  assert.ok(net.parameters().every((p) => p.requiresGrad && p.isLeaf));
  net.dispose();
  assert.ok(net.parameters().every((p) => p.isDisposed));
  assert.ok(net.namedBuffers().every(([, b]) => b.isDisposed));
});

test('seeded init: the same generator seed gives the same network, another seed another one', () => {
  const a = new ConvNet({ generator: new Generator(5) });
  const b = new ConvNet({ generator: new Generator(5) });
  const c = new ConvNet({ generator: new Generator(6) });
  a.namedParameters().forEach(([n, p], i) => {
    assert.ok(same(p, b.parameters()[i] as Tensor), `${n} differs for equal seeds`);
  });
  assert.equal(same(a.parameters()[0] as Tensor, c.parameters()[0] as Tensor), false);
  manualSeed(9);
  const d = new Linear(8, 4);
  manualSeed(9);
  const e = new Linear(8, 4);
  assert.ok(same(d.weight, e.weight), 'global generator: manualSeed fixes the init');
});

test('Linear/Conv2d init: U(−1/√fan_in, 1/√fan_in) for weight and bias', () => {
  const lin = new Linear(64, 256, { generator: new Generator(1) });
  const bound = 1 / Math.sqrt(64);
  for (const t of [lin.weight, lin.bias as Tensor]) {
    const v = t.toArray();
    const max = Math.max(...v.map(Math.abs));
    assert.ok(max <= bound && max > 0.95 * bound, `max |w| ${max} vs bound ${bound}`);
  }
  // Variance of U(−b, b) is b²/3.
  assert.ok(Math.abs(lin.weight.var().item() - bound ** 2 / 3) < 0.1 * (bound ** 2 / 3));
  const conv = new Conv2d(8, 16, 3, { groups: 2, generator: new Generator(2) });
  const cb = 1 / Math.sqrt((8 / 2) * 9);
  const cmax = conv.weight.abs().max().item();
  assert.ok(cmax <= cb && cmax > 0.9 * cb, `conv max ${cmax} vs ${cb}`);
});

test('stateDict/loadStateDict round trip reproduces outputs; values are copied in place', () => {
  const src = new ConvNet({ widths: [4, 8], generator: new Generator(1) });
  const dst = new ConvNet({ widths: [4, 8], generator: new Generator(2) });
  const x = randn([3, 1, 12, 12]);
  noGrad(() => src.forward(x)); // moves running stats and num_batches_tracked away from their init
  const before = dst.parameters();
  tidy(() => dst.loadStateDict(src.stateDict()));
  assert.ok(
    dst.parameters().every((p, i) => p === before[i]),
    'same tensor objects after loading',
  );
  assert.equal(dst.child('features').child('1').buffer('num_batches_tracked').item(), 1);
  src.eval();
  dst.eval();
  assertClose(
    noGrad(() => dst.forward(x)).toArray(),
    noGrad(() => src.forward(x)).toArray(),
    { rtol: 0, atol: 0 },
    'outputs',
  );
});

test('loadStateDict: missing, unexpected, wrong-shape and wrong-dtype entries are clear Errors', () => {
  const m = new MLP([3, 4, 2], { batchNorm: true });
  const good = (): Record<string, Tensor> => m.stateDict();
  tidy(() => {
    const sd = good();
    delete sd['1.running_var'];
    assert.throws(
      () => m.loadStateDict(sd),
      (e: Error) => /missing keys: 1\.running_var/.test(e.message) && /MLP/.test(e.message),
    );
    assert.doesNotThrow(() => m.loadStateDict(sd, { strict: false }));
  });
  tidy(() => {
    const sd = { ...good(), 'fc.weight': zeros([2, 2]) };
    assert.throws(() => m.loadStateDict(sd), /unexpected keys: fc\.weight/);
  });
  tidy(() => {
    const sd = { ...good(), '3.weight': zeros([2, 5]) };
    assert.throws(() => m.loadStateDict(sd), /shape mismatch for '3\.weight': expected \[2,4\], got \[2,5\]/);
    assert.throws(() => m.loadStateDict(sd, { strict: false }), /shape mismatch/);
  });
  tidy(() => {
    const sd = { ...good(), '0.bias': zeros([4], { dtype: 'float64' }) };
    assert.throws(() => m.loadStateDict(sd), /dtype mismatch for '0\.bias': expected float32, got float64/);
  });
  // Nothing was copied by the failed loads: a state dict that fails leaves the module untouched.
  const w = m.parameters()[0] as Tensor;
  const snapshot = w.clone();
  tidy(() => {
    const sd = good();
    sd['0.weight'] = zeros([4, 3]);
    sd['3.weight'] = zeros([9, 9]);
    assert.throws(() => m.loadStateDict(sd));
  });
  assert.ok(same(w, snapshot));
});

test('train()/eval() reach every descendant; zeroGrad sets grads to null', () => {
  const net = new ConvNet({ widths: [2, 2] });
  net.eval();
  assert.ok(net.namedModules().every(([, m]) => !m.training));
  net.train();
  assert.ok(net.namedModules().every(([, m]) => m.training));
  net
    .forward(randn([2, 1, 8, 8]))
    .sum()
    .backward();
  assert.ok(net.parameters().every((p) => p.grad !== null));
  net.zeroGrad();
  assert.ok(net.parameters().every((p) => p.grad === null));
});

test('to(float64) and channelsLast() keep the same tensor objects, so an optimizer built before still works', () => {
  const net = new ConvNet({ widths: [4, 8], generator: new Generator(3) });
  const params = net.parameters();
  const opt = new SGD(params, { lr: 0.1 });
  net.to('float64');
  assert.ok(net.parameters().every((p, i) => p === params[i] && p.dtype === 'float64' && p.requiresGrad));
  const nbt = net.child('features').child('1').buffer('num_batches_tracked');
  assert.equal(nbt.dtype, 'int64', 'integer buffers keep their dtype');
  const x = randn([2, 1, 10, 10], { dtype: 'float64' });
  net.eval();
  const plain = noGrad(() => net.forward(x)).toArray();
  net.channelsLast();
  const w = net.child('features').child('4').param('weight');
  assert.ok(w === params[3] && w.isContiguous('channelsLast') && !w.isContiguous(), 'conv weight is NHWC now');
  const cl = noGrad(() => net.forward(x)).toArray();
  assertClose(cl, plain, { rtol: 1e-12, atol: 1e-12 }, 'channels-last forward');
  net.train();
  net.forward(x).sum().backward();
  const before = w.clone();
  opt.step();
  assert.equal(same(w, before), false, 'the optimizer updated the converted parameter');
});

test('channels-last option: the conv stack runs NHWC (outputs channels-last)', () => {
  const conv = new Conv2d(4, 8, 3, { padding: 1, bias: false }).channelsLast();
  const y = conv.forward(randn([2, 4, 6, 6]).contiguous('channelsLast'));
  assert.ok(y.isContiguous('channelsLast') && !y.isContiguous());
  const bn = new BatchNorm2d(8);
  assert.ok(bn.forward(y).isContiguous('channelsLast'), 'BatchNorm preserves NHWC');
  const net = new ConvNet({ inChannels: 3, widths: [4, 8], channelsLast: true });
  assert.deepEqual(net.forward(randn([2, 3, 8, 8])).shape, [2, 8]);
});

test('registration errors and Sequential access', () => {
  class Bad extends Module {
    constructor() {
      super();
      this.registerParameter('w', zeros([2]));
      this.registerParameter('w', zeros([2]));
    }
    forward(x: Tensor): Tensor {
      return x;
    }
  }
  assert.throws(() => new Bad(), /'w' is already registered on Bad/);
  const s = new Sequential(new Linear(2, 3), new ReLU());
  assert.throws(() => s.registerModule('a.b', new ReLU()), /contain no '\.'/);
  assert.equal(s.length, 2);
  assert.ok(s.at(-1) instanceof ReLU);
  assert.throws(() => s.at(5), /no layer 5/);
  assert.throws(() => new Linear(2, 3).param('gamma'), /Linear has no parameter 'gamma'/);
  assert.throws(() => new Linear(3, 2).forward(randn([4, 5])), /Linear: expected input with last dimension 3/);
  assert.throws(() => new Conv2d(3, 4, 3, { groups: 2 }), /inChannels must be a positive multiple of groups=2/);
  const empty = new Sequential();
  const x = randn([2]).requiresGrad_();
  empty.forward(x).sum().backward();
  assert.deepEqual(x.grad?.toArray(), [1, 1], 'an empty Sequential is the identity, gradient included');
});
