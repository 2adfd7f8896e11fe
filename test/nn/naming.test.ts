/**
 * Module naming and sizes: ResNet-18 state-dict keys and shapes against
 * torchvision's resnet18 (hard-coded below), its parameter count against
 * the per-layer formulas, and the ConvNet / MLP layouts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Conv2d, ConvNet, MLP, ResNet18 } from '../../src/nn/index.ts';
import { Generator, noGrad, randn, tidy } from '../../src/tensor/index.ts';

/**
 * `torchvision.models.resnet18().state_dict()` for a 3-channel input with the
 * CIFAR stem (conv1 replaced by a 3×3 conv): key and shape ('-' = scalar).
 * torchvision has 62 parameter tensors (including fc.weight, fc.bias) and 60
 * BatchNorm buffers; the backbone has no fc.
 */
const TORCHVISION_RESNET18 = `
conv1.weight 64,3,3,3
bn1.weight 64
bn1.bias 64
bn1.running_mean 64
bn1.running_var 64
bn1.num_batches_tracked -
layer1.0.conv1.weight 64,64,3,3
layer1.0.bn1.weight 64
layer1.0.bn1.bias 64
layer1.0.bn1.running_mean 64
layer1.0.bn1.running_var 64
layer1.0.bn1.num_batches_tracked -
layer1.0.conv2.weight 64,64,3,3
layer1.0.bn2.weight 64
layer1.0.bn2.bias 64
layer1.0.bn2.running_mean 64
layer1.0.bn2.running_var 64
layer1.0.bn2.num_batches_tracked -
layer1.1.conv1.weight 64,64,3,3
layer1.1.bn1.weight 64
layer1.1.bn1.bias 64
layer1.1.bn1.running_mean 64
layer1.1.bn1.running_var 64
layer1.1.bn1.num_batches_tracked -
layer1.1.conv2.weight 64,64,3,3
layer1.1.bn2.weight 64
layer1.1.bn2.bias 64
layer1.1.bn2.running_mean 64
layer1.1.bn2.running_var 64
layer1.1.bn2.num_batches_tracked -
layer2.0.conv1.weight 128,64,3,3
layer2.0.bn1.weight 128
layer2.0.bn1.bias 128
layer2.0.bn1.running_mean 128
layer2.0.bn1.running_var 128
layer2.0.bn1.num_batches_tracked -
layer2.0.conv2.weight 128,128,3,3
layer2.0.bn2.weight 128
layer2.0.bn2.bias 128
layer2.0.bn2.running_mean 128
layer2.0.bn2.running_var 128
layer2.0.bn2.num_batches_tracked -
layer2.0.downsample.0.weight 128,64,1,1
layer2.0.downsample.1.weight 128
layer2.0.downsample.1.bias 128
layer2.0.downsample.1.running_mean 128
layer2.0.downsample.1.running_var 128
layer2.0.downsample.1.num_batches_tracked -
layer2.1.conv1.weight 128,128,3,3
layer2.1.bn1.weight 128
layer2.1.bn1.bias 128
layer2.1.bn1.running_mean 128
layer2.1.bn1.running_var 128
layer2.1.bn1.num_batches_tracked -
layer2.1.conv2.weight 128,128,3,3
layer2.1.bn2.weight 128
layer2.1.bn2.bias 128
layer2.1.bn2.running_mean 128
layer2.1.bn2.running_var 128
layer2.1.bn2.num_batches_tracked -
layer3.0.conv1.weight 256,128,3,3
layer3.0.bn1.weight 256
layer3.0.bn1.bias 256
layer3.0.bn1.running_mean 256
layer3.0.bn1.running_var 256
layer3.0.bn1.num_batches_tracked -
layer3.0.conv2.weight 256,256,3,3
layer3.0.bn2.weight 256
layer3.0.bn2.bias 256
layer3.0.bn2.running_mean 256
layer3.0.bn2.running_var 256
layer3.0.bn2.num_batches_tracked -
layer3.0.downsample.0.weight 256,128,1,1
layer3.0.downsample.1.weight 256
layer3.0.downsample.1.bias 256
layer3.0.downsample.1.running_mean 256
layer3.0.downsample.1.running_var 256
layer3.0.downsample.1.num_batches_tracked -
layer3.1.conv1.weight 256,256,3,3
layer3.1.bn1.weight 256
layer3.1.bn1.bias 256
layer3.1.bn1.running_mean 256
layer3.1.bn1.running_var 256
layer3.1.bn1.num_batches_tracked -
layer3.1.conv2.weight 256,256,3,3
layer3.1.bn2.weight 256
layer3.1.bn2.bias 256
layer3.1.bn2.running_mean 256
layer3.1.bn2.running_var 256
layer3.1.bn2.num_batches_tracked -
layer4.0.conv1.weight 512,256,3,3
layer4.0.bn1.weight 512
layer4.0.bn1.bias 512
layer4.0.bn1.running_mean 512
layer4.0.bn1.running_var 512
layer4.0.bn1.num_batches_tracked -
layer4.0.conv2.weight 512,512,3,3
layer4.0.bn2.weight 512
layer4.0.bn2.bias 512
layer4.0.bn2.running_mean 512
layer4.0.bn2.running_var 512
layer4.0.bn2.num_batches_tracked -
layer4.0.downsample.0.weight 512,256,1,1
layer4.0.downsample.1.weight 512
layer4.0.downsample.1.bias 512
layer4.0.downsample.1.running_mean 512
layer4.0.downsample.1.running_var 512
layer4.0.downsample.1.num_batches_tracked -
layer4.1.conv1.weight 512,512,3,3
layer4.1.bn1.weight 512
layer4.1.bn1.bias 512
layer4.1.bn1.running_mean 512
layer4.1.bn1.running_var 512
layer4.1.bn1.num_batches_tracked -
layer4.1.conv2.weight 512,512,3,3
layer4.1.bn2.weight 512
layer4.1.bn2.bias 512
layer4.1.bn2.running_mean 512
layer4.1.bn2.running_var 512
layer4.1.bn2.num_batches_tracked -
fc.weight 1000,512
fc.bias 1000
`
  .trim()
  .split('\n')
  .map((line) => {
    const [name, shape] = line.split(' ') as [string, string];
    return [name, shape === '-' ? [] : shape.split(',').map(Number)] as [string, number[]];
  });

