/**
 * Tensor methods and functional ops against naive TypeScript loops on small
 * random float64 data: shape and indexing, arithmetic with broadcasting,
 * reductions, comparisons, products and einsum.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  allclose,
  bincount,
  cat,
  cdist,
  einsum,
  matmul,
  maximum,
  minimum,
  nonzero,
  ones,
  stack,
  type Tensor,
  tensor,
  tidy,
  unique,
  where,
  zeros,
} from '../../src/tensor/index.ts';
import { assertClose, assertEqualArrays } from '../helpers/close.ts';
import { matmulNaive, numelOf, ravel, unravel } from '../helpers/naive.ts';
import { Rng } from '../helpers/prng.ts';

const rng = new Rng(42);

/** A random float64 tensor and its host copy. */
function rnd(shape: number[]): { t: Tensor; d: Float64Array } {
  const d = rng.normals(numelOf(shape));
  return { t: tensor(d, shape), d };
}
const i64 = (xs: number[], shape?: number[]): Tensor => tensor(BigInt64Array.from(xs, BigInt), shape ?? [xs.length]);

/** out[idx] = f(idx) over every multi-index of `shape`. */
function build(shape: number[], f: (idx: number[]) => number): number[] {
  return Array.from({ length: numelOf(shape) }, (_, i) => f(unravel(i, shape)));
}
/** Element of row-major data at a multi-index. */
const at = (d: ArrayLike<number>, shape: number[], idx: number[]): number => d[ravel(idx, shape)] as number;

/** Naive broadcasting binary op following numpy's rules. */
function broadcastNaive(
  a: ArrayLike<number>,
  as: number[],
  b: ArrayLike<number>,
  bs: number[],
  f: (x: number, y: number) => number,
): { shape: number[]; data: number[] } {
  const n = Math.max(as.length, bs.length);
  const pa = [...new Array(n - as.length).fill(1), ...as];
  const pb = [...new Array(n - bs.length).fill(1), ...bs];
  const shape = pa.map((x, i) => Math.max(x, pb[i] as number));
  const data = build(shape, (idx) =>
    f(
      at(
        a,
        pa,
        idx.map((v, i) => (pa[i] === 1 ? 0 : v)),
      ),
      at(
        b,
        pb,
        idx.map((v, i) => (pb[i] === 1 ? 0 : v)),
      ),
    ),
  );
  return { shape, data };
}

/** Naive reduction of `dims` with `f` (initial value and combine), keepdim optional. */
function reduceNaive(
  d: ArrayLike<number>,
  shape: number[],
  dims: number[],
  init: number,
  f: (acc: number, x: number) => number,
  keepdim = false,
): { shape: number[]; data: number[] } {
  const kept = shape.map((s, i) => (dims.includes(i) ? 1 : s));
  const out = new Array<number>(numelOf(kept)).fill(init);
  for (let i = 0; i < d.length; i++) {
    const idx = unravel(i, shape).map((v, k) => (dims.includes(k) ? 0 : v));
    const o = ravel(idx, kept);
    out[o] = f(out[o] as number, d[i] as number);
  }
  return { shape: keepdim ? kept : shape.filter((_, i) => !dims.includes(i)), data: out };
}

