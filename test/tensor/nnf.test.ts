/**
 * Forward passes of the neural-network functions against naive loops (or
 * closed forms) on small float64 inputs.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Generator, nnf, ones, type Tensor, tensor, tidy, zeros } from '../../src/tensor/index.ts';
import { assertClose, assertEqualArrays } from '../helpers/close.ts';
import { numelOf, ravel, unravel } from '../helpers/naive.ts';
import { Rng } from '../helpers/prng.ts';

const rng = new Rng(7);
function rnd(shape: number[]): { t: Tensor; d: Float64Array } {
  const d = rng.normals(numelOf(shape));
  return { t: tensor(d, shape), d };
}
const i64 = (xs: number[]): Tensor => tensor(BigInt64Array.from(xs, BigInt));
const at = (d: ArrayLike<number>, shape: number[], idx: number[]): number => d[ravel(idx, shape)] as number;
function build(shape: number[], f: (idx: number[]) => number): number[] {
  return Array.from({ length: numelOf(shape) }, (_, i) => f(unravel(i, shape)));
}
const TOL = { rtol: 1e-11, atol: 1e-12 };

type P2 = [number, number];
/** Direct 2-D cross-correlation: out[n,o,i,j] = b[o] + Σ_c,p,q x[n, g·Cg + c, i·s − pad + p·d, …]·w[o,c,p,q]. */
function conv2dNaive(
  x: Float64Array,
  xs: number[],
  w: Float64Array,
  ws: number[],
  b: Float64Array | null,
  stride: P2,
  pad: P2,
  dil: P2,
  groups: number,
): { shape: number[]; data: number[] } {
  const [N, C, H, W] = xs as [number, number, number, number];
  const [O, Cg, kh, kw] = ws as [number, number, number, number];
  assert.equal(Cg * groups, C);
  const Ho = Math.floor((H + 2 * pad[0] - dil[0] * (kh - 1) - 1) / stride[0]) + 1;
  const Wo = Math.floor((W + 2 * pad[1] - dil[1] * (kw - 1) - 1) / stride[1]) + 1;
  const perGroup = O / groups;
  const shape = [N, O, Ho, Wo];
  const data = build(shape, ([n, o, i, j]) => {
    const g = Math.floor((o as number) / perGroup);
    let s = b ? (b[o as number] as number) : 0;
    for (let c = 0; c < Cg; c++)
      for (let p = 0; p < kh; p++)
        for (let q = 0; q < kw; q++) {
          const y = (i as number) * stride[0] - pad[0] + p * dil[0];
          const xx = (j as number) * stride[1] - pad[1] + q * dil[1];
          if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
          s += at(x, xs, [n as number, g * Cg + c, y, xx]) * at(w, ws, [o as number, c, p, q]);
        }
    return s;
  });
  return { shape, data };
}

/** Max or average pooling with -∞ (max) or zero (avg, counted in the divisor) padding. */
function pool2dNaive(
  x: Float64Array,
  xs: number[],
  k: P2,
  s: P2,
  pad: P2,
  kind: 'max' | 'avg',
): { shape: number[]; data: number[] } {
  const [N, C, H, W] = xs as [number, number, number, number];
  const Ho = Math.floor((H + 2 * pad[0] - k[0]) / s[0]) + 1;
  const Wo = Math.floor((W + 2 * pad[1] - k[1]) / s[1]) + 1;
  const shape = [N, C, Ho, Wo];
  const data = build(shape, ([n, c, i, j]) => {
    let acc = kind === 'max' ? Number.NEGATIVE_INFINITY : 0;
    for (let p = 0; p < k[0]; p++)
      for (let q = 0; q < k[1]; q++) {
        const y = (i as number) * s[0] - pad[0] + p;
        const xx = (j as number) * s[1] - pad[1] + q;
        if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
        const v = at(x, xs, [n as number, c as number, y, xx]);
        acc = kind === 'max' ? Math.max(acc, v) : acc + v;
      }
    return kind === 'max' ? acc : acc / (k[0] * k[1]);
  });
  return { shape, data };
}