/** Parameters of a k×k conv without bias, of a BatchNorm (γ, β). */
const conv = (cin: number, cout: number, k: number): number => cin * cout * k * k;
const bn = (c: number): number => 2 * c;

test('ResNet18: state-dict keys, order and shapes are torchvision resnet18 without fc', () => {
  const net = new ResNet18({ generator: new Generator(0) });
  const expected = TORCHVISION_RESNET18.filter(([n]) => !n.startsWith('fc.'));
  const got = tidy(() => Object.entries(net.stateDict()).map(([n, t]) => [n, t.shape] as [string, number[]]));
  assert.deepEqual(got, expected);
  assert.equal(TORCHVISION_RESNET18.length, 122);
  const torchvisionParams = TORCHVISION_RESNET18.filter(([n]) => !/running_|num_batches/.test(n));
  assert.equal(torchvisionParams.length, 62, 'torchvision resnet18 has 62 parameter tensors (with fc)');
  assert.equal(net.namedParameters().length, 60, 'backbone: 62 minus fc.weight and fc.bias');
  assert.equal(net.namedBuffers().length, 60);
  const nbt = tidy(() => net.stateDict()['layer3.1.bn2.num_batches_tracked']?.dtype);
  assert.equal(nbt, 'int64');
  net.dispose();
});

test('ResNet18: 11,168,832 parameters, from the per-layer formulas', () => {
  // Stem: 3×3 conv 3→64 + BN. Each stage: block 0 (maybe strided, with a 1×1 downsample + BN), block 1.
  let total = conv(3, 64, 3) + bn(64);
  let cin = 64;
  for (const [i, c] of [64, 128, 256, 512].entries()) {
    const block0 = conv(cin, c, 3) + bn(c) + conv(c, c, 3) + bn(c) + (i > 0 ? conv(cin, c, 1) + bn(c) : 0);
    const block1 = 2 * (conv(c, c, 3) + bn(c));
    total += block0 + block1;
    cin = c;
  }
  assert.equal(total, 11_168_832);
  const net = new ResNet18();
  assert.equal(net.numParameters(), total);
  assert.equal(net.featureDim, 512);
  // Grayscale stem: only conv1 changes (3→1 input channels).
  const gray = new ResNet18({ inChannels: 1 });
  assert.equal(gray.numParameters(), total - conv(2, 64, 3));
  net.dispose();
  gray.dispose();
});

test('ResNet18: forward on CIFAR-size input gives N×512 features; init follows torchvision', () => {
  const net = new ResNet18({ generator: new Generator(1) }).eval();
  const y = noGrad(() => net.forward(randn([2, 3, 32, 32])));
  assert.deepEqual(y.shape, [2, 512]);
  assert.ok(y.ge(0).all().item(), 'features follow a ReLU and an average: non-negative');
  // kaiming_normal(fan_out, relu): std = √(2 / (out·k·k)); for layer4 convs 512·9 = 4608 → std ≈ 0.0208.
  const w = net.child('layer4').child('1').child('conv2').param('weight');
  const std = w.std().item();
  assert.ok(Math.abs(std - Math.sqrt(2 / 4608)) < 0.001, `layer4.1.conv2 std ${std}`);
  const bnW = net.child('bn1').param('weight');
  assert.ok(bnW.eq(1).all().item(), 'BN γ = 1');
  assert.throws(() => net.forward(randn([2, 1, 32, 32])), /ResNet18: expected input N×3×H×W/);
  // 3×3 stride-1 stem, no max-pool: 32×32 stays 32×32, then the stages halve it: 32, 16, 8, 4.
  const sizes = tidy(() =>
    noGrad(() => {
      let h = net
        .child('bn1')
        .forward(net.child('conv1').forward(randn([1, 3, 32, 32])))
        .relu();
      const out = [h.shape.slice(1)];
      for (let i = 1; i <= 4; i++) {
        h = net.child(`layer${i}`).forward(h);
        out.push(h.shape.slice(1));
      }
      return out;
    }),
  );
  assert.deepEqual(sizes, [
    [64, 32, 32],
    [64, 32, 32],
    [128, 16, 16],
    [256, 8, 8],
    [512, 4, 4],
  ]);
  net.dispose();
});