describe('shape and indexing', () => {
  test('reshape and view keep row-major data; view of a non-contiguous tensor throws', () =>
    tidy(() => {
      const { t, d } = rnd([2, 3, 4]);
      const r = t.reshape(4, -1);
      assert.deepEqual(r.shape, [4, 6]);
      assertEqualArrays(r.data(), d);
      const v = t.view(6, 4);
      assert.deepEqual(v.shape, [6, 4]);
      assertEqualArrays(v.data(), d);
      assert.deepEqual(t.flatten().shape, [24]);
      assert.deepEqual(t.flatten(1).shape, [2, 12]);
      assert.throws(() => t.transpose(0, 2).view(24), /view size is not compatible/);
      // reshape copies when it must
      const tr = t.transpose(0, 2).reshape(24);
      assertEqualArrays(
        tr.data(),
        build([4, 3, 2], ([k, j, i]) => at(d, [2, 3, 4], [i as number, j as number, k as number])),
      );
    }));

  test('permute, transpose, t', () =>
    tidy(() => {
      const { t, d } = rnd([2, 3, 4]);
      const p = t.permute(2, 0, 1);
      assert.deepEqual(p.shape, [4, 2, 3]);
      assertEqualArrays(
        p.data(),
        build([4, 2, 3], ([k, i, j]) => at(d, [2, 3, 4], [i as number, j as number, k as number])),
      );
      const tr = t.transpose(1, 2);
      assert.deepEqual(tr.shape, [2, 4, 3]);
      assertEqualArrays(
        tr.data(),
        build([2, 4, 3], ([i, k, j]) => at(d, [2, 3, 4], [i as number, j as number, k as number])),
      );
      const m = rnd([3, 5]);
      assertEqualArrays(
        m.t.t().data(),
        build([5, 3], ([j, i]) => at(m.d, [3, 5], [i as number, j as number])),
      );
      assertEqualArrays(
        m.t.diagonal().data(),
        build([3], ([i]) => at(m.d, [3, 5], [i as number, i as number])),
      );
      assertEqualArrays(
        m.t.diagonal(2).data(),
        build([3], ([i]) => at(m.d, [3, 5], [i as number, (i as number) + 2])),
      );
    }));

  test('squeeze, unsqueeze, expand, repeat, flip', () =>
    tidy(() => {
      const { t, d } = rnd([3, 1, 2]);
      assert.deepEqual(t.squeeze().shape, [3, 2]);
      assert.deepEqual(t.squeeze(1).shape, [3, 2]);
      assert.deepEqual(t.unsqueeze(0).shape, [1, 3, 1, 2]);
      assert.deepEqual(t.unsqueeze(-1).shape, [3, 1, 2, 1]);
      const e = t.expand(3, 4, 2);
      assertEqualArrays(
        e.data(),
        build([3, 4, 2], ([i, _, k]) => at(d, [3, 1, 2], [i as number, 0, k as number])),
      );
      const r = t.repeat(2, 2, 1);
      assert.deepEqual(r.shape, [6, 2, 2]);
      assertEqualArrays(
        r.data(),
        build([6, 2, 2], ([i, _, k]) => at(d, [3, 1, 2], [(i as number) % 3, 0, k as number])),
      );
      const f = t.flip(0, 2);
      assertEqualArrays(
        f.data(),
        build([3, 1, 2], ([i, j, k]) => at(d, [3, 1, 2], [2 - (i as number), j as number, 1 - (k as number)])),
      );
    }));

  test('cat and stack (method and functional)', () =>
    tidy(() => {
      const a = rnd([2, 3]);
      const b = rnd([2, 2]);
      const c = cat([a.t, b.t], 1);
      assert.deepEqual(c.shape, [2, 5]);
      assertEqualArrays(
        c.data(),
        build([2, 5], ([i, j]) =>
          (j as number) < 3
            ? at(a.d, [2, 3], [i as number, j as number])
            : at(b.d, [2, 2], [i as number, (j as number) - 3]),
        ),
      );
      const x = [rnd([2, 3]), rnd([2, 3]), rnd([2, 3])];
      const s = stack(
        x.map((e) => e.t),
        1,
      );
      assert.deepEqual(s.shape, [2, 3, 3]);
      assertEqualArrays(
        s.data(),
        build([2, 3, 3], ([i, k, j]) =>
          at((x[k as number] as { d: Float64Array }).d, [2, 3], [i as number, j as number]),
        ),
      );
      assert.deepEqual(cat([a.t, a.t]).shape, [4, 3]);
    }));

  test('split (size and sections) and chunk', () =>
    tidy(() => {
      const { t, d } = rnd([3, 5]);
      const parts = t.split(2, 1);
      assert.deepEqual(
        parts.map((p) => p.shape),
        [
          [3, 2],
          [3, 2],
          [3, 1],
        ],
      );
      let col = 0;
      for (const p of parts) {
        const w = p.shape[1] as number;
        assertEqualArrays(
          p.data(),
          build([3, w], ([i, j]) => at(d, [3, 5], [i as number, col + (j as number)])),
        );
        col += w;
      }
      const secs = t.split([1, 4], 1);
      assert.deepEqual(
        secs.map((p) => p.shape),
        [
          [3, 1],
          [3, 4],
        ],
      );
      assertEqualArrays(
        (secs[1] as Tensor).data(),
        build([3, 4], ([i, j]) => at(d, [3, 5], [i as number, 1 + (j as number)])),
      );
      const ch = rnd([7, 2]).t.chunk(3, 0);
      assert.deepEqual(
        ch.map((p) => p.shape[0]),
        [3, 3, 1],
      );
    }));

  test('slice, narrow, select', () =>
    tidy(() => {
      const { t, d } = rnd([4, 6]);
      const s = t.slice(1, 1, 6, 2);
      assert.deepEqual(s.shape, [4, 3]);
      assertEqualArrays(
        s.data(),
        build([4, 3], ([i, j]) => at(d, [4, 6], [i as number, 1 + 2 * (j as number)])),
      );
      assertEqualArrays(
        t.slice(0, -2).data(),
        build([2, 6], ([i, j]) => at(d, [4, 6], [2 + (i as number), j as number])),
      );
      assertEqualArrays(
        t.narrow(1, 2, 3).data(),
        build([4, 3], ([i, j]) => at(d, [4, 6], [i as number, 2 + (j as number)])),
      );
      const row = t.select(0, 2);
      assert.deepEqual(row.shape, [6]);
      assertEqualArrays(row.data(), d.slice(12, 18));
      const colm = t.select(1, -1);
      assertEqualArrays(
        colm.data(),
        build([4], ([i]) => at(d, [4, 6], [i as number, 5])),
      );
    }));

  test('indexSelect, gather, scatter, scatterAdd', () =>
    tidy(() => {
      const { t, d } = rnd([4, 3]);
      const sel = t.indexSelect(0, i64([2, 0, 2]));
      assertEqualArrays(
        sel.data(),
        build([3, 3], ([i, j]) => at(d, [4, 3], [[2, 0, 2][i as number] as number, j as number])),
      );
      const idx = [0, 2, 2, 1, 0, 0, 1, 1];
      const g = t.gather(1, i64(idx, [4, 2]));
      assertEqualArrays(
        g.data(),
        build([4, 2], ([i, j]) => at(d, [4, 3], [i as number, idx[(i as number) * 2 + (j as number)] as number])),
      );
      // scatter with distinct targets per row (deterministic)
      const sidx = [2, 0, 1, 2, 0, 1, 1, 0];
      const src = rnd([4, 2]);
      const sc = zeros([4, 3], { dtype: 'float64' }).scatter(1, i64(sidx, [4, 2]), src.t);
      const exp = new Array(12).fill(0);
      for (let i = 0; i < 4; i++)
        for (let j = 0; j < 2; j++) exp[i * 3 + (sidx[i * 2 + j] as number)] = src.d[i * 2 + j] as number;
      assertEqualArrays(sc.data(), exp);
      const sv = zeros([4, 3], { dtype: 'float64' }).scatter(1, i64(sidx, [4, 2]), 7);
      assertEqualArrays(
        sv.data(),
        exp.map((_, k) => (sidx.slice(Math.floor(k / 3) * 2, Math.floor(k / 3) * 2 + 2).includes(k % 3) ? 7 : 0)),
      );
      // scatterAdd sums duplicates
      const aidx = [0, 0, 1, 2, 2, 2];
      const asrc = rnd([1, 6]);
      const sa = zeros([1, 3], { dtype: 'float64' }).scatterAdd(1, i64(aidx, [1, 6]), asrc.t);
      const sums = [0, 0, 0];
      aidx.forEach((k, j) => {
        sums[k] = (sums[k] as number) + (asrc.d[j] as number);
      });
      assertClose(sa.data(), sums, { rtol: 1e-12, atol: 1e-12 });
    }));

  test('maskedFill, maskedSelect, index with tensors', () =>
    tidy(() => {
      const { t, d } = rnd([3, 4]);
      const mask = t.gt(0);
      const mf = t.maskedFill(mask, -5);
      assertEqualArrays(
        mf.data(),
        Array.from(d, (v) => (v > 0 ? -5 : v)),
      );
      const ms = t.maskedSelect(mask);
      assertEqualArrays(
        ms.data(),
        Array.from(d).filter((v) => v > 0),
      );
      const rows = [2, 0, 1, 2];
      const cols = [3, 1, 0, 0];
      const pts = t.index([i64(rows), i64(cols)]);
      assertEqualArrays(
        pts.data(),
        rows.map((r, k) => at(d, [3, 4], [r, cols[k] as number])),
      );
      const sub = t.index([null, i64([3, 3, 1])]);
      assert.deepEqual(sub.shape, [3, 3]);
      assertEqualArrays(
        sub.data(),
        build([3, 3], ([i, j]) => at(d, [3, 4], [i as number, [3, 3, 1][j as number] as number])),
      );
      const boolRows = t.index([tensor(new Uint8Array([1, 0, 1]), [3], { dtype: 'bool' })]);
      assert.deepEqual(boolRows.shape, [2, 4]);
      assertEqualArrays(boolRows.data(), [...d.slice(0, 4), ...d.slice(8, 12)]);
    }));

  test('contiguous and channelsLast strides', () =>
    tidy(() => {
      const { t, d } = rnd([2, 3, 4, 5]);
      assert.deepEqual(t.strides, [60, 20, 5, 1]);
      assert.equal(t.isContiguous(), true);
      const tr = t.transpose(2, 3);
      assert.equal(tr.isContiguous(), false);
      assert.deepEqual(tr.strides, [60, 20, 1, 5]);
      const c = tr.contiguous();
      assert.equal(c.isContiguous(), true);
      assert.deepEqual(c.strides, [60, 20, 4, 1]);
      const cl = t.channelsLast();
      assert.deepEqual(cl.shape, [2, 3, 4, 5]);
      // NHWC storage: C fastest, then W, then H, then N.
      assert.deepEqual(cl.strides, [60, 1, 15, 3]);
      assert.equal(cl.isContiguous('channelsLast'), true);
      assert.equal(cl.isContiguous(), false);
      assertEqualArrays(cl.data(), d); // same logical values
      assertEqualArrays(cl.contiguous().strides, [60, 20, 5, 1]);
    }));
});

