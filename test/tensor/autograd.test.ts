/**
 * Autograd: gradients of the differentiable ops checked against central
 * finite differences in float64, and the mechanics (noGrad, grad(), detach,
 * accumulation, retainGraph).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  backward,
  einsum,
  enableGrad,
  grad,
  isGradEnabled,
  linalg,
  nnf,
  noGrad,
  ones,
  type Tensor,
  tensor,
  tidy,
} from '../../src/tensor/index.ts';
import { assertClose, assertEqualArrays } from '../helpers/close.ts';
import { checkGradients, randomInput } from '../helpers/finite-diff.ts';
import { Rng } from '../helpers/prng.ts';

const rng = new Rng(2025);
const input = (shape: number[], scale = 1) => randomInput(rng, shape, scale);
/** The accumulated gradient of a leaf, which must exist. */
function gradOf(t: Tensor): Tensor {
  const g = t.grad;
  assert.ok(g, 'the tensor has a gradient');
  return g;
}
const i64 = (xs: number[], shape?: number[]): Tensor => tensor(BigInt64Array.from(xs, BigInt), shape ?? [xs.length]);

/** Values well away from 0 (relu's kink): |x| ≥ 0.1. */
function awayFromZero(shape: number[]) {
  const x = input(shape);
  for (let i = 0; i < x.data.length; i++) {
    const v = x.data[i] as number;
    x.data[i] = Math.sign(v || 1) * (Math.abs(v) + 0.1);
  }
  return x;
}
/** Distinct values (a shuffled grid with spacing 0.05 plus noise < 0.01), so max pooling has no ties. */
function distinct(shape: number[]) {
  const n = shape.reduce((a, b) => a * b, 1);
  const p = rng.permutation(n);
  return { data: Float64Array.from(p, (k) => k * 0.05 - n * 0.025 + rng.uniform() * 0.01), shape };
}

