/**
 * Long-tailed class counts against their closed forms (exponential, pareto,
 * step profiles), and long-tailed subsets of MNIST checked image by image.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LabeledDataset } from '../../src/data/dataset.ts';
import {
  imbalanceRatio,
  type LongTailProfile,
  longTailCounts,
  longTailCountsFromMax,
  longTailSubset,
  relativeGap,
} from '../../src/data/long-tail.ts';
import { mnist } from '../../src/data/mnist.ts';
import { tensor } from '../../src/tensor/index.ts';

/** The exact (unrounded) shares q_c = n·w_c/Σw, from the formulas of the paper / DESIGN.md written out here. */
function exactShares(C: number, n: number, r: number, profile: LongTailProfile, stepFraction = 0.5): number[] {
  let w: number[];
  if (profile === 'exponential') w = Array.from({ length: C }, (_, c) => Math.exp((Math.log(r) * c) / (C - 1)));
  else if (profile === 'pareto') {
    const alpha = Math.log(1 / r) / Math.log(C);
    w = Array.from({ length: C }, (_, c) => Math.exp(-alpha * Math.log(c + 1)));
  } else {
    const rare = Math.floor(stepFraction * C);
    w = Array.from({ length: C }, (_, c) => (c < C - rare ? 1 : r));
  }
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => (n * v) / s);
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe('longTailCounts', () => {
  const profiles: LongTailProfile[] = ['exponential', 'pareto', 'step'];
  for (const profile of profiles) {
    test(`${profile}: sums to n, each count within 1 of the closed form, ratio within the rounding bound`, () => {
      let checked = 0;
      for (const C of [2, 3, 10, 37, 100]) {
        for (const n of [1000, 12345, 50000]) {
          for (const r of [1, 0.5, 0.1, 0.01]) {
            const q = exactShares(C, n, r, profile);
            if (Math.min(...q) < 1) continue; // n too small for r: covered by the error test
            const counts = longTailCounts({ numClasses: C, n, ratio: r, profile });
            const what = `${profile} C=${C} n=${n} r=${r}`;
            assert.equal(counts.length, C, what);
            assert.equal(sum(counts), n, `${what}: sum`);
            // largest-remainder rounding: each count is ⌊q⌋ or ⌈q⌉, and exactly n − Σ⌊q⌋ are rounded up
            counts.forEach((k, c) => {
              assert.ok(Math.abs(k - q[c]) < 1, `${what}: class ${c} count ${k} vs exact ${q[c]}`);
              assert.ok(k === Math.floor(q[c]) || k === Math.ceil(q[c]), `${what}: class ${c}`);
            });
            for (let c = 1; c < C; c++) assert.ok(counts[c] <= counts[c - 1], `${what}: non-increasing at ${c}`);
            // min/max of counts within ±1 of q_min, q_max ⇒ the ratio lies in [(q_min−1)/(q_max+1), (q_min+1)/(q_max−1)]
            const qMin = Math.min(...q);
            const qMax = Math.max(...q);
            const ratio = imbalanceRatio(counts);
            assert.ok(ratio >= (qMin - 1) / (qMax + 1) && ratio <= (qMin + 1) / (qMax - 1), `${what}: ratio ${ratio}`);
            assert.ok(Math.abs(qMin / qMax - r) < 1e-12, `${what}: the reference's exact ratio`);
            checked++;
          }
        }
      }
      assert.ok(checked > 40, `only ${checked} cases checked`);
    });
  }

  test('exponential, hand-checked: C = 3, r = 0.25 gives weights 1, 0.5, 0.25', () => {
    // 700·(1, 0.5, 0.25)/1.75 = 400, 200, 100 exactly
    assert.deepEqual(longTailCounts({ numClasses: 3, n: 700, ratio: 0.25 }), [400, 200, 100]);
  });

  test('pareto, hand-checked: C = 4, r = 1/4 gives α = 1, weights 1, 1/2, 1/3, 1/4', () => {
    // Σ = 25/12; n = 2500 → 1200, 600, 400, 300
    assert.deepEqual(longTailCounts({ numClasses: 4, n: 2500, ratio: 0.25, profile: 'pareto' }), [1200, 600, 400, 300]);
  });

  test('step has exactly two levels with ratio r, and the rare fraction is respected', () => {
    // 5·a + 5·(a/10) = 11000 → a = 2000
    const counts = longTailCounts({ numClasses: 10, n: 11000, ratio: 0.1, profile: 'step' });
    assert.deepEqual(counts, [2000, 2000, 2000, 2000, 2000, 200, 200, 200, 200, 200]);
    // ⌊0.3·10⌋ = 3 rare classes: 7a + 3a/2 = 8500 → a = 1000
    const c3 = longTailCounts({ numClasses: 10, n: 8500, ratio: 0.5, profile: 'step', stepFraction: 0.3 });
    assert.deepEqual(c3, [1000, 1000, 1000, 1000, 1000, 1000, 1000, 500, 500, 500]);
    // not divisible: still two clusters, each of spread ≤ 1
    const c = longTailCounts({ numClasses: 7, n: 5003, ratio: 0.2, profile: 'step' });
    const hi = c.slice(0, 4);
    const lo = c.slice(4);
    assert.ok(Math.max(...hi) - Math.min(...hi) <= 1 && Math.max(...lo) - Math.min(...lo) <= 1, `${c}`);
    assert.equal(sum(c), 5003);
  });

  test('r = 1 is balanced (within 1) for every profile', () => {
    for (const profile of ['exponential', 'pareto', 'step'] as const) {
      const c = longTailCounts({ numClasses: 7, n: 1000, ratio: 1, profile });
      assert.equal(sum(c), 1000);
      assert.ok(Math.max(...c) - Math.min(...c) <= 1, `${profile}: ${c}`);
    }
    assert.deepEqual(longTailCounts({ numClasses: 4, n: 400, ratio: 1 }), [100, 100, 100, 100]);
  });

  test('errors: ratio outside (0, 1], n below C, n too small for the ratio, bad profile', () => {
    for (const ratio of [0, -0.1, 1.5, Number.NaN])
      assert.throws(
        () => longTailCounts({ numClasses: 10, n: 1000, ratio }),
        /longTail: ratio must be a number in \(0, 1\], got /,
      );
    assert.throws(() => longTailCounts({ numClasses: 10, n: 9, ratio: 0.5 }), /n must be an integer ≥ numClasses = 10/);
    assert.throws(() => longTailCounts({ numClasses: 10, n: 100.5, ratio: 0.5 }), /n must be an integer/);
    // exponential, r = 0.01: the rarest share is 50·0.01/Σ ≈ 0.2 → rounds to 0
    assert.throws(() => longTailCounts({ numClasses: 10, n: 50, ratio: 0.01 }), /rounds to 0; use n ≥ \d+/);
    assert.throws(
      () => longTailCounts({ numClasses: 10, n: 100, ratio: 0.5, profile: 'zipf' as LongTailProfile }),
      /profile must be/,
    );
    assert.throws(() => longTailCounts({ numClasses: 0, n: 100, ratio: 0.5 }), /numClasses must be a positive integer/);
    assert.throws(
      () => longTailCounts({ numClasses: 4, n: 100, ratio: 0.5, profile: 'step', stepFraction: 2 }),
      /stepFraction/,
    );
  });
});

