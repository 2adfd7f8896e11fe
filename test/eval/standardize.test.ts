/** Per-feature standardization with train statistics, against plain-TypeScript means and stds. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitStandardizer, standardizeFeatures } from '../../src/eval/index.ts';
import { tensor } from '../../src/tensor/index.ts';
import { assertClose } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';

test('train mean and population std per feature; test features use the train statistics', () => {
  const rng = new Rng(31);
  const n = 50;
  const d = 4;
  const train = Array.from({ length: n }, () => [3 + 2 * rng.normal(), -1 + 0.1 * rng.normal(), 7, rng.uniform()]);
  const test = Array.from({ length: 10 }, () => [rng.normal(), rng.normal(), 8, rng.normal()]);
  const mean = Array.from({ length: d }, (_, j) => train.reduce((s, r) => s + r[j]!, 0) / n);
  const std = mean.map((m, j) => Math.sqrt(train.reduce((s, r) => s + (r[j]! - m) ** 2, 0) / n));
  std[2] = 1; // the constant feature is centred, not scaled
  const tr = tensor(Float64Array.from(train.flat()), [n, d]);
  const te = tensor(Float64Array.from(test.flat()), [10, d]);
  const s = fitStandardizer(tr);
  assertClose(s.mean.toArray(), mean, { rtol: 1e-12, atol: 1e-12 }, 'mean');
  assertClose(s.std.toArray(), std, { rtol: 1e-12, atol: 1e-12 }, 'std');
  s.dispose();
  const [a, b] = standardizeFeatures(tr, te);
  const expect = (rows: number[][]) => rows.flatMap((r) => r.map((v, j) => (v - mean[j]!) / std[j]!));
  assertClose(a!.toArray(), expect(train), { rtol: 1e-12, atol: 1e-12 }, 'train');
  assertClose(b!.toArray(), expect(test), { rtol: 1e-12, atol: 1e-12 }, 'test');
  assert.equal(a!.dtype, 'float64', 'float64 stays float64');
  assert.throws(() => fitStandardizer(tensor(new Float32Array(4), [4])), /N×d/);
  for (const t of [tr, te, a!, b!]) t.dispose();
});