describe('finite-difference gradient checks (float64)', () => {
  test('linear (x, W, b)', () => {
    checkGradients(([x, w, b]) => nnf.linear(x as Tensor, w as Tensor, b), [input([4, 3]), input([5, 3]), input([5])]);
  });

  test('conv2d with stride, padding, dilation, groups', () => {
    checkGradients(
      ([x, w, b]) =>
        nnf.conv2d(x as Tensor, w as Tensor, b, { stride: [2, 1], padding: 1, dilation: [1, 2], groups: 2 }),
      [input([2, 4, 5, 5]), input([4, 2, 3, 2]), input([4])],
    );
  });

  test('batchNorm in training mode (x, γ, β)', () => {
    checkGradients(
      ([x, g, b]) => nnf.batchNorm(x as Tensor, null, null, { weight: g, bias: b, training: true }),
      [input([4, 3, 2, 2]), input([3]), input([3])],
    );
  });

  test('relu, gelu (erf and tanh), sigmoid, tanh', () => {
    checkGradients(([x]) => nnf.relu(x as Tensor), [awayFromZero([3, 7])]);
    checkGradients(([x]) => nnf.gelu(x as Tensor), [input([3, 7], 2)]);
    checkGradients(([x]) => nnf.gelu(x as Tensor, 'tanh'), [input([3, 7], 2)]);
    checkGradients(([x]) => (x as Tensor).sigmoid().mul((x as Tensor).tanh()), [input([10])]);
  });

  test('maxPool2d, avgPool2d, adaptiveAvgPool2d', () => {
    checkGradients(([x]) => nnf.maxPool2d(x as Tensor, 3, { stride: 2, padding: 1 }), [distinct([1, 2, 6, 5])]);
    checkGradients(([x]) => nnf.maxPool2d(x as Tensor, 2), [distinct([2, 1, 4, 4])]);
    checkGradients(([x]) => nnf.avgPool2d(x as Tensor, 3, { stride: 2, padding: 1 }), [input([1, 2, 6, 5])]);
    checkGradients(([x]) => nnf.adaptiveAvgPool2d(x as Tensor, [3, 2]), [input([2, 2, 5, 7])]);
  });

  test('softmax and logSoftmax', () => {
    checkGradients(([x]) => nnf.softmax(x as Tensor, 1), [input([3, 5])]);
    checkGradients(([x]) => nnf.logSoftmax(x as Tensor, 0), [input([4, 3])]);
  });

  test('crossEntropy (indices, label smoothing, probabilities)', () => {
    const y = [2, 0, 1, 3, 3];
    checkGradients(([x]) => nnf.crossEntropy(x as Tensor, i64(y)), [input([5, 4])]);
    checkGradients(([x]) => nnf.crossEntropy(x as Tensor, i64(y), { labelSmoothing: 0.15 }), [input([5, 4])]);
    checkGradients(([x]) => nnf.crossEntropy(x as Tensor, i64(y), { reduction: 'none' }), [input([5, 4])]);
    const p = rng.uniforms(12, 0.1, 1);
    checkGradients(
      ([x, t]) => nnf.crossEntropy(x as Tensor, nnf.softmax(t as Tensor, 1)),
      [input([3, 4]), { data: p, shape: [3, 4] }],
    );
  });

  test('normalize', () => {
    checkGradients(([x]) => nnf.normalize(x as Tensor, 1), [input([3, 4])]);
    checkGradients(([x]) => nnf.normalize(x as Tensor, 0, 1), [awayFromZero([3, 4])]);
  });

  test('matmul (batched, broadcast) and einsum', () => {
    checkGradients(([a, b]) => (a as Tensor).matmul(b as Tensor), [input([2, 3, 4]), input([4, 2])]);
    checkGradients(([a, b]) => einsum('bij,bkj->bik', a as Tensor, b as Tensor), [input([2, 3, 4]), input([2, 5, 4])]);
    checkGradients(
      ([a, b, c]) => einsum('ij,jk,k->i', a as Tensor, b as Tensor, c as Tensor),
      [input([3, 4]), input([4, 2]), input([2])],
    );
  });

  test('gridSample (input and grid) through affineGrid (θ)', () => {
    checkGradients(
      ([x, g]) => nnf.gridSample(x as Tensor, g as Tensor),
      [input([1, 2, 4, 5]), { data: rng.uniforms(1 * 3 * 4 * 2, -1.1, 1.1), shape: [1, 3, 4, 2] }],
    );
    checkGradients(
      ([x, th]) => nnf.gridSample(x as Tensor, nnf.affineGrid(th as Tensor, [2, 1, 4, 4]), { padding: 'border' }),
      // θ = identity + noise: random, so no sample point sits on a pixel centre, where bilinear sampling has a kink.
      [
        input([2, 1, 4, 4]),
        {
          data: Float64Array.from([1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0], (v) => v + 0.2 * rng.normal()),
          shape: [2, 2, 3],
        },
      ],
    );
  });

  test('eigh eigenvalues of a symmetric matrix (A + Aᵀ)/2', () => {
    checkGradients(
      ([a]) => {
        const s = (a as Tensor).add((a as Tensor).t()).mul(0.5);
        return linalg.eigh(s).values;
      },
      [input([5, 5])],
    );
    // dλᵢ/dA = vᵢ vᵢᵀ: for the sum of eigenvalues (the trace) the gradient is the identity.
    tidy(() => {
      const a = tensor(input([4, 4]).data, [4, 4]).requiresGrad_();
      const s = a.add(a.t()).mul(0.5);
      const [g] = grad(linalg.eigvalsh(s).sum(), [a]);
      assertClose((g as Tensor).data(), [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], { atol: 1e-12 });
    });
  });

  test('reductions and elementwise arithmetic', () => {
    checkGradients(
      ([a, b]) =>
        (a as Tensor)
          .mul(b as Tensor)
          .div((b as Tensor).square().add(1))
          .logsumexp(1),
      [input([3, 4]), input([4])],
    );
    checkGradients(([a]) => (a as Tensor).std(0), [input([5, 3])]);
    checkGradients(([a]) => (a as Tensor).norm(2, 1), [input([3, 4])]);
  });
});

