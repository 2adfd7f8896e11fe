/**
 * ResNet-18's forward against its definition: a BasicBlock against
 * conv → bn → relu → conv → bn + shortcut → relu written here from the
 * block's own weights with the tensor ops (BatchNorm by its formula, not
 * through the module), the whole network against the composition of those
 * hand-written blocks, and against torchvision 0.14's resnet18 (3×3 stem, no
 * max-pool, no fc) loaded with the same weights in a child /usr/bin/python3 —
 * in evaluation and training mode, in float64, with non-trivial BatchNorm
 * affine parameters and running statistics.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BasicBlock, type BatchNorm2d, type Conv2d, type Module, ResNet18, saveModule } from '../../src/nn/index.ts';
import { Generator, nnf, noGrad, rand, randn, type Tensor, tensor, tidy } from '../../src/tensor/index.ts';
import { assertClose } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';

const TIGHT = { rtol: 1e-9, atol: 1e-10 };

/** Every BatchNorm gets random γ, β, running mean and running variance, so that none is an identity. */
function randomizeBatchNorms(m: Module, seed: number): void {
  const g = new Generator(seed);
  noGrad(() =>
    tidy(() => {
      for (const [name, t] of m.namedParameters().concat(m.namedBuffers())) {
        const n = t.shape[0] as number;
        if (/bn\d\.weight$|downsample\.1\.weight$/.test(name))
          t.copy_(rand([n], { generator: g, dtype: 'float64' }).add(0.5));
        else if (/bn\d\.bias$|downsample\.1\.bias$/.test(name))
          t.copy_(randn([n], { generator: g, dtype: 'float64' }).mul(0.3));
        else if (name.endsWith('running_mean')) t.copy_(randn([n], { generator: g, dtype: 'float64' }).mul(0.2));
        else if (name.endsWith('running_var')) t.copy_(rand([n], { generator: g, dtype: 'float64' }).add(0.5));
      }
    }),
  );
}

/**
 * BatchNorm2d by its formula: (x − μ)/√(σ² + ε)·γ + β per channel, with the
 * batch mean and biased batch variance in training, the running ones in evaluation.
 */
function batchNormByHand(x: Tensor, bn: BatchNorm2d, training: boolean): Tensor {
  const c = x.shape[1] as number;
  const perChannel = (t: Tensor) => t.reshape(1, c, 1, 1);
  const mean = training ? x.mean([0, 2, 3], true) : perChannel(bn.runningMean as Tensor);
  const variance = training ? x.var([0, 2, 3], true, 0) : perChannel(bn.runningVar as Tensor);
  return x
    .sub(mean)
    .div(variance.add(bn.eps).sqrt())
    .mul(perChannel(bn.weight as Tensor))
    .add(perChannel(bn.bias as Tensor));
}

/** torchvision's BasicBlock written out: relu(bn2(conv2(relu(bn1(conv1 x)))) + shortcut(x)), convs 3×3 pad 1. */
function blockByHand(block: BasicBlock, x: Tensor, stride: number, training: boolean): Tensor {
  const conv = (m: Conv2d, input: Tensor, s: number, padding: number) =>
    nnf.conv2d(input, m.weight, null, { stride: s, padding });
  const h = batchNormByHand(conv(block.conv1, x, stride, 1), block.bn1, training).relu();
  const out = batchNormByHand(conv(block.conv2, h, 1, 1), block.bn2, training);
  const ds = block.downsample;
  const shortcut = ds
    ? batchNormByHand(conv(ds.child<Conv2d>('0'), x, stride, 0), ds.child<BatchNorm2d>('1'), training)
    : x;
  return out.add(shortcut).relu();
}

/** The CIFAR ResNet-18 written out: 3×3 stem conv → bn → relu, four stages of two blocks (stride 1, 2, 2, 2), global mean. */
function resnetByHand(net: ResNet18, x: Tensor, training: boolean): Tensor {
  let h = batchNormByHand(
    nnf.conv2d(x, net.child<Conv2d>('conv1').weight, null, { stride: 1, padding: 1 }),
    net.child<BatchNorm2d>('bn1'),
    training,
  ).relu();
  for (let i = 1; i <= 4; i++) {
    const layer = net.child(`layer${i}`);
    h = blockByHand(layer.child<BasicBlock>('0'), h, i === 1 ? 1 : 2, training);
    h = blockByHand(layer.child<BasicBlock>('1'), h, 1, training);
  }
  return h.mean([2, 3]);
}

const values = (t: Tensor): number[] => t.contiguous().toArray();

