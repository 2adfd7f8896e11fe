/**
 * Tensor creation: constants, ranges, host data round trips for every dtype,
 * seeded random tensors and their statistics, generator state.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import {
  arange,
  eye,
  full,
  fullLike,
  Generator,
  linspace,
  manualSeed,
  normal,
  ones,
  onesLike,
  rand,
  randint,
  randn,
  randperm,
  type Tensor,
  tensor,
  tidy,
  zeros,
  zerosLike,
} from '../../src/tensor/index.ts';
import { assertClose, assertEqualArrays } from '../helpers/close.ts';

/** Sample mean and (biased) standard deviation computed in float64. */
function moments(xs: ArrayLike<number>): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] as number;
  const mean = s / xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += ((xs[i] as number) - mean) ** 2;
  return { mean, std: Math.sqrt(v / xs.length) };
}

describe('constants and ranges', () => {
  test('zeros/ones/full: shape, dtype, values', () =>
    tidy(() => {
      const z = zeros([2, 3]);
      assert.deepEqual(z.shape, [2, 3]);
      assert.equal(z.dtype, 'float32');
      assert.ok(z.data() instanceof Float32Array);
      assertEqualArrays(z.data(), [0, 0, 0, 0, 0, 0]);

      const o = ones([4], { dtype: 'float64' });
      assert.equal(o.dtype, 'float64');
      assert.ok(o.data() instanceof Float64Array);
      assertEqualArrays(o.data(), [1, 1, 1, 1]);

      const oi = ones([2, 2], { dtype: 'int64' });
      assert.equal(oi.dtype, 'int64');
      assert.deepEqual(Array.from(oi.data() as BigInt64Array), [1n, 1n, 1n, 1n]);

      const f = full([3, 1], 3.25);
      assert.deepEqual(f.shape, [3, 1]);
      assertEqualArrays(f.data(), [3.25, 3.25, 3.25]);
      const fi = full([2], -7, { dtype: 'int32' });
      assert.equal(fi.dtype, 'int32');
      assert.ok(fi.data() instanceof Int32Array);
      assertEqualArrays(fi.data(), [-7, -7]);
      const fb = full([2], 1, { dtype: 'bool' });
      assert.equal(fb.dtype, 'bool');
      assertEqualArrays(fb.data(), [1, 1]);

      assert.deepEqual(zeros([0, 3]).shape, [0, 3]);
      assert.equal(zeros([]).numel, 1);
      assert.equal(zeros([2], { requiresGrad: true }).requiresGrad, true);
    }));

  test('zerosLike/onesLike/fullLike keep shape and dtype', () =>
    tidy(() => {
      const x = ones([2, 5], { dtype: 'float64' });
      for (const [t, v] of [
        [zerosLike(x), 0],
        [onesLike(x), 1],
        [fullLike(x, 2.5), 2.5],
      ] as [Tensor, number][]) {
        assert.deepEqual(t.shape, [2, 5]);
        assert.equal(t.dtype, 'float64');
        assert.deepEqual(t.toArray(), new Array(10).fill(v));
      }
    }));

  test('bad shapes are rejected with a RangeError naming the function', () => {
    assert.throws(() => zeros([2, -1]), /zeros: shape must hold non-negative integers/);
    assert.throws(() => ones([1.5]), /ones: shape/);
    assert.throws(() => randn([Number.NaN]), /randn: shape/);
  });

  test('arange: integer args give int64, fractional give float32', () =>
    tidy(() => {
      const a = arange(5);
      assert.equal(a.dtype, 'int64');
      assertEqualArrays(a.data(), [0, 1, 2, 3, 4]);
      assertEqualArrays(arange(2, 11, 3).data(), [2, 5, 8]);
      assertEqualArrays(arange(5, 0, -2).data(), [5, 3, 1]);
      const f = arange(1, 2, 0.25);
      assert.equal(f.dtype, 'float32');
      assertEqualArrays(f.data(), [1, 1.25, 1.5, 1.75]);
      const d = arange(0, 3, 1, { dtype: 'float64' });
      assert.equal(d.dtype, 'float64');
      assertEqualArrays(d.data(), [0, 1, 2]);
      assert.equal(arange(0).numel, 0);
    }));

  test('linspace: endpoints included, equal steps', () =>
    tidy(() => {
      assertClose(linspace(0, 1, 5).data(), [0, 0.25, 0.5, 0.75, 1], { atol: 0, rtol: 0 });
      const l = linspace(-3, 7, 11, { dtype: 'float64' });
      assert.equal(l.dtype, 'float64');
      assertClose(
        l.data(),
        Array.from({ length: 11 }, (_, i) => -3 + i),
        { atol: 1e-12 },
      );
      assertEqualArrays(linspace(2, 2, 1).data(), [2]);
    }));

  test('eye: square and rectangular identity', () =>
    tidy(() => {
      assertEqualArrays(eye(3).data(), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
      const r = eye(2, 4, { dtype: 'int64' });
      assert.deepEqual(r.shape, [2, 4]);
      assert.equal(r.dtype, 'int64');
      assertEqualArrays(r.data(), [1, 0, 0, 0, 0, 1, 0, 0]);
    }));
});

describe('tensor() from host data', () => {
  test('typed arrays of every dtype round trip through data()', () =>
    tidy(() => {
      const cases: [ArrayBufferView & ArrayLike<number | bigint>, string, new (n: number) => unknown][] = [
        [new Float32Array([1.5, -2.25, 3e-8, 1e30, -0, 7]), 'float32', Float32Array],
        [new Float64Array([0.1, -1e-300, Math.PI, 1e300, 2 ** 53, -5]), 'float64', Float64Array],
        [new BigInt64Array([0n, -1n, 2n ** 62n + 1n, -(2n ** 63n), 2n ** 63n - 1n, 42n]), 'int64', BigInt64Array],
        [new Int32Array([0, -1, 2 ** 31 - 1, -(2 ** 31), 17, 3]), 'int32', Int32Array],
        [new Uint8Array([0, 1, 127, 128, 255, 9]), 'uint8', Uint8Array],
      ];
      for (const [arr, dtype, ctor] of cases) {
        const t = tensor(arr as Float32Array, [2, 3]);
        assert.equal(t.dtype, dtype);
        assert.deepEqual(t.shape, [2, 3]);
        const back = t.data();
        assert.ok(back instanceof (ctor as typeof Float32Array), `${dtype} comes back as ${ctor.name}`);
        assert.deepEqual(Array.from(back as ArrayLike<number>), Array.from(arr as ArrayLike<number>), dtype);
      }
      // 1-D by default.
      assert.deepEqual(tensor(new Float64Array(4)).shape, [4]);
    }));

  test('bool tensors from Uint8Array: non-zero is true, data() gives 0/1 bytes', () =>
    tidy(() => {
      const b = tensor(new Uint8Array([0, 2, 0, 255, 1, 0]), [3, 2], { dtype: 'bool' });
      assert.equal(b.dtype, 'bool');
      assert.deepEqual(b.shape, [3, 2]);
      const d = b.data();
      assert.ok(d instanceof Uint8Array);
      assertEqualArrays(d, [0, 1, 0, 1, 1, 0]);
      assert.equal(b.sum().item(), 3);
    }));

  test('typed array converted to another dtype', () =>
    tidy(() => {
      const t = tensor(new Float32Array([1.7, -2.2]), { dtype: 'int64' });
      assert.equal(t.dtype, 'int64');
      assertEqualArrays(t.data(), [1, -2]); // truncation toward zero, as a C cast
      const d = tensor(new Int32Array([3, 4]), [2], { dtype: 'float64' });
      assert.ok(d.data() instanceof Float64Array);
      assertEqualArrays(d.data(), [3, 4]);
    }));

  test('typed array of the wrong length for the shape throws', () => {
    assert.throws(() => tensor(new Float32Array(5), [2, 3]), /holds 20 bytes but shape and dtype need 24/);
  });

  test('nested arrays: shape inferred, float32 by default, other dtypes on request', () =>
    tidy(() => {
      const t = tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      assert.deepEqual(t.shape, [2, 3]);
      assert.equal(t.dtype, 'float32');
      assertEqualArrays(t.data(), [1, 2, 3, 4, 5, 6]);

      const t3 = tensor([
        [[1], [2]],
        [[3], [4]],
      ]);
      assert.deepEqual(t3.shape, [2, 2, 1]);

      // float64 keeps 0.1 exactly; float32 rounds it.
      assert.equal(tensor([0.1], { dtype: 'float64' }).data()[0], 0.1);
      assert.equal(tensor([0.1]).data()[0], Math.fround(0.1));

      const big = tensor([16777217, -(2 ** 53)], { dtype: 'int64' });
      assert.equal(big.dtype, 'int64');
      // 2^24 + 1 is not representable in float32: the value must not go through float32.
      assert.deepEqual(Array.from(big.data() as BigInt64Array), [16777217n, -(2n ** 53n)]);

      const i32 = tensor([[1, -2]], { dtype: 'int32' });
      assert.ok(i32.data() instanceof Int32Array);
      assertEqualArrays(i32.data(), [1, -2]);
      const u8 = tensor([200, 3], { dtype: 'uint8' });
      assert.ok(u8.data() instanceof Uint8Array);
      assertEqualArrays(u8.data(), [200, 3]);
      const b = tensor([[true, false, true]], { dtype: 'bool' });
      assert.equal(b.dtype, 'bool');
      assertEqualArrays(b.data(), [1, 0, 1]);

      const s = tensor(3.5);
      assert.deepEqual(s.shape, []);
      assert.equal(s.item(), 3.5);
      assert.equal(tensor([[1, 2]], { requiresGrad: true }).requiresGrad, true);
    }));

  test('ragged nested arrays throw', () => {
    assert.throws(() => tensor([[1, 2], [3]]), /ragged/);
  });

  test('data() of a non-contiguous view is in logical row-major order', () =>
    tidy(() => {
      const t = tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]).t();
      assert.equal(t.isContiguous(), false);
      assertEqualArrays(t.data(), [1, 4, 2, 5, 3, 6]);
      assert.deepEqual(t.toArray(), [1, 4, 2, 5, 3, 6]);
    }));
});