describe('conv2d', () => {
  const cases: {
    name: string;
    xs: number[];
    ws: number[];
    stride: P2;
    pad: P2;
    dil: P2;
    groups: number;
    bias: boolean;
  }[] = [
    {
      name: 'plain',
      xs: [2, 3, 6, 5],
      ws: [4, 3, 3, 3],
      stride: [1, 1],
      pad: [0, 0],
      dil: [1, 1],
      groups: 1,
      bias: true,
    },
    {
      name: 'stride 2, padding 1',
      xs: [1, 2, 7, 6],
      ws: [3, 2, 3, 3],
      stride: [2, 2],
      pad: [1, 1],
      dil: [1, 1],
      groups: 1,
      bias: true,
    },
    {
      name: 'dilation 2, asymmetric stride/padding, no bias',
      xs: [1, 2, 8, 9],
      ws: [2, 2, 3, 2],
      stride: [1, 2],
      pad: [1, 2],
      dil: [2, 2],
      groups: 1,
      bias: false,
    },
    {
      name: 'groups 2',
      xs: [2, 4, 5, 5],
      ws: [6, 2, 3, 3],
      stride: [1, 1],
      pad: [1, 1],
      dil: [1, 1],
      groups: 2,
      bias: true,
    },
    {
      name: 'depthwise',
      xs: [1, 3, 5, 4],
      ws: [3, 1, 3, 3],
      stride: [2, 1],
      pad: [1, 0],
      dil: [1, 1],
      groups: 3,
      bias: true,
    },
  ];
  for (const c of cases) {
    test(c.name, () =>
      tidy(() => {
        const x = rnd(c.xs);
        const w = rnd(c.ws);
        const b = c.bias ? rnd([c.ws[0] as number]) : null;
        const y = nnf.conv2d(x.t, w.t, b?.t, { stride: c.stride, padding: c.pad, dilation: c.dil, groups: c.groups });
        const ref = conv2dNaive(x.d, c.xs, w.d, c.ws, b?.d ?? null, c.stride, c.pad, c.dil, c.groups);
        assert.deepEqual(y.shape, ref.shape);
        assertClose(y.data(), ref.data, TOL);
      }),
    );
  }
  test('scalar stride/padding mean the same on both axes', () =>
    tidy(() => {
      const x = rnd([1, 1, 6, 6]);
      const w = rnd([1, 1, 3, 3]);
      const a = nnf.conv2d(x.t, w.t, null, { stride: 2, padding: 1 });
      const ref = conv2dNaive(x.d, [1, 1, 6, 6], w.d, [1, 1, 3, 3], null, [2, 2], [1, 1], [1, 1], 1);
      assert.deepEqual(a.shape, ref.shape);
      assertClose(a.data(), ref.data, TOL);
    }));
});

describe('batchNorm', () => {
  test('training: batch statistics, running stats updated with the unbiased variance', () =>
    tidy(() => {
      const xs = [4, 3, 2, 2];
      const x = rnd(xs);
      const gamma = rnd([3]);
      const beta = rnd([3]);
      const rm0 = [0.5, -1, 2];
      const rv0 = [1, 2, 0.5];
      const rm = tensor(Float64Array.from(rm0));
      const rv = tensor(Float64Array.from(rv0));
      const eps = 1e-5;
      const momentum = 0.2;
      const y = nnf.batchNorm(x.t, rm, rv, { weight: gamma.t, bias: beta.t, training: true, momentum, eps });
      const n = 4 * 2 * 2;
      const mean = [0, 0, 0];
      const ss = [0, 0, 0];
      for (let i = 0; i < x.d.length; i++) {
        const c = unravel(i, xs)[1] as number;
        mean[c] = (mean[c] as number) + (x.d[i] as number) / n;
      }
      for (let i = 0; i < x.d.length; i++) {
        const c = unravel(i, xs)[1] as number;
        ss[c] = (ss[c] as number) + ((x.d[i] as number) - (mean[c] as number)) ** 2;
      }
      const expected = Array.from(x.d, (v, i) => {
        const c = unravel(i, xs)[1] as number;
        return (
          ((v - (mean[c] as number)) / Math.sqrt((ss[c] as number) / n + eps)) * (gamma.d[c] as number) +
          (beta.d[c] as number)
        );
      });
      assertClose(y.data(), expected, { rtol: 1e-9, atol: 1e-10 }, 'output');
      assertClose(
        rm.data(),
        rm0.map((r, c) => (1 - momentum) * r + momentum * (mean[c] as number)),
        { rtol: 1e-12 },
        'running mean',
      );
      assertClose(
        rv.data(),
        rv0.map((r, c) => (1 - momentum) * r + momentum * ((ss[c] as number) / (n - 1))),
        { rtol: 1e-12 },
        'running var (unbiased)',
      );
    }));

  test('eval: running statistics, nothing updated', () =>
    tidy(() => {
      const xs = [3, 2, 2, 3];
      const x = rnd(xs);
      const rm0 = [0.3, -0.7];
      const rv0 = [1.5, 0.25];
      const rm = tensor(Float64Array.from(rm0));
      const rv = tensor(Float64Array.from(rv0));
      const gamma = rnd([2]);
      const beta = rnd([2]);
      const y = nnf.batchNorm(x.t, rm, rv, { weight: gamma.t, bias: beta.t, training: false, eps: 1e-3 });
      assertClose(
        y.data(),
        Array.from(x.d, (v, i) => {
          const c = unravel(i, xs)[1] as number;
          return (
            ((v - (rm0[c] as number)) / Math.sqrt((rv0[c] as number) + 1e-3)) * (gamma.d[c] as number) +
            (beta.d[c] as number)
          );
        }),
        { rtol: 1e-10, atol: 1e-12 },
      );
      assertEqualArrays(rm.data(), rm0);
      assertEqualArrays(rv.data(), rv0);
    }));

  test('2-D input (N×C) without affine parameters', () =>
    tidy(() => {
      const x = rnd([6, 2]);
      const y = nnf.batchNorm(x.t, null, null, { training: true });
      for (let c = 0; c < 2; c++) {
        const col = [0, 1, 2, 3, 4, 5].map((i) => x.d[i * 2 + c] as number);
        const m = col.reduce((a, b) => a + b, 0) / 6;
        const v = col.reduce((a, b) => a + (b - m) ** 2, 0) / 6;
        assertClose(
          [0, 1, 2, 3, 4, 5].map((i) => (y.data() as Float64Array)[i * 2 + c] as number),
          col.map((e) => (e - m) / Math.sqrt(v + 1e-5)),
          { rtol: 1e-9, atol: 1e-10 },
        );
      }
    }));
});

