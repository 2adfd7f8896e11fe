/**
 * Forward passes of Conv2d, BatchNorm and pooling against naive TypeScript
 * loops on tiny inputs (float64), including BatchNorm's running statistics.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, MaxPool2d } from '../../src/nn/index.ts';
import { noGrad, type Tensor, tensor } from '../../src/tensor/index.ts';
import { assertClose } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';

const rng = new Rng(11);
const values = (t: Tensor): Float64Array => Float64Array.from(t.contiguous().toArray());
const numel = (s: number[]): number => s.reduce((a, b) => a * b, 1);

/** Direct evaluation of y[n,o,i,j] = b[o] + Σ_{c,u,v} W[o,c,u,v]·x[n, g·cpg + c, i·s − p + u·d, j·s − p + v·d]. */
function convNaive(
  x: Float64Array,
  [n, cin, h, w]: number[],
  wt: Float64Array,
  [cout, cpg, kh, kw]: number[],
  bias: Float64Array | null,
  o: { stride: [number, number]; padding: [number, number]; dilation: [number, number]; groups: number },
): { y: Float64Array; shape: number[] } {
  const [sh, sw] = o.stride;
  const [ph, pw] = o.padding;
  const [dh, dw] = o.dilation;
  const oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  const outPerGroup = cout / o.groups;
  const y = new Float64Array(n * cout * oh * ow);
  for (let b = 0; b < n; b++)
    for (let oc = 0; oc < cout; oc++) {
      const g = Math.floor(oc / outPerGroup);
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          let s = bias ? (bias[oc] as number) : 0;
          for (let c = 0; c < cpg; c++)
            for (let u = 0; u < kh; u++)
              for (let v = 0; v < kw; v++) {
                const r = i * sh - ph + u * dh;
                const q = j * sw - pw + v * dw;
                if (r < 0 || r >= h || q < 0 || q >= w) continue;
                const ic = g * cpg + c;
                s +=
                  (wt[((oc * cpg + c) * kh + u) * kw + v] as number) * (x[((b * cin + ic) * h + r) * w + q] as number);
              }
          y[((b * cout + oc) * oh + i) * ow + j] = s;
        }
    }
  return { y, shape: [n, cout, oh, ow] };
}

test('Conv2d forward matches a naive convolution (stride, padding, dilation, groups, bias)', () => {
  const cases = [
    { cin: 2, cout: 3, k: 3, stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1, bias: true, hw: [5, 4] },
    { cin: 4, cout: 6, k: 3, stride: [2, 2], padding: [1, 1], dilation: [1, 1], groups: 2, bias: true, hw: [6, 5] },
    { cin: 3, cout: 2, k: 2, stride: [1, 2], padding: [0, 1], dilation: [2, 1], groups: 1, bias: false, hw: [5, 6] },
    { cin: 4, cout: 4, k: 3, stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 4, bias: false, hw: [3, 3] },
  ] as const;
  for (const c of cases) {
    const m = new Conv2d(c.cin, c.cout, c.k, {
      stride: [...c.stride],
      padding: [...c.padding],
      dilation: [...c.dilation],
      groups: c.groups,
      bias: c.bias,
    }).to('float64');
    const xs = [2, c.cin, c.hw[0], c.hw[1]];
    const x = rng.normals(numel(xs));
    const y = noGrad(() => m.forward(tensor(x, xs)));
    const ref = convNaive(x, xs, values(m.weight), m.weight.shape, m.bias ? values(m.bias) : null, {
      stride: [...c.stride],
      padding: [...c.padding],
      dilation: [...c.dilation],
      groups: c.groups,
    });
    assert.deepEqual(y.shape, ref.shape, `conv output shape for ${JSON.stringify(c)}`);
    assertClose(values(y), ref.y, { rtol: 1e-10, atol: 1e-12 }, `conv ${JSON.stringify(c)}`);
  }
});

/** Per-channel mean and biased/unbiased variance of an N×C×L (flattened spatial) array. */
function channelStats(x: Float64Array, n: number, c: number, l: number) {
  const mean = new Float64Array(c);
  const varB = new Float64Array(c);
  const varU = new Float64Array(c);
  const m = n * l;
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    for (let b = 0; b < n; b++) for (let i = 0; i < l; i++) s += x[(b * c + ch) * l + i] as number;
    const mu = s / m;
    let ss = 0;
    for (let b = 0; b < n; b++) for (let i = 0; i < l; i++) ss += ((x[(b * c + ch) * l + i] as number) - mu) ** 2;
    mean[ch] = mu;
    varB[ch] = ss / m;
    varU[ch] = ss / (m - 1);
  }
  return { mean, varB, varU };
}

function bnNaive(
  x: Float64Array,
  n: number,
  c: number,
  l: number,
  mean: Float64Array,
  vr: Float64Array,
  g: Float64Array,
  b: Float64Array,
  eps: number,
) {
  const y = new Float64Array(x.length);
  for (let bb = 0; bb < n; bb++)
    for (let ch = 0; ch < c; ch++)
      for (let i = 0; i < l; i++) {
        const k = (bb * c + ch) * l + i;
        y[k] =
          (((x[k] as number) - (mean[ch] as number)) / Math.sqrt((vr[ch] as number) + eps)) * (g[ch] as number) +
          (b[ch] as number);
      }
  return y;
}