describe('random tensors', () => {
  const draws: [string, (g: Generator) => Tensor][] = [
    ['rand', (g) => rand([64], { generator: g })],
    ['randn', (g) => randn([64], { generator: g, dtype: 'float64' })],
    ['randint', (g) => randint(0, 1000, [64], { generator: g })],
    ['randperm', (g) => randperm(64, { generator: g })],
    ['normal', (g) => normal([64], 2, 3, { generator: g })],
  ];
  for (const [name, draw] of draws) {
    test(`${name}: same seed gives identical values, different seeds differ`, () =>
      tidy(() => {
        const a = draw(new Generator(1234)).toArray();
        const b = draw(new Generator(1234)).toArray();
        const c = draw(new Generator(1235)).toArray();
        assert.deepEqual(a, b);
        assert.notDeepEqual(a, c);
        // Two successive draws from one generator differ (the stream advances).
        const g = new Generator(1234);
        assert.notDeepEqual(draw(g).toArray(), draw(g).toArray());
      }));
  }

  test('manualSeed makes the global generator reproducible', () =>
    tidy(() => {
      manualSeed(99);
      const a = randn([16]).toArray();
      manualSeed(99);
      const b = randn([16]).toArray();
      manualSeed(100);
      const c = randn([16]).toArray();
      assert.deepEqual(a, b);
      assert.notDeepEqual(a, c);
    }));

  test('randn: mean ≈ 0, std ≈ 1 over 10⁵ samples (4σ bounds)', () =>
    tidy(() => {
      const n = 100_000;
      const { mean, std } = moments(
        randn([n], { generator: new Generator(7), dtype: 'float64' }).data() as Float64Array,
      );
      // se(mean) = 1/√n, se(std) ≈ 1/√(2n) for a normal sample.
      assert.ok(Math.abs(mean) < 4 / Math.sqrt(n), `mean ${mean}`);
      assert.ok(Math.abs(std - 1) < 4 / Math.sqrt(2 * n), `std ${std}`);
    }));

  test('normal(mean, std) shifts and scales', () =>
    tidy(() => {
      const n = 100_000;
      const { mean, std } = moments(normal([n], -3, 0.5, { generator: new Generator(8) }).data() as Float32Array);
      assert.ok(Math.abs(mean + 3) < (4 * 0.5) / Math.sqrt(n), `mean ${mean}`);
      assert.ok(Math.abs(std - 0.5) < (4 * 0.5) / Math.sqrt(2 * n), `std ${std}`);
    }));

  test('rand: in [0, 1), mean ≈ 1/2, variance ≈ 1/12', () =>
    tidy(() => {
      const n = 100_000;
      const x = rand([n], { generator: new Generator(9) }).data() as Float32Array;
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const v of x) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      assert.ok(lo >= 0 && hi < 1, `range [${lo}, ${hi}]`);
      const { mean, std } = moments(x);
      const sd = Math.sqrt(1 / 12);
      assert.ok(Math.abs(mean - 0.5) < (4 * sd) / Math.sqrt(n), `mean ${mean}`);
      // Var of the sample variance of U(0,1): (μ4 − σ⁴)/n with μ4 = 1/80.
      assert.ok(Math.abs(std ** 2 - 1 / 12) < 4 * Math.sqrt((1 / 80 - 1 / 144) / n), `var ${std ** 2}`);
    }));

  test('randint: values in [low, high), every value hit, frequencies uniform', () =>
    tidy(() => {
      const n = 60_000;
      const x = randint(3, 9, [n], { generator: new Generator(10) });
      assert.equal(x.dtype, 'int64');
      const counts = new Map<number, number>();
      for (const v of x.toArray()) counts.set(v, (counts.get(v) ?? 0) + 1);
      assert.deepEqual(
        [...counts.keys()].sort((a, b) => a - b),
        [3, 4, 5, 6, 7, 8],
      );
      // Each count is Binomial(n, 1/6): sd = √(n·(1/6)·(5/6)).
      const sd = Math.sqrt((n * 5) / 36);
      for (const [v, c] of counts) assert.ok(Math.abs(c - n / 6) < 4 * sd, `value ${v} drawn ${c} times`);
      assert.equal(randint(0, 5, [2], { dtype: 'int32', generator: new Generator(1) }).dtype, 'int32');
    }));

  test('randperm is a permutation and not the identity', () =>
    tidy(() => {
      const n = 1000;
      const p = randperm(n, { generator: new Generator(11) }).toArray();
      assert.equal(p.length, n);
      assert.deepEqual(
        [...p].sort((a, b) => a - b),
        Array.from({ length: n }, (_, i) => i),
      );
      const fixed = p.filter((v, i) => v === i).length;
      assert.ok(fixed < 10, `${fixed} fixed points`); // E = 1 for a uniform permutation
    }));

  test('Generator getState/setState resumes the exact stream', () =>
    tidy(() => {
      const g = new Generator(2024);
      randn([37], { generator: g }); // advance past the start
      const state = g.getState();
      assert.equal(state.dtype, 'uint8');
      const a = randn([100], { generator: g }).toArray();
      const a2 = rand([10], { generator: g }).toArray();
      g.setState(state);
      assert.deepEqual(randn([100], { generator: g }).toArray(), a);
      assert.deepEqual(rand([10], { generator: g }).toArray(), a2);
      // The state moves to another generator too.
      const other = new Generator(1);
      other.setState(state);
      assert.deepEqual(randn([100], { generator: other }).toArray(), a);
    }));

  test('Generator.seed restarts the stream', () =>
    tidy(() => {
      const g = new Generator(5);
      const first = randn([20], { generator: g }).toArray();
      randn([20], { generator: g });
      g.seed(5);
      assert.deepEqual(randn([20], { generator: g }).toArray(), first);
    }));

  test('invalid seeds throw a RangeError', () => {
    assert.throws(() => new Generator(-1), RangeError);
    assert.throws(() => new Generator(1.5), /seed must be a non-negative integer, got 1.5/);
    assert.throws(() => manualSeed(Number.NaN), RangeError);
  });
});

test('console.log shows shape, dtype and, for small tensors, the values', () => {
  assert.equal(
    inspect(
      tensor([
        [1, 2.5],
        [3, 4],
      ]),
    ),
    'Tensor(shape=[2,2], dtype=float32, device=cpu) [[1, 2.500], [3, 4]]',
  );
  assert.equal(inspect(ones([2]).gt(0)), 'Tensor(shape=[2], dtype=bool, device=cpu) [true, true]');
  assert.equal(inspect(ones([10, 10])), 'Tensor(shape=[10,10], dtype=float32, device=cpu)');
  const gone = ones([1]);
  gone.dispose();
  assert.equal(inspect(gone), 'Tensor(disposed)');
});