test('ConvNet: names as nn.Sequential "features", 28×28 → N×512, featureDim', () => {
  const net = new ConvNet({ generator: new Generator(0) });
  assert.equal(net.featureDim, 512);
  const shapes = Object.fromEntries(net.namedParameters().map(([n, t]) => [n, t.shape]));
  assert.deepEqual(shapes, {
    'features.0.weight': [32, 1, 3, 3],
    'features.1.weight': [32],
    'features.1.bias': [32],
    'features.4.weight': [64, 32, 3, 3],
    'features.5.weight': [64],
    'features.5.bias': [64],
    'features.8.weight': [512, 64, 3, 3],
    'features.9.weight': [512],
    'features.9.bias': [512],
  });
  const buffers = net.namedBuffers().map(([n]) => n);
  assert.deepEqual(
    buffers,
    [1, 5, 9].flatMap((i) => ['running_mean', 'running_var', 'num_batches_tracked'].map((b) => `features.${i}.${b}`)),
  );
  // 9·32 + 64 + 9·32·64 + 128 + 9·64·512 + 1024
  assert.equal(net.numParameters(), 288 + 64 + 18432 + 128 + 294912 + 1024);
  // The exact layer sequence a PyTorch mirror builds, and the 28 → 14 → 7 spatial path.
  assert.deepEqual(
    [...net.features].map((m) => m.constructor.name),
    [
      'Conv2d',
      'BatchNorm2d',
      'ReLU',
      'MaxPool2d',
      'Conv2d',
      'BatchNorm2d',
      'ReLU',
      'MaxPool2d',
      'Conv2d',
      'BatchNorm2d',
      'ReLU',
    ],
  );
  for (const i of [0, 4, 8]) {
    const c = net.features.at<Conv2d>(i);
    assert.deepEqual([c.kernelSize, c.padding, c.stride, c.bias], [[3, 3], 1, 1, null], `features.${i}`);
  }
  const spatial = tidy(() => {
    let h = randn([1, 1, 28, 28]);
    const sizes: number[][] = [];
    for (const m of net.features) {
      h = m.forward(h);
      sizes.push(h.shape.slice(1));
    }
    return sizes;
  });
  assert.deepEqual(spatial.at(3), [32, 14, 14]);
  assert.deepEqual(spatial.at(7), [64, 7, 7]);
  assert.deepEqual(spatial.at(10), [512, 7, 7]);
  const y = net.forward(randn([5, 1, 28, 28]));
  assert.deepEqual(y.shape, [5, 512]);
  const small = new ConvNet({ inChannels: 3, widths: [8, 16] });
  assert.equal(small.featureDim, 16);
  assert.deepEqual(small.forward(randn([2, 3, 32, 32])).shape, [2, 16]);
  assert.throws(() => net.forward(randn([2, 3, 28, 28])), /ConvNet: expected input N×1×H×W/);
  assert.throws(
    () => new ConvNet({ widths: [] }),
    /ConvNet: widths must be a non-empty list of positive integers, got \[\]/,
  );
  assert.throws(() => new ConvNet({ widths: [8, 0] }), /got \[8,0\]/);
});

test('MLP: the spectral projector Linear+BN+ReLU, Linear+BN has nn.Sequential names', () => {
  const p = new MLP([512, 2048, 128], { batchNorm: true, lastBatchNorm: true });
  const names = tidy(() => Object.keys(p.stateDict()));
  const bnKeys = (i: number) =>
    ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'].map((k) => `${i}.${k}`);
  assert.deepEqual(names, ['0.weight', '0.bias', ...bnKeys(1), '3.weight', '3.bias', ...bnKeys(4)]);
  assert.equal(p.child('2').constructor.name, 'ReLU');
  assert.deepEqual(p.forward(randn([4, 512])).shape, [4, 128]);
  const plain = new MLP([4, 8, 8, 2]);
  assert.deepEqual(
    plain.namedParameters().map(([n]) => n),
    ['0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias'],
  );
  const linear = new MLP([4, 3, 2], { activation: 'none', bias: false });
  assert.deepEqual(
    linear.namedParameters().map(([n]) => n),
    ['0.weight', '1.weight'],
  );
  assert.throws(() => new MLP([4]), /MLP: dims/);
});