describe('arithmetic', () => {
  test('binary ops with a scalar', () =>
    tidy(() => {
      const { t, d } = rnd([3, 4]);
      const m = (f: (x: number) => number) => Array.from(d, f);
      assertClose(
        t.add(2.5).data(),
        m((x) => x + 2.5),
        { rtol: 1e-15 },
      );
      assertClose(
        t.add(2, 3).data(),
        m((x) => x + 6),
        { rtol: 1e-15 },
      );
      assertClose(
        t.sub(1.25).data(),
        m((x) => x - 1.25),
        { rtol: 1e-15 },
      );
      assertClose(
        t.mul(-3).data(),
        m((x) => x * -3),
        { rtol: 1e-15 },
      );
      assertClose(
        t.div(4).data(),
        m((x) => x / 4),
        { rtol: 1e-15 },
      );
      assertClose(
        t.pow(2).data(),
        m((x) => x * x),
        { rtol: 1e-14 },
      );
      assertClose(
        t.abs().pow(0.5).data(),
        m((x) => Math.sqrt(Math.abs(x))),
        { rtol: 1e-14 },
      );
    }));

  test('binary ops between tensors with broadcasting', () =>
    tidy(() => {
      const shapes: [number[], number[]][] = [
        [
          [3, 4],
          [3, 4],
        ],
        [
          [3, 1],
          [1, 4],
        ],
        [[2, 3, 4], [4]],
        [
          [2, 1, 4],
          [3, 1],
        ],
        [[5], []],
      ];
      const ops: [string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number][] = [
        ['add', (a, b) => a.add(b), (x, y) => x + y],
        ['add alpha', (a, b) => a.add(b, -2), (x, y) => x - 2 * y],
        ['sub', (a, b) => a.sub(b), (x, y) => x - y],
        ['mul', (a, b) => a.mul(b), (x, y) => x * y],
        ['div', (a, b) => a.div(b), (x, y) => x / y],
        ['pow', (a, b) => a.abs().pow(b), (x, y) => Math.abs(x) ** y],
        ['maximum', (a, b) => maximum(a, b), Math.max],
        ['minimum', (a, b) => minimum(a, b), Math.min],
      ];
      for (const [as, bs] of shapes) {
        const a = rnd(as);
        const b = rnd(bs);
        for (const [name, f, g] of ops) {
          const y = f(a.t, b.t);
          const ref = broadcastNaive(a.d, as, b.d, bs, g);
          assert.deepEqual(y.shape, ref.shape, `${name} [${as}]∘[${bs}] shape`);
          assertClose(y.data(), ref.data, { rtol: 1e-13, atol: 1e-14 }, `${name} [${as}]∘[${bs}]`);
        }
      }
      assert.throws(() => ones([2, 3]).add(ones([4])), /size of tensor a \(3\) must match the size of tensor b \(4\)/);
    }));

  test('unary functions', () =>
    tidy(() => {
      const { t, d } = rnd([20]);
      const pos = t.abs().add(0.1);
      const dp = Array.from(d, (x) => Math.abs(x) + 0.1);
      const cases: [string, Tensor, number[]][] = [
        ['neg', t.neg(), Array.from(d, (x) => -x)],
        ['abs', t.abs(), Array.from(d, Math.abs)],
        ['sqrt', pos.sqrt(), dp.map(Math.sqrt)],
        ['rsqrt', pos.rsqrt(), dp.map((x) => 1 / Math.sqrt(x))],
        ['square', t.square(), Array.from(d, (x) => x * x)],
        ['exp', t.exp(), Array.from(d, Math.exp)],
        ['log', pos.log(), dp.map(Math.log)],
        ['log1p', pos.log1p(), dp.map(Math.log1p)],
        ['reciprocal', pos.reciprocal(), dp.map((x) => 1 / x)],
        ['sign', t.sign(), Array.from(d, Math.sign)],
        ['floor', t.mul(3).floor(), Array.from(d, (x) => Math.floor(3 * x))],
        ['sin', t.sin(), Array.from(d, Math.sin)],
        ['cos', t.cos(), Array.from(d, Math.cos)],
        ['tanh', t.tanh(), Array.from(d, Math.tanh)],
        ['sigmoid', t.sigmoid(), Array.from(d, (x) => 1 / (1 + Math.exp(-x)))],
        ['relu', t.relu(), Array.from(d, (x) => Math.max(0, x))],
        ['clamp', t.clamp(-0.5, 0.25), Array.from(d, (x) => Math.min(0.25, Math.max(-0.5, x)))],
        ['clamp min', t.clamp(0), Array.from(d, (x) => Math.max(0, x))],
        ['clamp max', t.clamp(null, 0), Array.from(d, (x) => Math.min(0, x))],
      ];
      for (const [name, y, ref] of cases) assertClose(y.data(), ref, { rtol: 1e-13, atol: 1e-15 }, name);
      // round: half to even, as IEEE rint
      assertEqualArrays(tensor([0.5, 1.5, 2.5, -0.5, 2.4], { dtype: 'float64' }).round().data(), [0, 2, 2, -0, 2]);
    }));

  test('type promotion: int stays int with int scalars, becomes float with float scalars', () =>
    tidy(() => {
      const i = tensor(new BigInt64Array([1n, 2n, 3n]));
      assert.equal(i.mul(2).dtype, 'int64');
      assertEqualArrays(i.mul(2).data(), [2, 4, 6]);
      assert.equal(i.add(0.5).dtype, 'float32');
      assertEqualArrays(i.add(0.5).data(), [1.5, 2.5, 3.5]);
      assert.equal(i.div(2).dtype, 'float32'); // true division
      assertEqualArrays(i.div(2).data(), [0.5, 1, 1.5]);
      const f = tensor([1, 2]);
      assert.equal(f.mul(2).dtype, 'float32'); // an integral JS number does not make a float tensor double
      assert.equal(f.add(tensor([1], { dtype: 'float64' })).dtype, 'float64');
      assert.equal(i.float().dtype, 'float32');
      assert.equal(f.double().dtype, 'float64');
      assert.equal(f.long().dtype, 'int64');
      assert.equal(f.to({ dtype: 'int32' }).dtype, 'int32');
      assert.equal(f.to('cpu').device, 'cpu');
    }));

  test('in-place ops change the tensor itself and return it', () =>
    tidy(() => {
      const a = rnd([6]);
      const b = rnd([6]);
      const c = rnd([6]);
      const x = a.t.clone();
      const ref = Array.from(a.d);
      const bd = (i: number) => b.d[i] as number;
      const cd = (i: number) => c.d[i] as number;
      const cPos = c.t.abs().add(1);
      const steps: [string, () => Tensor, (v: number, i: number) => number][] = [
        ['add_', () => x.add_(b.t, 2), (v, i) => v + 2 * bd(i)],
        ['sub_', () => x.sub_(1.5), (v) => v - 1.5],
        ['mul_', () => x.mul_(c.t), (v, i) => v * cd(i)],
        ['div_', () => x.div_(3), (v) => v / 3],
        ['addcmul_', () => x.addcmul_(b.t, c.t, 0.5), (v, i) => v + 0.5 * bd(i) * cd(i)],
        ['addcdiv_', () => x.addcdiv_(b.t, cPos, -2), (v, i) => v - (2 * bd(i)) / (Math.abs(cd(i)) + 1)],
        ['lerp_', () => x.lerp_(b.t, 0.25), (v, i) => v + 0.25 * (bd(i) - v)],
        ['clamp_', () => x.clamp_(-0.3, 0.3), (v) => Math.min(0.3, Math.max(-0.3, v))],
        ['sqrt_', () => x.add_(1).sqrt_(), (v) => Math.sqrt(v + 1)],
        ['copy_', () => x.copy_(c.t), (_, i) => cd(i)],
        ['fill_', () => x.fill_(2.5), () => 2.5],
        ['zero_', () => x.zero_(), () => 0],
      ];
      for (const [name, run, update] of steps) {
        assert.equal(run(), x, `${name} returns this`);
        ref.forEach((v, i) => {
          ref[i] = update(v, i);
        });
        assertClose(x.data(), ref, { rtol: 1e-13, atol: 1e-15 }, name);
      }
      // In place through a view writes into the base tensor.
      const base = zeros([2, 3], { dtype: 'float64' });
      base.select(0, 1).fill_(4);
      assertEqualArrays(base.data(), [0, 0, 0, 4, 4, 4]);
    }));
});