describe('the profiles of Liu et al. (2022) on CIFAR-10, hand-computed', () => {
  test('step, 5 × many + 5 × few at an exact total: n = 25,250, r = 0.01 → 5 × 5000 + 5 × 50', () => {
    // 5a + 5·(a/100) = 25250 → a = 5000
    assert.deepEqual(
      longTailCounts({ numClasses: 10, n: 25250, ratio: 0.01, profile: 'step' }),
      [5000, 5000, 5000, 5000, 5000, 50, 50, 50, 50, 50],
    );
    // n = 25,253 is not a multiple of the weights: shares 5000.594 × 5, 50.006 × 5 → the 3 leftover go to ranks 0–2
    assert.deepEqual(
      longTailCounts({ numClasses: 10, n: 25253, ratio: 0.01, profile: 'step' }),
      [5001, 5001, 5001, 5000, 5000, 50, 50, 50, 50, 50],
    );
  });

  test('exponential at an exact total: n = 12,406, r = 0.01', () => {
    // shares 12406·0.01^(c/9)/Σ: 4998.765, 2996.681, 1796.463, 1076.951, 645.615, 387.036, 232.022, 139.094,
    // 83.384, 49.988; floors sum to 12,401, the 5 leftover go to the largest fractions (ranks 9, 3, 0, 1, 4)
    assert.deepEqual(
      longTailCounts({ numClasses: 10, n: 12406, ratio: 0.01 }),
      [4999, 2997, 1796, 1077, 646, 387, 232, 139, 83, 50],
    );
  });

  test('from the largest count: the CIFAR-10-LT lists of the literature (⌊5000·r^(c/9)⌋)', () => {
    assert.deepEqual(
      longTailCountsFromMax({ numClasses: 10, nMax: 5000, ratio: 0.01 }),
      [5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50],
    );
    assert.deepEqual(
      longTailCountsFromMax({ numClasses: 10, nMax: 5000, ratio: 0.1 }),
      [5000, 3871, 2997, 2320, 1796, 1391, 1077, 834, 645, 500],
    );
    assert.deepEqual(
      longTailCountsFromMax({ numClasses: 10, nMax: 5000, ratio: 0.01, profile: 'step' }),
      [5000, 5000, 5000, 5000, 5000, 50, 50, 50, 50, 50],
    );
    assert.deepEqual(longTailCountsFromMax({ numClasses: 3, nMax: 7, ratio: 1 }), [7, 7, 7]);
    assert.throws(
      () => longTailCountsFromMax({ numClasses: 10, nMax: 50, ratio: 0.01 }),
      /longTailCountsFromMax: nMax = 50 gives rank 8 ⌊0\.834⌋ = 0 images; use nMax ≥ 100/,
    );
    assert.throws(
      () => longTailCountsFromMax({ numClasses: 10, nMax: 0, ratio: 0.5 }),
      /nMax must be a positive integer, got 0/,
    );
  });
});