describe('pooling', () => {
  test('maxPool2d: default stride = kernel, padding with −∞, rectangular kernels', () =>
    tidy(() => {
      const xs = [2, 2, 5, 6];
      const x = rnd(xs);
      for (const [k, s, p] of [
        [
          [2, 2],
          [2, 2],
          [0, 0],
        ],
        [
          [3, 3],
          [2, 2],
          [1, 1],
        ],
        [
          [2, 3],
          [1, 2],
          [1, 0],
        ],
      ] as [P2, P2, P2][]) {
        const y = nnf.maxPool2d(x.t, k, { stride: s, padding: p });
        const ref = pool2dNaive(x.d, xs, k, s, p, 'max');
        assert.deepEqual(y.shape, ref.shape);
        assertEqualArrays(y.data(), ref.data);
      }
      const d = nnf.maxPool2d(x.t, 2);
      assert.deepEqual(d.shape, [2, 2, 2, 3]);
      assertEqualArrays(d.data(), pool2dNaive(x.d, xs, [2, 2], [2, 2], [0, 0], 'max').data);
    }));

  test('avgPool2d: zero padding counted in the divisor', () =>
    tidy(() => {
      const xs = [1, 3, 6, 5];
      const x = rnd(xs);
      for (const [k, s, p] of [
        [
          [2, 2],
          [2, 2],
          [0, 0],
        ],
        [
          [3, 3],
          [2, 2],
          [1, 1],
        ],
        [
          [3, 2],
          [1, 1],
          [1, 1],
        ],
      ] as [P2, P2, P2][]) {
        const y = nnf.avgPool2d(x.t, k, { stride: s, padding: p });
        const ref = pool2dNaive(x.d, xs, k, s, p, 'avg');
        assert.deepEqual(y.shape, ref.shape);
        assertClose(y.data(), ref.data, TOL);
      }
    }));

  test('adaptiveAvgPool2d: bins [⌊iH/o⌋, ⌈(i+1)H/o⌉)', () =>
    tidy(() => {
      const xs = [2, 2, 5, 7];
      const x = rnd(xs);
      for (const out of [
        [3, 2],
        [5, 7],
        [1, 1],
        [4, 3],
      ] as P2[]) {
        const y = nnf.adaptiveAvgPool2d(x.t, out);
        const ref = build([2, 2, out[0], out[1]], ([n, c, i, j]) => {
          const h0 = Math.floor(((i as number) * 5) / out[0]);
          const h1 = Math.ceil((((i as number) + 1) * 5) / out[0]);
          const w0 = Math.floor(((j as number) * 7) / out[1]);
          const w1 = Math.ceil((((j as number) + 1) * 7) / out[1]);
          let s = 0;
          for (let h = h0; h < h1; h++)
            for (let w = w0; w < w1; w++) s += at(x.d, xs, [n as number, c as number, h, w]);
          return s / ((h1 - h0) * (w1 - w0));
        });
        assert.deepEqual(y.shape, [2, 2, out[0], out[1]]);
        assertClose(y.data(), ref, TOL, `output ${out}`);
      }
    }));
});