test('BasicBlock = conv → bn → relu → conv → bn + shortcut → relu, identity and downsample shortcuts, eval and train', () => {
  const rng = new Rng(3);
  for (const [inPlanes, planes, stride, size] of [
    [4, 4, 1, 6], // identity shortcut
    [4, 6, 2, 7], // 1×1 stride-2 conv + BN shortcut, odd size
    [3, 5, 1, 5], // width change only: 1×1 stride-1 shortcut
  ] as const) {
    const what = `block ${inPlanes}→${planes} stride ${stride}`;
    const block = new BasicBlock(inPlanes, planes, stride, { generator: new Generator(inPlanes + planes) }).to(
      'float64',
    );
    assert.equal(
      block.downsample !== null,
      stride !== 1 || inPlanes !== planes,
      `${what}: downsample iff shape changes`,
    );
    randomizeBatchNorms(block, 7);
    const x = tensor(rng.normals(3 * inPlanes * size * size), [3, inPlanes, size, size]);
    const input = values(x);
    tidy(() => {
      block.eval();
      const y = noGrad(() => block.forward(x));
      const expected = noGrad(() => blockByHand(block, x, stride, false));
      assert.deepEqual(y.shape, expected.shape, `${what}: shape`);
      assertClose(values(y), values(expected), TIGHT, `${what}: eval`);
      block.train();
      assertClose(
        values(noGrad(() => block.forward(x))),
        values(noGrad(() => blockByHand(block, x, stride, true))),
        TIGHT,
        `${what}: train`,
      );
      // the block's in-place add and ReLU work on its own activations, not on its input
      assert.deepEqual(values(x), input, `${what}: input unchanged`);
    });
    x.dispose();
    block.dispose();
  }
});

test('ResNet18 = the stem and eight hand-written blocks, then the global mean (eval and train, NCHW and channels-last)', () => {
  const net = new ResNet18({ generator: new Generator(5) }).to('float64');
  randomizeBatchNorms(net, 8);
  const x = tensor(new Rng(4).normals(2 * 3 * 16 * 16), [2, 3, 16, 16]);
  tidy(() => {
    net.eval();
    const y = noGrad(() => net.forward(x));
    assert.deepEqual(y.shape, [2, 512]);
    assertClose(values(y), values(noGrad(() => resnetByHand(net, x, false))), TIGHT, 'eval');
    const last = new ResNet18({ channelsLast: true }).to('float64');
    last.loadStateDict(net.stateDict());
    last.eval();
    assertClose(values(noGrad(() => last.forward(x))), values(y), TIGHT, 'channels-last, eval');
    last.dispose();
    net.train();
    const expected = noGrad(() => resnetByHand(net, x, true)); // before the forward moves the running statistics
    assertClose(values(noGrad(() => net.forward(x))), values(expected), TIGHT, 'train');
  });
  x.dispose();
  net.dispose();
});

const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { stdio: 'ignore', timeout: 60_000 });
const skip = probe.status === 0 ? false : `${PYTHON} cannot import torch and torchvision`;

/** Reads specl's safetensors file itself (8-byte header length, JSON header, data), builds torchvision's net, runs it. */
const SCRIPT = `
import json, struct, sys, numpy as np, torch, torchvision
d = sys.argv[1]
raw = open(d + '/net.safetensors', 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
header, data = json.loads(raw[8:8 + n]), raw[8 + n:]
types = {'F64': np.float64, 'I64': np.int64}
sd = {}
for k, v in header.items():
    if k == '__metadata__': continue
    a, b = v['data_offsets']
    sd[k] = torch.from_numpy(np.frombuffer(data[a:b], dtype=types[v['dtype']]).reshape(v['shape']).copy())
net = torchvision.models.resnet18()
net.conv1 = torch.nn.Conv2d(3, 64, 3, stride=1, padding=1, bias=False)
net.maxpool = torch.nn.Identity()
net.fc = torch.nn.Identity()
net = net.double()
net.load_state_dict(sd, strict=True)
x = torch.from_numpy(np.fromfile(d + '/x.bin', dtype=np.float64).reshape(2, 3, 32, 32))
with torch.no_grad():
    net.eval()
    net(x).numpy().tofile(d + '/eval.bin')
    net.train()
    net(x).numpy().tofile(d + '/train.bin')
stats = [t.numpy().ravel() for k, t in net.state_dict().items() if k.endswith(('running_mean', 'running_var'))]
np.concatenate(stats).tofile(d + '/stats.bin')
`;

describe('agreement with torchvision 0.14 resnet18 on the same weights', { skip }, () => {
  test('features in eval and train mode, and the running statistics after a training forward', () => {
    const dir = mkdtempSync(join(tmpdir(), 'specl-resnet18-'));
    try {
      const net = new ResNet18({ generator: new Generator(6) }).to('float64');
      randomizeBatchNorms(net, 9);
      const xs = new Rng(10).normals(2 * 3 * 32 * 32);
      writeFileSync(join(dir, 'x.bin'), new Uint8Array(xs.buffer));
      saveModule(join(dir, 'net.safetensors'), net);
      const r = spawnSync(PYTHON, ['-c', SCRIPT, dir], { encoding: 'utf8', timeout: 300_000 });
      assert.equal(r.status, 0, `torchvision reference failed: ${r.stderr}`);
      const read = (f: string) => {
        const b = readFileSync(join(dir, f));
        return Array.from(new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)));
      };
      const x = tensor(xs, [2, 3, 32, 32]);
      tidy(() => {
        net.eval();
        assertClose(values(noGrad(() => net.forward(x))), read('eval.bin'), TIGHT, 'eval features');
        net.train();
        assertClose(values(noGrad(() => net.forward(x))), read('train.bin'), TIGHT, 'train features');
        const stats = Object.entries(net.stateDict())
          .filter(([k]) => k.endsWith('running_mean') || k.endsWith('running_var'))
          .flatMap(([, t]) => values(t));
        assertClose(stats, read('stats.bin'), TIGHT, 'running statistics after one training forward');
      });
      x.dispose();
      net.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