describe('autograd mechanics', () => {
  test('backward fills .grad of leaves: d/dx Σ x² = 2x', () =>
    tidy(() => {
      const d = Float64Array.from([1, -2, 3.5]);
      const x = tensor(d).requiresGrad_();
      assert.equal(x.isLeaf, true);
      assert.equal(x.grad, null);
      const y = x.square().sum();
      assert.equal(y.isLeaf, false);
      assert.equal(y.requiresGrad, true);
      y.backward();
      assertEqualArrays(gradOf(x).data(), [2, -4, 7]);
    }));

  test('noGrad stops recording and restores the mode, even on throw; enableGrad re-enables', () =>
    tidy(() => {
      const x = tensor([1, 2], { requiresGrad: true });
      assert.equal(isGradEnabled(), true);
      const y = noGrad(() => {
        assert.equal(isGradEnabled(), false);
        const inner = enableGrad(() => {
          assert.equal(isGradEnabled(), true);
          return x.mul(3);
        });
        assert.equal(inner.requiresGrad, true);
        assert.equal(isGradEnabled(), false);
        return x.mul(2);
      });
      assert.equal(y.requiresGrad, false);
      assert.equal(isGradEnabled(), true);
      assert.throws(() =>
        noGrad(() => {
          throw new Error('boom');
        }),
      );
      assert.equal(isGradEnabled(), true);
      assert.throws(() => noGrad(() => Promise.resolve(1)), /synchronous/);
      assert.equal(isGradEnabled(), true);
      // in-place update of a leaf under noGrad is allowed and not recorded
      noGrad(() => x.sub_(x.mul(0.5)));
      assertEqualArrays(x.data(), [0.5, 1]);
      assert.equal(x.isLeaf, true);
      // outside noGrad libtorch refuses it
      assert.throws(() => x.add_(1), /leaf Variable that requires grad/);
    }));

  test('grad(): functional gradients, .grad untouched; createGraph for second derivatives; allowUnused', () =>
    tidy(() => {
      const xs = [0.5, -1, 2];
      const x = tensor(Float64Array.from(xs)).requiresGrad_();
      const z = tensor(Float64Array.from([1, 1, 1])).requiresGrad_();
      const y = x.pow(3).sum();
      const [g] = grad(y, [x], { createGraph: true });
      assertClose(
        (g as Tensor).data(),
        xs.map((v) => 3 * v * v),
        { rtol: 1e-15 },
      );
      assert.equal(x.grad, null);
      assert.equal((g as Tensor).requiresGrad, true);
      const [g2] = grad((g as Tensor).sum(), [x]);
      assertClose(
        (g2 as Tensor).data(),
        xs.map((v) => 6 * v),
        { rtol: 1e-15 },
      );
      // weighted outputs
      const v = tensor(Float64Array.from([1, 2, 3]));
      const [gw] = grad(x.mul(x), [x], { gradOutputs: [v] });
      assertClose(
        (gw as Tensor).data(),
        xs.map((e, i) => 2 * e * (i + 1)),
        { rtol: 1e-15 },
      );
      const [gx, gz] = grad(x.sum(), [x, z], { allowUnused: true });
      assertEqualArrays((gx as Tensor).data(), [1, 1, 1]);
      assert.equal(gz, null);
      assert.throws(() => grad(x.sum(), [x, z]), /One of the differentiated Tensors appears to not have been used/);
    }));

  test('detach: no gradient flows, storage shared', () =>
    tidy(() => {
      const x = tensor(Float64Array.from([1, 2, 3])).requiresGrad_();
      const d = x.detach();
      assert.equal(d.requiresGrad, false);
      const y = x.mul(d).sum(); // d/dx = d = x (not 2x)
      y.backward();
      assertEqualArrays(gradOf(x).data(), [1, 2, 3]);
      noGrad(() => d.mul_(10));
      assertEqualArrays(x.data(), [10, 20, 30]);
    }));

  test('gradients accumulate over two backward calls until reset', () =>
    tidy(() => {
      const x = tensor(Float64Array.from([1, 2])).requiresGrad_();
      x.mul(3).sum().backward();
      x.square().sum().backward();
      assertEqualArrays(gradOf(x).data(), [3 + 2, 3 + 4]);
      x.grad = null;
      x.mul(5).sum().backward();
      assertEqualArrays(gradOf(x).data(), [5, 5]);
      // backward(outputs[]) with explicit output gradients
      x.grad = null;
      backward([x.mul(2), x.square()], [tensor(Float64Array.from([1, 0])), tensor(Float64Array.from([0, 1]))]);
      assertEqualArrays(gradOf(x).data(), [2, 4]);
    }));

  test('retainGraph allows a second backward; without it libtorch throws', () =>
    tidy(() => {
      const x = tensor(Float64Array.from([1, 2])).requiresGrad_();
      const y = x.exp().sum();
      y.backward(undefined, { retainGraph: true });
      y.backward();
      assertClose(gradOf(x).data(), [2 * Math.E, 2 * Math.exp(2)], { rtol: 1e-15 });
      assert.throws(() => y.backward(), /backward through the graph a second time/);
    }));

  test('backward of a non-scalar needs an output gradient', () =>
    tidy(() => {
      const x = ones([3], { requiresGrad: true });
      const y = x.mul(2);
      assert.throws(() => y.backward(), /grad can be implicitly created only for scalar outputs/);
      y.backward(tensor([1, 2, 3]));
      assertEqualArrays(gradOf(x).data(), [2, 4, 6]);
    }));
});