describe('softmax and losses', () => {
  /** Row-wise log-softmax of an n×c matrix, computed stably. */
  function logSoftmaxRows(d: ArrayLike<number>, n: number, c: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const row = Array.from({ length: c }, (_, j) => d[i * c + j] as number);
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
      out.push(...row.map((v) => v - lse));
    }
    return out;
  }

  test('softmax / logSoftmax along the last and the first dim', () =>
    tidy(() => {
      const x = rnd([3, 5]);
      const ls = logSoftmaxRows(x.d, 3, 5);
      assertClose(nnf.logSoftmax(x.t, 1).data(), ls, TOL);
      assertClose(nnf.softmax(x.t, -1).data(), ls.map(Math.exp), TOL);
      // along dim 0 = along rows of the transpose
      const xt = build([5, 3], ([i, j]) => at(x.d, [3, 5], [j as number, i as number]));
      const lsT = logSoftmaxRows(xt, 5, 3);
      const y0 = nnf.softmax(x.t, 0).t().contiguous();
      assertClose(y0.data(), lsT.map(Math.exp), TOL);
      // stable for large logits
      const big = nnf.softmax(tensor([[1000, 1000, -1000]], { dtype: 'float64' }), 1);
      assertClose(big.data(), [0.5, 0.5, 0], { atol: 1e-300 });
    }));

  test('crossEntropy with class indices: mean, sum, none, ignoreIndex', () =>
    tidy(() => {
      const n = 6;
      const c = 4;
      const x = rnd([n, c]);
      const y = [0, 3, 1, 1, 2, 3];
      const ls = logSoftmaxRows(x.d, n, c);
      const per = y.map((k, i) => -(ls[i * c + k] as number));
      const sum = per.reduce((a, b) => a + b, 0);
      assertClose(nnf.crossEntropy(x.t, i64(y)).item(), sum / n, TOL);
      assertClose(nnf.crossEntropy(x.t, i64(y), { reduction: 'sum' }).item(), sum, TOL);
      assertClose(nnf.crossEntropy(x.t, i64(y), { reduction: 'none' }).data(), per, TOL);
      // ignored targets are left out of the sum and of the count
      const yi = [0, -100, 1, 1, -100, 3];
      const kept = [0, 2, 3, 5];
      assertClose(
        nnf.crossEntropy(x.t, i64(yi)).item(),
        kept.reduce((a, i) => a + (per[i] as number), 0) / kept.length,
        TOL,
      );
      assertClose(
        nnf.crossEntropy(x.t, i64([0, 2, 1, 1, 2, 3]), { ignoreIndex: 2 }).item(),
        kept.reduce((a, i) => a + (per[i] as number), 0) / kept.length,
        TOL,
      );
    }));

  test('crossEntropy with label smoothing ε: (1−ε)·NLL + ε·mean_c(−log p_c)', () =>
    tidy(() => {
      const n = 5;
      const c = 3;
      const x = rnd([n, c]);
      const y = [2, 0, 1, 2, 2];
      const eps = 0.2;
      const ls = logSoftmaxRows(x.d, n, c);
      let total = 0;
      for (let i = 0; i < n; i++) {
        let uniform = 0;
        for (let k = 0; k < c; k++) uniform -= ls[i * c + k] as number;
        total += (1 - eps) * -(ls[i * c + (y[i] as number)] as number) + (eps * uniform) / c;
      }
      assertClose(nnf.crossEntropy(x.t, i64(y), { labelSmoothing: eps }).item(), total / n, TOL);
    }));

  test('crossEntropy with class probabilities and with N×C×d targets', () =>
    tidy(() => {
      const n = 4;
      const c = 3;
      const x = rnd([n, c]);
      const p = rng.uniforms(n * c, 0.1, 1);
      for (let i = 0; i < n; i++) {
        const s = p[i * c] + p[i * c + 1] + p[i * c + 2];
        for (let k = 0; k < c; k++) p[i * c + k] = (p[i * c + k] as number) / s;
      }
      const ls = logSoftmaxRows(x.d, n, c);
      const ref = -ls.reduce((a, v, i) => a + v * (p[i] as number), 0) / n;
      assertClose(nnf.crossEntropy(x.t, tensor(p, [n, c])).item(), ref, TOL);
      // spatial: logits N×C×L, targets N×L
      const xs = rnd([2, 3, 4]);
      const t = [0, 1, 2, 2, 1, 1, 0, 2];
      let s = 0;
      for (let b = 0; b < 2; b++)
        for (let l = 0; l < 4; l++) {
          const row = [0, 1, 2].map((k) => at(xs.d, [2, 3, 4], [b, k, l]));
          const lsr = logSoftmaxRows(row, 1, 3);
          s -= lsr[t[b * 4 + l] as number] as number;
        }
      assertClose(nnf.crossEntropy(xs.t, tensor(BigInt64Array.from(t, BigInt), [2, 4])).item(), s / 8, TOL);
    }));

  test('mseLoss', () =>
    tidy(() => {
      const a = rnd([3, 4]);
      const b = rnd([3, 4]);
      const sq = Array.from(a.d, (v, i) => (v - (b.d[i] as number)) ** 2);
      assertClose(nnf.mseLoss(a.t, b.t).item(), sq.reduce((x, y) => x + y, 0) / 12, TOL);
      assertClose(nnf.mseLoss(a.t, b.t, 'none').data(), sq, TOL);
    }));
});