describe('reductions', () => {
  const shape = [2, 3, 4];
  const dimsCases: number[][] = [[0], [1], [2], [0, 2], [1, 2]];

  test('sum and mean over dims, keepdim, and over everything', () =>
    tidy(() => {
      const { t, d } = rnd(shape);
      for (const dims of dimsCases) {
        for (const keepdim of [false, true]) {
          const s = reduceNaive(d, shape, dims, 0, (a, x) => a + x, keepdim);
          const ts = t.sum(dims, keepdim);
          assert.deepEqual(ts.shape, s.shape, `sum ${dims} keepdim=${keepdim}`);
          assertClose(ts.data(), s.data, { rtol: 1e-12, atol: 1e-14 }, `sum ${dims}`);
          const count = dims.reduce((a, k) => a * (shape[k] as number), 1);
          const tm = t.mean(dims, keepdim);
          assert.deepEqual(tm.shape, s.shape);
          assertClose(
            tm.data(),
            s.data.map((v) => v / count),
            { rtol: 1e-12, atol: 1e-14 },
            `mean ${dims}`,
          );
        }
      }
      assertClose(t.sum(-1).data(), reduceNaive(d, shape, [2], 0, (a, x) => a + x).data, { rtol: 1e-12 });
      const total = d.reduce((a, b) => a + b, 0);
      assert.deepEqual(t.sum().shape, []);
      assertClose(t.sum().item(), total, { rtol: 1e-12 });
      assertClose(t.mean().item(), total / 24, { rtol: 1e-12 });
      assertClose(
        t.prod().item(),
        d.reduce((a, b) => a * b, 1),
        { rtol: 1e-12 },
      );
    }));

  test('max/min/argmax/argmin (all elements and along a dim)', () =>
    tidy(() => {
      const { t, d } = rnd(shape);
      assert.equal(t.max().item(), Math.max(...d));
      assert.equal(t.min().item(), Math.min(...d));
      assert.equal(t.argmax().item(), d.indexOf(Math.max(...d)));
      assert.equal(t.argmin().item(), d.indexOf(Math.min(...d)));
      for (const dim of [0, 1, 2]) {
        const mx = t.maxDim(dim);
        const mn = t.minDim(dim, true);
        const refMax = reduceNaive(d, shape, [dim], Number.NEGATIVE_INFINITY, Math.max);
        const refMin = reduceNaive(d, shape, [dim], Number.POSITIVE_INFINITY, Math.min, true);
        assertEqualArrays(mx.values.data(), refMax.data);
        assert.deepEqual(mn.values.shape, refMin.shape);
        assertEqualArrays(mn.values.data(), refMin.data);
        // indices: where along `dim` the extreme value sits
        const outShape = shape.filter((_, k) => k !== dim);
        const argRef = build(outShape, (o) => {
          let best = 0;
          for (let j = 1; j < (shape[dim] as number); j++) {
            const full = [...o];
            full.splice(dim, 0, j);
            const bestIdx = [...o];
            bestIdx.splice(dim, 0, best);
            if (at(d, shape, full) > at(d, shape, bestIdx)) best = j;
          }
          return best;
        });
        assertEqualArrays(mx.indices.data(), argRef);
        assertEqualArrays(t.argmax(dim).data(), argRef);
        assert.deepEqual(
          t.argmax(dim, true).shape,
          shape.map((s, k) => (k === dim ? 1 : s)),
        );
        assertEqualArrays(mn.indices.flatten().data(), t.argmin(dim).data());
      }
    }));

  test('norm (p = 1, 2, ∞) over dims', () =>
    tidy(() => {
      const { t, d } = rnd(shape);
      const l2 = Math.sqrt(d.reduce((a, x) => a + x * x, 0));
      assertClose(t.norm().item(), l2, { rtol: 1e-12 });
      assertClose(
        t.norm(1).item(),
        d.reduce((a, x) => a + Math.abs(x), 0),
        { rtol: 1e-12 },
      );
      assertClose(t.norm(Number.POSITIVE_INFINITY).item(), Math.max(...Array.from(d, Math.abs)), { rtol: 0 });
      const rows = reduceNaive(d, shape, [2], 0, (a, x) => a + x * x, true);
      const n2 = t.norm(2, 2, true);
      assert.deepEqual(n2.shape, [2, 3, 1]);
      assertClose(n2.data(), rows.data.map(Math.sqrt), { rtol: 1e-12 });
      const n3 = t.norm(3, [0, 1]);
      assertClose(
        n3.data(),
        reduceNaive(d, shape, [0, 1], 0, (a, x) => a + Math.abs(x) ** 3).data.map((v) => v ** (1 / 3)),
        { rtol: 1e-12 },
      );
    }));

  test('logsumexp, var, std (unbiased and biased), cumsum', () =>
    tidy(() => {
      const { t, d } = rnd(shape);
      for (const dims of dimsCases) {
        const lse = reduceNaive(d, shape, dims, 0, (a, x) => a + Math.exp(x)).data.map(Math.log);
        assertClose(t.logsumexp(dims).data(), lse, { rtol: 1e-12 }, `logsumexp ${dims}`);
        const n = dims.reduce((a, k) => a * (shape[k] as number), 1);
        const mean = reduceNaive(d, shape, dims, 0, (a, x) => a + x, true).data.map((v) => v / n);
        const kept = shape.map((s, i) => (dims.includes(i) ? 1 : s));
        const ss = new Array<number>(mean.length).fill(0);
        for (let i = 0; i < d.length; i++) {
          const o = ravel(
            unravel(i, shape).map((v, k) => (dims.includes(k) ? 0 : v)),
            kept,
          );
          ss[o] = (ss[o] as number) + ((d[i] as number) - (mean[o] as number)) ** 2;
        }
        assertClose(
          t.var(dims).data(),
          ss.map((v) => v / (n - 1)),
          { rtol: 1e-11 },
          `var ${dims}`,
        );
        assertClose(
          t.var(dims, false, 0).data(),
          ss.map((v) => v / n),
          { rtol: 1e-11 },
          `biased var ${dims}`,
        );
        assertClose(
          t.std(dims, true).data(),
          ss.map((v) => Math.sqrt(v / (n - 1))),
          { rtol: 1e-11 },
          `std ${dims}`,
        );
        assert.deepEqual(t.std(dims, true).shape, kept);
      }
      // large values: logsumexp must not overflow
      assertClose(tensor([1000, 1000], { dtype: 'float64' }).logsumexp(0).item(), 1000 + Math.LN2, { rtol: 1e-15 });
      const all = d.reduce((a, b) => a + b, 0) / d.length;
      assertClose(t.var().item(), d.reduce((a, x) => a + (x - all) ** 2, 0) / (d.length - 1), { rtol: 1e-12 });
      const cs = t.cumsum(1);
      assertClose(
        cs.data(),
        build(shape, ([i, j, k]) => {
          let s = 0;
          for (let q = 0; q <= (j as number); q++) s += at(d, shape, [i as number, q, k as number]);
          return s;
        }),
        { rtol: 1e-12, atol: 1e-14 },
      );
    }));

  test('all, any, topk, sort', () =>
    tidy(() => {
      assert.equal(tensor([1, 2, 3]).gt(0).all().item(), 1);
      assert.equal(tensor([1, -2, 3]).gt(0).all().item(), 0);
      assert.equal(tensor([-1, -2, 3]).gt(0).any().item(), 1);
      assert.equal(tensor([-1, -2]).gt(0).any().item(), 0);
      const { t, d } = rnd([3, 7]);
      const tk = t.topk(3, 1);
      const st = t.sort(1, true);
      const asc = t.sort(-1);
      for (let i = 0; i < 3; i++) {
        const row = Array.from(d.slice(i * 7, i * 7 + 7));
        const order = row.map((_, j) => j).sort((a, b) => (row[b] as number) - (row[a] as number));
        assertEqualArrays(
          (tk.values.data() as Float64Array).slice(i * 3, i * 3 + 3),
          order.slice(0, 3).map((j) => row[j] as number),
        );
        assertEqualArrays((tk.indices.data() as BigInt64Array).slice(i * 3, i * 3 + 3), order.slice(0, 3));
        assertEqualArrays((st.indices.data() as BigInt64Array).slice(i * 7, i * 7 + 7), order);
        assertEqualArrays(
          (asc.values.data() as Float64Array).slice(i * 7, i * 7 + 7),
          [...row].sort((a, b) => a - b),
        );
      }
      const small = t.topk(2, 1, false);
      assertEqualArrays(
        (small.values.data() as Float64Array).slice(0, 2),
        Array.from(d.slice(0, 7))
          .sort((a, b) => a - b)
          .slice(0, 2),
      );
    }));
});

