/**
 * End-to-end wiring: a ConvNet plus a linear head trained with SGD on a few
 * hundred synthetic 28×28 images of two easily separable patterns
 * (horizontal vs vertical stripes, random phase, noise) must reach > 95%
 * train accuracy within a few epochs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConvNet, Linear } from '../../src/nn/index.ts';
import { SGD, splitWeightDecay } from '../../src/optim/index.ts';
import { Generator, nnf, noGrad, type Tensor, tensor, tidy } from '../../src/tensor/index.ts';
import { Rng } from '../helpers/prng.ts';

/** n images: class 0 horizontal stripes, class 1 vertical stripes (period 4, random phase), plus N(0, 0.3²) noise. */
function stripes(n: number, rng: Rng): { x: Tensor; y: Tensor } {
  const x = new Float32Array(n * 28 * 28);
  const y = new BigInt64Array(n);
  for (let k = 0; k < n; k++) {
    const cls = k % 2;
    y[k] = BigInt(cls);
    const phase = rng.int(0, 4);
    for (let i = 0; i < 28; i++)
      for (let j = 0; j < 28; j++) {
        const on = (((cls === 0 ? i : j) + phase) & 3) < 2 ? 1 : 0;
        x[k * 784 + i * 28 + j] = on + 0.3 * rng.normal();
      }
  }
  return { x: tensor(x, [n, 1, 28, 28]).keep(), y: tensor(y, [n]).keep() };
}

test('ConvNet + linear head learns two stripe patterns to > 95% train accuracy', () => {
  const rng = new Rng(2024);
  const { x, y } = stripes(256, rng);
  const g = new Generator(0);
  const encoder = new ConvNet({ widths: [8, 16, 32], generator: g });
  const head = new Linear(encoder.featureDim, 2, { generator: g });
  const [decay, noDecay] = splitWeightDecay(encoder, 5e-4);
  const opt = new SGD([decay, noDecay, { params: head.parameters() }], { lr: 0.05, momentum: 0.9 });
  const w0 = encoder.child('features').child('0').param('weight').clone().keep();
  const batch = 32;
  const losses: number[] = [];
  for (let epoch = 0; epoch < 4; epoch++) {
    const perm = Array.from({ length: 256 }, (_, i) => i);
    for (let i = 255; i > 0; i--) {
      const j = rng.int(0, i + 1);
      [perm[i], perm[j]] = [perm[j] as number, perm[i] as number];
    }
    for (let b = 0; b < 256; b += batch) {
      tidy(() => {
        const idx = tensor(new BigInt64Array(perm.slice(b, b + batch).map(BigInt)), [batch]);
        const loss = nnf.crossEntropy(head.forward(encoder.forward(x.indexSelect(0, idx))), y.indexSelect(0, idx));
        opt.zeroGrad();
        loss.backward();
        opt.step();
        losses.push(loss.item());
      });
    }
  }
  encoder.eval();
  const acc = tidy(() => noGrad(() => head.forward(encoder.forward(x)).argmax(1).eq(y).to('float32').mean().item()));
  assert.ok(acc > 0.95, `train accuracy ${acc}, losses ${losses.slice(-4).map((l) => l.toFixed(3))}`);
  assert.ok(
    (losses.at(-1) as number) < 0.25 * (losses[0] as number),
    `loss went down: ${losses[0]} → ${losses.at(-1)}`,
  );
  const moved = tidy(() => encoder.child('features').child('0').param('weight').sub(w0).abs().max().item());
  assert.ok(moved > 1e-3, `the encoder's first conv moved by ${moved}: gradients reach it`);
  x.dispose();
  y.dispose();
  encoder.dispose();
  head.dispose();
  opt.dispose();
  w0.dispose();
});