describe('elementwise activations, normalize, dropout', () => {
  test('relu, gelu (erf and tanh), leakyRelu', () =>
    tidy(() => {
      const x = rnd([50]);
      // erf via Abramowitz–Stegun 7.1.26 is too coarse; use the series for |x| small and a continued fraction otherwise.
      const erf = (z: number): number => {
        // Taylor series, converges fast for |z| < 3 (test data is standard normal, scaled ≤ 4)
        let sum = 0;
        let term = z;
        for (let n = 0; n < 200; n++) {
          sum += term / (2 * n + 1);
          term *= (-z * z) / (n + 1);
        }
        return (2 / Math.sqrt(Math.PI)) * sum;
      };
      assertClose(
        nnf.gelu(x.t).data(),
        Array.from(x.d, (v) => 0.5 * v * (1 + erf(v / Math.SQRT2))),
        { rtol: 1e-10, atol: 1e-12 },
      );
      assertClose(
        nnf.gelu(x.t, 'tanh').data(),
        Array.from(x.d, (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))),
        { rtol: 1e-10, atol: 1e-12 },
      );
      assertEqualArrays(
        nnf.relu(x.t).data(),
        Array.from(x.d, (v) => Math.max(v, 0)),
      );
      assertClose(
        nnf.leakyRelu(x.t, 0.2).data(),
        Array.from(x.d, (v) => (v > 0 ? v : 0.2 * v)),
        { rtol: 1e-15 },
      );
    }));

  test('normalize: unit p-norm along a dim, zero rows stay zero', () =>
    tidy(() => {
      const d = rng.normals(12);
      d.fill(0, 4, 8); // row 1 is zero
      const x = tensor(d, [3, 4]);
      const y = nnf.normalize(x, 1);
      const ref = build([3, 4], ([i, j]) => {
        let s = 0;
        for (let k = 0; k < 4; k++) s += (d[(i as number) * 4 + k] as number) ** 2;
        return (d[(i as number) * 4 + (j as number)] as number) / Math.max(Math.sqrt(s), 1e-12);
      });
      assertClose(y.data(), ref, TOL);
      assertEqualArrays((y.data() as Float64Array).slice(4, 8), [0, 0, 0, 0]);
      const y1 = nnf.normalize(x, 0, 1);
      const colRef = build([3, 4], ([i, j]) => {
        let s = 0;
        for (let k = 0; k < 3; k++) s += Math.abs(d[k * 4 + (j as number)] as number);
        return (d[(i as number) * 4 + (j as number)] as number) / s;
      });
      assertClose(y1.data(), colRef, TOL);
      assertClose(
        nnf.cosineSimilarity(x.slice(0, 0, 1), x.slice(0, 2, 3)).item(),
        (() => {
          let ab = 0;
          let aa = 0;
          let bb = 0;
          for (let k = 0; k < 4; k++) {
            ab += (d[k] as number) * (d[8 + k] as number);
            aa += (d[k] as number) ** 2;
            bb += (d[8 + k] as number) ** 2;
          }
          return ab / Math.sqrt(aa * bb);
        })(),
        TOL,
      );
    }));

  test('dropout: zero fraction ≈ p, survivors scaled by 1/(1−p), identity in eval', () =>
    tidy(() => {
      const n = 100_000;
      const p = 0.3;
      const x = ones([n]);
      for (const [name, y] of [
        ['generator', nnf.dropout(x, p, true, new Generator(3))],
        ['global generator', nnf.dropout(x, p, true)],
      ] as [string, Tensor][]) {
        const d = y.data() as Float32Array;
        let zeros = 0;
        for (const v of d) {
          if (v === 0) zeros++;
          else assert.ok(Math.abs(v - 1 / (1 - p)) < 1e-6, `${name}: survivor ${v}`);
        }
        const frac = zeros / n;
        assert.ok(Math.abs(frac - p) < 4 * Math.sqrt((p * (1 - p)) / n), `${name}: zero fraction ${frac}`);
      }
      // seeded masks are reproducible
      const a = nnf.dropout(x.slice(0, 0, 100), 0.5, true, new Generator(9)).toArray();
      const b = nnf.dropout(x.slice(0, 0, 100), 0.5, true, new Generator(9)).toArray();
      assert.deepEqual(a, b);
      const r = rnd([10]);
      const e = nnf.dropout(r.t, 0.9, false);
      assert.notEqual(e, r.t);
      assertEqualArrays(e.data(), r.d);
      assertEqualArrays(nnf.dropout(r.t, 0, true).data(), r.d);
    }));

  test('oneHot', () =>
    tidy(() => {
      const h = nnf.oneHot(i64([2, 0, 1]), 4);
      assert.deepEqual(h.shape, [3, 4]);
      assertEqualArrays(h.data(), [0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0]);
    }));
});