describe('comparisons', () => {
  test('eq/ne/lt/le/gt/ge with scalars and tensors give bool tensors', () =>
    tidy(() => {
      const a = tensor([1, 2, 3, 4, 5, 2], { dtype: 'float64' });
      const b = tensor([5, 2, 1, 4, 0, 3], { dtype: 'float64' });
      const av = a.toArray();
      const bv = b.toArray();
      const cases: [string, Tensor, Tensor, (x: number, y: number) => boolean][] = [
        ['eq', a.eq(b), a.eq(2), (x, y) => x === y],
        ['ne', a.ne(b), a.ne(2), (x, y) => x !== y],
        ['lt', a.lt(b), a.lt(2), (x, y) => x < y],
        ['le', a.le(b), a.le(2), (x, y) => x <= y],
        ['gt', a.gt(b), a.gt(2), (x, y) => x > y],
        ['ge', a.ge(b), a.ge(2), (x, y) => x >= y],
      ];
      for (const [name, tt, ts, f] of cases) {
        assert.equal(tt.dtype, 'bool', name);
        assertEqualArrays(
          tt.data(),
          av.map((x, i) => (f(x, bv[i] as number) ? 1 : 0)),
          `${name} tensor`,
        );
        assertEqualArrays(
          ts.data(),
          av.map((x) => (f(x, 2) ? 1 : 0)),
          `${name} scalar`,
        );
      }
      // broadcasting comparison
      const col = tensor([[1], [3]]);
      const row = tensor([[0, 2, 4]]);
      assertEqualArrays(col.lt(row).data(), [0, 1, 1, 0, 0, 1]);
      const weird = tensor(new Float64Array([0, Number.NaN, Number.POSITIVE_INFINITY, -1]));
      assertEqualArrays(weird.isnan().data(), [0, 1, 0, 0]);
      assertEqualArrays(weird.isfinite().data(), [1, 0, 0, 1]);
      assertEqualArrays(weird.isnan().logicalNot().data(), [1, 0, 1, 1]);
      const w = where(a.gt(b), a, b.neg());
      assertEqualArrays(
        w.data(),
        av.map((x, i) => (x > (bv[i] as number) ? x : -(bv[i] as number))),
      );
      assert.equal(allclose(a, a.add(1e-9)), true);
      assert.equal(allclose(a, a.add(1e-3)), false);
    }));

  test('nonzero, unique, bincount', () =>
    tidy(() => {
      const m = tensor([
        [0, 1, 0],
        [2, 0, 3],
      ]);
      const nz = nonzero(m);
      assert.deepEqual(nz.shape, [3, 2]);
      assertEqualArrays(nz.data(), [0, 1, 1, 0, 1, 2]);
      const u = unique(i64([3, 1, 3, 2, 1, 3]));
      assertEqualArrays(u.values.data(), [1, 2, 3]);
      assertEqualArrays(u.inverse.data(), [2, 0, 2, 1, 0, 2]);
      assertEqualArrays(u.counts.data(), [2, 1, 3]);
      assertEqualArrays(bincount(i64([0, 2, 2, 5]), 7).data(), [1, 0, 2, 0, 0, 1, 0]);
    }));
});