test('BatchNorm2d: train uses batch stats and updates running stats (unbiased var, momentum 0.1); eval uses running stats', () => {
  const [n, c, h, w] = [3, 2, 2, 3];
  const l = h * w;
  const bn = new BatchNorm2d(c).to('float64');
  const gamma = Float64Array.from([1.5, -0.5]);
  const beta = Float64Array.from([0.25, 2]);
  noGrad(() => {
    bn.weight?.copy_(tensor(gamma));
    bn.bias?.copy_(tensor(beta));
  });
  let rm = new Float64Array(c);
  let rv = new Float64Array(c).fill(1);
  for (let step = 1; step <= 2; step++) {
    const x = rng.normals(n * c * l).map((v) => 3 * v + step);
    const y = noGrad(() => bn.forward(tensor(x, [n, c, h, w])));
    const st = channelStats(x, n, c, l);
    assertClose(
      values(y),
      bnNaive(x, n, c, l, st.mean, st.varB, gamma, beta, 1e-5),
      { rtol: 1e-9, atol: 1e-10 },
      `train output step ${step}`,
    );
    rm = rm.map((v, i) => 0.9 * v + 0.1 * (st.mean[i] as number));
    rv = rv.map((v, i) => 0.9 * v + 0.1 * (st.varU[i] as number));
    assertClose(values(bn.runningMean as Tensor), rm, { rtol: 1e-12 }, `running_mean step ${step}`);
    assertClose(values(bn.runningVar as Tensor), rv, { rtol: 1e-12 }, `running_var step ${step}`);
    assert.equal(bn.numBatchesTracked?.item(), step);
    assert.equal(bn.numBatchesTracked?.dtype, 'int64');
  }
  bn.eval();
  const x = rng.normals(n * c * l);
  const y = noGrad(() => bn.forward(tensor(x, [n, c, h, w])));
  assertClose(values(y), bnNaive(x, n, c, l, rm, rv, gamma, beta, 1e-5), { rtol: 1e-9, atol: 1e-10 }, 'eval output');
  assertClose(values(bn.runningMean as Tensor), rm, { rtol: 1e-12 }, 'eval leaves running_mean alone');
  assert.equal(bn.numBatchesTracked?.item(), 2);
});

test('BatchNorm1d: cumulative average when momentum is null; single-sample batches are rejected in training', () => {
  const bn = new BatchNorm1d(3, { momentum: null }).to('float64');
  const batches = [rng.normals(4 * 3), rng.normals(4 * 3).map((v) => v - 2), rng.normals(4 * 3).map((v) => 2 * v)];
  const means: Float64Array[] = [];
  for (const x of batches) {
    noGrad(() => bn.forward(tensor(x, [4, 3])));
    means.push(channelStats(x, 4, 3, 1).mean);
  }
  const avg = new Float64Array(3).map((_, i) => means.reduce((s, m) => s + (m[i] as number), 0) / means.length);
  assertClose(values(bn.runningMean as Tensor), avg, { rtol: 1e-10 }, 'cumulative running mean');
  assert.throws(() => bn.forward(tensor([[1, 2, 3]], { dtype: 'float64' })), /more than 1 value per channel/);
  assert.throws(() => bn.forward(tensor([[1, 2]], { dtype: 'float64' })), /BatchNorm1d: expected .* 3 channels/);
});

/** Max/mean over k×k windows with stride s and padding p (mean counts padded zeros, as PyTorch's default). */
function poolNaive(x: Float64Array, [n, c, h, w]: number[], k: number, s: number, p: number, kind: 'max' | 'avg') {
  const oh = Math.floor((h + 2 * p - k) / s) + 1;
  const ow = Math.floor((w + 2 * p - k) / s) + 1;
  const y = new Float64Array(n * c * oh * ow);
  for (let b = 0; b < n * c; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        let acc = kind === 'max' ? Number.NEGATIVE_INFINITY : 0;
        for (let u = 0; u < k; u++)
          for (let v = 0; v < k; v++) {
            const r = i * s - p + u;
            const q = j * s - p + v;
            if (r < 0 || r >= h || q < 0 || q >= w) continue;
            const val = x[(b * h + r) * w + q] as number;
            acc = kind === 'max' ? Math.max(acc, val) : acc + val;
          }
        y[(b * oh + i) * ow + j] = kind === 'max' ? acc : acc / (k * k);
      }
  return { y, shape: [n, c, oh, ow] };
}

test('MaxPool2d and AvgPool2d match naive window loops', () => {
  const xs = [2, 2, 5, 6];
  const x = rng.normals(numel(xs));
  for (const [k, s, p] of [
    [2, 2, 0],
    [3, 2, 1],
    [3, 1, 1],
  ] as const) {
    for (const kind of ['max', 'avg'] as const) {
      const m =
        kind === 'max' ? new MaxPool2d(k, { stride: s, padding: p }) : new AvgPool2d(k, { stride: s, padding: p });
      const y = m.forward(tensor(x, xs));
      const ref = poolNaive(x, xs, k, s, p, kind);
      assert.deepEqual(y.shape, ref.shape, `${kind} pool k${k} s${s} p${p} shape`);
      assertClose(values(y), ref.y, { rtol: 1e-12, atol: 1e-12 }, `${kind} pool k${k} s${s} p${p}`);
    }
  }
});