describe('interpolate', () => {
  /** Source coordinate of output index `o` (align_corners false, scale in/out), clamped below at 0. */
  const srcCoord = (o: number, inSize: number, outSize: number, alignCorners: boolean): number =>
    alignCorners
      ? outSize > 1
        ? (o * (inSize - 1)) / (outSize - 1)
        : 0
      : Math.max(((o + 0.5) * inSize) / outSize - 0.5, 0);

  function bilinearNaive(x: Float64Array, xs: number[], out: P2, alignCorners: boolean): number[] {
    const [N, C, H, W] = xs as [number, number, number, number];
    return build([N, C, out[0], out[1]], ([n, c, i, j]) => {
      const sy = srcCoord(i as number, H, out[0], alignCorners);
      const sx = srcCoord(j as number, W, out[1], alignCorners);
      const y0 = Math.floor(sy);
      const x0 = Math.floor(sx);
      const y1 = Math.min(y0 + 1, H - 1);
      const x1 = Math.min(x0 + 1, W - 1);
      const ly = sy - y0;
      const lx = sx - x0;
      const v = (y: number, xx: number) => at(x, xs, [n as number, c as number, y, xx]);
      return (1 - ly) * ((1 - lx) * v(y0, x0) + lx * v(y0, x1)) + ly * ((1 - lx) * v(y1, x0) + lx * v(y1, x1));
    });
  }

  test('bilinear, closed form on a 1×2 ramp: [0, 1] → [0, ¼, ¾, 1]', () =>
    tidy(() => {
      const x = tensor([[[[0, 1]]]], { dtype: 'float64' });
      assertClose(nnf.interpolate(x, [1, 4]).data(), [0, 0.25, 0.75, 1], { rtol: 1e-15 });
      assertClose(nnf.interpolate(x, [1, 4], 'bilinear', true).data(), [0, 1 / 3, 2 / 3, 1], { rtol: 1e-15 });
    }));

  test('bilinear up and down sampling against the naive formula (align_corners false and true)', () =>
    tidy(() => {
      const xs = [2, 2, 3, 4];
      const x = rnd(xs);
      for (const out of [
        [5, 7],
        [6, 8],
        [2, 3],
        [3, 4],
      ] as P2[]) {
        for (const ac of [false, true]) {
          const y = nnf.interpolate(x.t, out, 'bilinear', ac);
          assert.deepEqual(y.shape, [2, 2, ...out]);
          assertClose(y.data(), bilinearNaive(x.d, xs, out, ac), TOL, `size ${out} alignCorners ${ac}`);
        }
      }
      // same size with align_corners false is the identity
      assertClose(nnf.interpolate(x.t, [3, 4]).data(), x.d, TOL);
    }));

  test('nearest: source index ⌊o·in/out⌋', () =>
    tidy(() => {
      const xs = [1, 2, 3, 4];
      const x = rnd(xs);
      for (const out of [
        [5, 7],
        [6, 8],
        [2, 2],
      ] as P2[]) {
        const y = nnf.interpolate(x.t, out, 'nearest');
        const ref = build([1, 2, ...out], ([n, c, i, j]) =>
          at(x.d, xs, [
            n as number,
            c as number,
            Math.min(Math.floor(((i as number) * 3) / out[0]), 2),
            Math.min(Math.floor(((j as number) * 4) / out[1]), 3),
          ]),
        );
        assertEqualArrays(y.data(), ref);
      }
    }));

  test('bicubic keeps a constant image constant', () =>
    tidy(() => {
      const y = nnf.interpolate(ones([1, 1, 3, 3], { dtype: 'float64' }).mul(2.5), [7, 5], 'bicubic');
      assertClose(y.data(), new Array(35).fill(2.5), { rtol: 1e-12 });
    }));
});