describe('products', () => {
  test('mm, matmul (2-D, batched with broadcasting, vector), bmm, dot', () =>
    tidy(() => {
      const a = rnd([3, 4]);
      const b = rnd([4, 5]);
      const ref = matmulNaive(a.d, b.d, 3, 4, 5);
      assertClose(a.t.mm(b.t).data(), ref, { rtol: 1e-12, atol: 1e-13 }, 'mm');
      assertClose(a.t.matmul(b.t).data(), ref, { rtol: 1e-12, atol: 1e-13 }, 'matmul');
      assertClose(matmul(a.t, b.t).data(), ref, { rtol: 1e-12, atol: 1e-13 }, 'functional matmul');

      const ba = rnd([2, 3, 4]);
      const bb = rnd([2, 4, 5]);
      const bref = [
        ...matmulNaive(ba.d.subarray(0, 12), bb.d.subarray(0, 20), 3, 4, 5),
        ...matmulNaive(ba.d.subarray(12), bb.d.subarray(20), 3, 4, 5),
      ];
      assertClose(ba.t.bmm(bb.t).data(), bref, { rtol: 1e-12, atol: 1e-13 }, 'bmm');
      assertClose(ba.t.matmul(bb.t).data(), bref, { rtol: 1e-12, atol: 1e-13 }, 'batched matmul');
      // [2,3,4] @ [4,5] broadcasts the matrix over the batch
      const bc = ba.t.matmul(b.t);
      assert.deepEqual(bc.shape, [2, 3, 5]);
      assertClose(
        bc.data(),
        [...matmulNaive(ba.d.subarray(0, 12), b.d, 3, 4, 5), ...matmulNaive(ba.d.subarray(12), b.d, 3, 4, 5)],
        { rtol: 1e-12, atol: 1e-13 },
      );
      const v = rnd([4]);
      const mv = a.t.matmul(v.t);
      assert.deepEqual(mv.shape, [3]);
      assertClose(mv.data(), matmulNaive(a.d, v.d, 3, 4, 1), { rtol: 1e-12, atol: 1e-13 });
      const vm = v.t.matmul(b.t);
      assert.deepEqual(vm.shape, [5]);
      assertClose(vm.data(), matmulNaive(v.d, b.d, 1, 4, 5), { rtol: 1e-12, atol: 1e-13 });
      const w = rnd([4]);
      assertClose(
        v.t.dot(w.t).item(),
        v.d.reduce((s, x, i) => s + x * (w.d[i] as number), 0),
        { rtol: 1e-12 },
      );
    }));

  test('einsum against explicit loops', () =>
    tidy(() => {
      const a = rnd([3, 4]);
      const b = rnd([4, 5]);
      assertClose(einsum('ij,jk->ik', a.t, b.t).data(), matmulNaive(a.d, b.d, 3, 4, 5), { rtol: 1e-12, atol: 1e-13 });
      assertClose(
        einsum('ij->ji', a.t).data(),
        build([4, 3], ([j, i]) => at(a.d, [3, 4], [i as number, j as number])),
        { rtol: 0 },
      );
      const sq = rnd([4, 4]);
      assertClose(
        einsum('ii->i', sq.t).data(),
        [0, 1, 2, 3].map((i) => sq.d[i * 5] as number),
        { rtol: 0 },
      );
      assertClose(
        einsum('ii', sq.t).item(),
        [0, 1, 2, 3].reduce((s, i) => s + (sq.d[i * 5] as number), 0),
        {
          rtol: 1e-13,
        },
      );
      const u = rnd([3]);
      const v = rnd([5]);
      assertClose(
        einsum('i,j->ij', u.t, v.t).data(),
        build([3, 5], ([i, j]) => (u.d[i as number] as number) * (v.d[j as number] as number)),
        { rtol: 1e-14 },
      );
      // attention scores: b h q d, b h k d -> b h q k
      const q = rnd([2, 2, 3, 4]);
      const k = rnd([2, 2, 5, 4]);
      const att = einsum('bhqd,bhkd->bhqk', q.t, k.t);
      assert.deepEqual(att.shape, [2, 2, 3, 5]);
      assertClose(
        att.data(),
        build([2, 2, 3, 5], ([bb, h, i, j]) => {
          let s = 0;
          for (let x = 0; x < 4; x++)
            s +=
              at(q.d, [2, 2, 3, 4], [bb as number, h as number, i as number, x]) *
              at(k.d, [2, 2, 5, 4], [bb as number, h as number, j as number, x]);
          return s;
        }),
        { rtol: 1e-12, atol: 1e-13 },
      );
      // three operands with a summed-out index: Σ_j,k a_ij b_jk c_k
      const c = rnd([5]);
      const ab = matmulNaive(a.d, b.d, 3, 4, 5);
      assertClose(
        einsum('ij,jk,k->i', a.t, b.t, c.t).data(),
        [0, 1, 2].map((i) =>
          [0, 1, 2, 3, 4].reduce((s, kk) => s + (ab[i * 5 + kk] as number) * (c.d[kk] as number), 0),
        ),
        { rtol: 1e-12, atol: 1e-13 },
      );
    }));

  test('cdist: pairwise Euclidean and Manhattan distances', () =>
    tidy(() => {
      const a = rnd([4, 3]);
      const b = rnd([5, 3]);
      const dist = (p: number) =>
        build([4, 5], ([i, j]) => {
          let s = 0;
          for (let k = 0; k < 3; k++)
            s += Math.abs(at(a.d, [4, 3], [i as number, k]) - at(b.d, [5, 3], [j as number, k])) ** p;
          return s ** (1 / p);
        });
      assertClose(cdist(a.t, b.t).data(), dist(2), { rtol: 1e-10 });
      assertClose(cdist(a.t, b.t, 1).data(), dist(1), { rtol: 1e-12 });
    }));
});