describe('imbalanceRatio and relativeGap', () => {
  test('closed forms', () => {
    assert.equal(imbalanceRatio([100, 10, 50]), 0.1);
    assert.equal(imbalanceRatio([7, 7]), 1);
    assert.throws(() => imbalanceRatio([]), /empty/);
    assert.throws(() => imbalanceRatio([0, 0]), /every count is 0/);
    // Δ = (0.9 − 0.81)/0.9 = 0.1
    assert.ok(Math.abs(relativeGap(0.9, 0.81) - 0.1) < 1e-15);
    assert.equal(relativeGap(0.8, 0.8), 0);
    assert.throws(() => relativeGap(0, 0.5), /relativeGap: balancedAcc must be a finite number > 0, got 0/);
  });
});

describe('longTailSubset on MNIST', () => {
  let ds: LabeledDataset;
  let labels: number[];
  before(() => {
    ds = mnist();
    labels = ds.train.labels.toArray();
  });
  after(() => {
    for (const s of [ds.train, ds.test]) {
      s.images.dispose();
      s.labels.dispose();
    }
  });

  test('r = 0.1, n = 10000: planned per-class counts, distinct sorted indices, labels and images at the indices', () => {
    const res = longTailSubset(ds.train, { n: 10000, ratio: 0.1, seed: 3 });
    const q = exactShares(10, 10000, 0.1, 'exponential');
    assert.equal(sum(res.counts), 10000);
    res.counts.forEach((k, c) => {
      assert.ok(Math.abs(k - q[c]) < 1, `class ${c}: ${k} vs ${q[c]}`);
    });
    assert.deepEqual(res.classOrder, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

    const idx = res.indices.toArray();
    assert.equal(res.indices.dtype, 'int64');
    assert.equal(idx.length, 10000);
    for (let i = 0; i < idx.length; i++) {
      assert.ok(idx[i] >= 0 && idx[i] < 60000, `index ${idx[i]}`);
      if (i > 0) assert.ok(idx[i] > idx[i - 1], `indices ascending and distinct at ${i}`);
    }
    const subLabels = res.split.labels.toArray();
    assert.deepEqual(
      subLabels,
      idx.map((i) => labels[i]),
      'labels[indices]',
    );
    const seen = new Array(10).fill(0);
    for (const y of subLabels) seen[y]++;
    assert.deepEqual(seen, res.counts, 'per-class counts of the returned labels');
    assert.deepEqual(res.split.images.shape, [10000, 1, 28, 28]);

    // images: compare a few rows byte by byte with the original
    const all = ds.train.images;
    for (const k of [0, 1234, 9999]) {
      const a = res.split.images.select(0, k).toArray();
      const b = all.select(0, idx[k]).toArray();
      assert.deepEqual(a, b, `image ${k}`);
    }

    const again = longTailSubset(ds.train, { n: 10000, ratio: 0.1, seed: 3 });
    assert.deepEqual(again.indices.toArray(), idx, 'same seed, same indices');
    const other = longTailSubset(ds.train, { n: 10000, ratio: 0.1, seed: 4 });
    const otherIdx = other.indices.toArray();
    assert.deepEqual(other.counts, res.counts);
    const first = new Set(idx);
    const overlap = otherIdx.filter((i) => first.has(i)).length;
    assert.ok(overlap < 9000, `different seed should give different indices (overlap ${overlap})`);
    for (const r of [res, again, other]) {
      r.split.images.dispose();
      r.split.labels.dispose();
      r.indices.dispose();
    }
  });

  test('classOrder: reversed order makes class 9 the most frequent; shuffle is seeded', () => {
    const rev = longTailSubset(ds.train, { n: 5000, ratio: 0.2, seed: 1, classOrder: [9, 8, 7, 6, 5, 4, 3, 2, 1, 0] });
    const plan = longTailCounts({ numClasses: 10, n: 5000, ratio: 0.2 });
    assert.deepEqual(rev.counts, [...plan].reverse());
    const seen = new Array(10).fill(0);
    for (const y of rev.split.labels.toArray()) seen[y]++;
    assert.deepEqual(seen, rev.counts);

    const sh1 = longTailSubset(ds.train, { n: 5000, ratio: 0.2, seed: 11, classOrder: 'shuffle' });
    const sh2 = longTailSubset(ds.train, { n: 5000, ratio: 0.2, seed: 11, classOrder: 'shuffle' });
    assert.deepEqual(sh1.classOrder, sh2.classOrder);
    assert.deepEqual([...sh1.classOrder].sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    sh1.classOrder.forEach((c, k) => {
      assert.equal(sh1.counts[c], plan[k], `rank ${k} = class ${c}`);
    });
    assert.deepEqual(sh1.indices.toArray(), sh2.indices.toArray());
    assert.throws(
      () => longTailSubset(ds.train, { n: 5000, ratio: 0.2, seed: 1, classOrder: [0, 0, 1, 2, 3, 4, 5, 6, 7, 8] }),
      /classOrder must be a permutation of 0…9/,
    );
    for (const r of [rev, sh1, sh2]) {
      r.split.images.dispose();
      r.split.labels.dispose();
      r.indices.dispose();
    }
  });

  test('nMax instead of n: the literature counts, drawn per class; exactly one of n and nMax', () => {
    const res = longTailSubset(ds.train, { nMax: 5000, ratio: 0.01, seed: 2 });
    assert.deepEqual(res.counts, [5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50]);
    const seen = new Array(10).fill(0);
    for (const y of res.split.labels.toArray()) seen[y]++;
    assert.deepEqual(seen, res.counts);
    res.split.images.dispose();
    res.split.labels.dispose();
    res.indices.dispose();
    assert.throws(
      () => longTailSubset(ds.train, { n: 1000, nMax: 500, ratio: 0.1, seed: 0 }),
      /longTailSubset: give exactly one of n \(the total\) and nMax/,
    );
    assert.throws(() => longTailSubset(ds.train, { ratio: 0.1, seed: 0 }), /give exactly one of n/);
  });

  test('a class with too few images is an error naming the class and both counts', () => {
    // n = 40000, r = 0.1: class 0 needs ≈ 9788 images; MNIST's training set has 5923 zeros
    const need = Math.round(exactShares(10, 40000, 0.1, 'exponential')[0]);
    assert.throws(
      () => longTailSubset(ds.train, { n: 40000, ratio: 0.1, seed: 0 }),
      (e: Error) => {
        const m = /class 0 needs (\d+) images but the split has only 5923/.exec(e.message);
        return m !== null && Math.abs(Number(m[1]) - need) <= 1;
      },
    );
  });

  test('numClasses larger than the labels present: the missing class is too small', () => {
    const split = {
      images: tensor(new Uint8Array(6 * 4), [6, 1, 2, 2]),
      labels: tensor(BigInt64Array.from([0, 0, 0, 1, 1, 1], BigInt), [6]),
    };
    assert.throws(
      () => longTailSubset(split, { n: 4, ratio: 1, seed: 0, numClasses: 3 }),
      /class 2 needs 1 images but the split has only 0/,
    );
    const ok = longTailSubset(split, { n: 4, ratio: 0.5, seed: 0 });
    assert.deepEqual(ok.counts, [3, 1]); // 4·(1, 0.5)/1.5 = 2.67, 1.33 → 3, 1
    assert.deepEqual(ok.split.labels.toArray(), [0, 0, 0, 1]);
  });
});