describe('pad', () => {
  test('constant, reflect and replicate against index maps', () =>
    tidy(() => {
      const xs = [1, 2, 3, 4];
      const x = rnd(xs);
      const H = 3;
      const W = 4;
      const reflect = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);
      const replicate = (i: number, n: number) => Math.min(Math.max(i, 0), n - 1);
      const cases: [string, number[], (c: number, i: number, j: number) => number][] = [
        ['constant', [1, 2, 0, 1], (c, i, j) => (i >= 0 && i < H && j >= 0 && j < W ? at(x.d, xs, [0, c, i, j]) : 9)],
        ['reflect', [3, 2, 2, 1], (c, i, j) => at(x.d, xs, [0, c, reflect(i, H), reflect(j, W)])],
        ['replicate', [1, 3, 2, 0], (c, i, j) => at(x.d, xs, [0, c, replicate(i, H), replicate(j, W)])],
      ];
      for (const [mode, p, f] of cases) {
        const [l, r, t, b] = p as [number, number, number, number];
        const y = nnf.pad(x.t, p, mode as 'constant', 9);
        const shape = [1, 2, H + t + b, W + l + r];
        assert.deepEqual(y.shape, shape, mode);
        assertEqualArrays(
          y.data(),
          build(shape, ([, c, i, j]) => f(c as number, (i as number) - t, (j as number) - l)),
          mode,
        );
      }
      // last dim only, negative padding crops
      const y = nnf.pad(x.t, [-1, 1]);
      assert.deepEqual(y.shape, [1, 2, 3, 4]);
      assertEqualArrays(
        y.data(),
        build(xs, ([, c, i, j]) =>
          (j as number) < 3 ? at(x.d, xs, [0, c as number, i as number, (j as number) + 1]) : 0,
        ),
      );
    }));
});

describe('affineGrid and gridSample', () => {
  /** Normalized pixel-centre coordinate (align_corners false) or corner coordinate (true). */
  const norm = (k: number, n: number, ac: boolean) => (ac ? -1 + (2 * k) / (n - 1) : (2 * k + 1) / n - 1);

  test('affineGrid equals θ·[x, y, 1] at pixel centres', () =>
    tidy(() => {
      const th = rnd([2, 2, 3]);
      for (const ac of [false, true]) {
        const g = nnf.affineGrid(th.t, [2, 1, 3, 4], ac);
        assert.deepEqual(g.shape, [2, 3, 4, 2]);
        const ref = build([2, 3, 4, 2], ([n, i, j, k]) => {
          const xj = norm(j as number, 4, ac);
          const yi = norm(i as number, 3, ac);
          const row = (n as number) * 6 + (k as number) * 3;
          return (th.d[row] as number) * xj + (th.d[row + 1] as number) * yi + (th.d[row + 2] as number);
        });
        assertClose(g.data(), ref, TOL, `alignCorners ${ac}`);
      }
    }));

  /** Bilinear sampling with zeros or border padding, align_corners false. */
  function gridSampleNaive(
    x: Float64Array,
    xs: number[],
    grid: Float64Array,
    Ho: number,
    Wo: number,
    padding: 'zeros' | 'border',
  ): number[] {
    const [N, C, H, W] = xs as [number, number, number, number];
    return build([N, C, Ho, Wo], ([n, c, i, j]) => {
      const gi = (((n as number) * Ho + (i as number)) * Wo + (j as number)) * 2;
      let ix = (((grid[gi] as number) + 1) * W - 1) / 2;
      let iy = (((grid[gi + 1] as number) + 1) * H - 1) / 2;
      if (padding === 'border') {
        ix = Math.min(Math.max(ix, 0), W - 1);
        iy = Math.min(Math.max(iy, 0), H - 1);
      }
      const x0 = Math.floor(ix);
      const y0 = Math.floor(iy);
      const v = (y: number, xx: number) =>
        y < 0 || y >= H || xx < 0 || xx >= W ? 0 : at(x, xs, [n as number, c as number, y, xx]);
      const lx = ix - x0;
      const ly = iy - y0;
      return (
        (1 - ly) * ((1 - lx) * v(y0, x0) + lx * v(y0, x0 + 1)) +
        ly * ((1 - lx) * v(y0 + 1, x0) + lx * v(y0 + 1, x0 + 1))
      );
    });
  }

  test('gridSample bilinear at random points (zeros and border padding)', () =>
    tidy(() => {
      const xs = [2, 3, 4, 5];
      const x = rnd(xs);
      const Ho = 3;
      const Wo = 6;
      const g = rng.uniforms(2 * Ho * Wo * 2, -1.3, 1.3);
      const grid = tensor(g, [2, Ho, Wo, 2]);
      for (const padding of ['zeros', 'border'] as const) {
        const y = nnf.gridSample(x.t, grid, { padding });
        assert.deepEqual(y.shape, [2, 3, Ho, Wo]);
        assertClose(y.data(), gridSampleNaive(x.d, xs, g, Ho, Wo, padding), TOL, padding);
      }
    }));

  test('identity θ reproduces the image; translation and flip θ move pixels', () =>
    tidy(() => {
      const xs = [1, 2, 4, 5];
      const x = rnd(xs);
      const W = 5;
      const sample = (theta: number[]) =>
        nnf.gridSample(x.t, nnf.affineGrid(tensor(Float64Array.from(theta), [1, 2, 3]), [1, 2, 4, 5]));
      assertClose(sample([1, 0, 0, 0, 1, 0]).data(), x.d, { rtol: 1e-12, atol: 1e-12 }, 'identity');
      // x_src = x_out + 2/W: the output at column j shows input column j + 1, zeros past the edge.
      assertClose(
        sample([1, 0, 2 / W, 0, 1, 0]).data(),
        build(xs, ([, c, i, j]) =>
          (j as number) + 1 < W ? at(x.d, xs, [0, c as number, i as number, (j as number) + 1]) : 0,
        ),
        { rtol: 1e-12, atol: 1e-12 },
        'shift left by one pixel',
      );
      // one row down in the source: y_src = y_out + 2/H
      assertClose(
        sample([1, 0, 0, 0, 1, -2 / 4]).data(),
        build(xs, ([, c, i, j]) =>
          (i as number) >= 1 ? at(x.d, xs, [0, c as number, (i as number) - 1, j as number]) : 0,
        ),
        { rtol: 1e-12, atol: 1e-12 },
        'shift down by one pixel',
      );
      assertClose(
        sample([-1, 0, 0, 0, 1, 0]).data(),
        build(xs, ([, c, i, j]) => at(x.d, xs, [0, c as number, i as number, W - 1 - (j as number)])),
        { rtol: 1e-12, atol: 1e-12 },
        'horizontal flip',
      );
      // nearest mode with the identity is exact as well
      const nn = nnf.gridSample(
        x.t,
        nnf.affineGrid(tensor(Float64Array.from([1, 0, 0, 0, 1, 0]), [1, 2, 3]), [1, 2, 4, 5]),
        {
          mode: 'nearest',
        },
      );
      assertEqualArrays(nn.data(), x.d);
    }));

  test('float32 image with float32 grid', () =>
    tidy(() => {
      const x = zeros([1, 1, 2, 2]).add(
        tensor([
          [
            [
              [1, 2],
              [3, 4],
            ],
          ],
        ]),
      );
      const g = nnf.affineGrid(
        tensor([
          [
            [1, 0, 0],
            [0, 1, 0],
          ],
        ]),
        [1, 1, 2, 2],
      );
      assertClose(nnf.gridSample(x, g).data(), [1, 2, 3, 4], { rtol: 1e-6 });
    }));
});
