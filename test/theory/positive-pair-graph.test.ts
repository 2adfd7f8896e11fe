import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { presetFromName } from '../../src/augment/presets.ts';
import type { ImageSplit } from '../../src/data/dataset.ts';
import { Generator, sparse, type Tensor, tensor, tidy } from '../../src/tensor/index.ts';
import { positivePairGraph } from '../../src/theory/positive-pair-graph.ts';
import { assertClose } from '../helpers/close.ts';

/**
 * classes × perClass constant 1×4×4 images: class c has grey level 80c, image j
 * of a class adds 3j (so images of one class are close, classes far apart).
 */
function constantImages(classes: number, perClass: number): ImageSplit {
  const n = classes * perClass;
  const px = new Uint8Array(n * 16);
  const ys = new BigInt64Array(n);
  for (let c = 0; c < classes; c++) {
    for (let j = 0; j < perClass; j++) {
      const i = c * perClass + j;
      px.fill(20 + 80 * c + 3 * j, i * 16, (i + 1) * 16);
      ys[i] = BigInt(c);
    }
  }
  return { images: tensor(px, [n, 1, 4, 4]), labels: tensor(ys, [n]) };
}

/** W as a plain row-major array. */
function denseWeights(w: Tensor): Float64Array {
  return tidy(() => Float64Array.from(sparse.toDense(w).data() as Float64Array));
}

/** The views exactly as the graph draws them (one batch: Generator(seed), M views of all images), flattened. */
function viewsInTestOrder(split: ImageSplit, sigma: number, M: number, seed: number): number[][] {
  const p = presetFromName('gaussian', { sigma });
  return tidy(() => {
    const views = p.views(split.images, new Generator(seed), M).map((v) => v.toArray());
    const n = split.images.size(0);
    const d = 16;
    const out: number[][] = [];
    for (let i = 0; i < n; i++) {
      for (let m = 0; m < M; m++) out.push((views[m] as number[]).slice(i * d, (i + 1) * d));
    }
    return out;
  });
}

describe('positivePairGraph', () => {
  const split = constantImages(3, 4);
  const pipeline = presetFromName('gaussian', { sigma: 0.01 });

  it('labels every edge by image and class, weights symmetric, all positive pairs present', () => {
    const M = 3;
    const g = positivePairGraph({ split, pipeline, augmentations: M, k: 4, seed: 3 });
    const n = 12 * M;
    assert.equal(g.graph.n, n);
    assert.equal(g.graph.sparse, true);
    assert.deepEqual(
      Array.from(g.imageOf),
      Array.from({ length: n }, (_, v) => Math.floor(v / M)),
    );
    assert.deepEqual(
      Array.from(g.labelOf),
      Array.from({ length: n }, (_, v) => Math.floor(v / M / 4)),
    );
    const w = denseWeights(g.graph.weights);
    const by = { sameImage: 0, sameClass: 0, otherClass: 0 };
    const count = { sameImage: 0, sameClass: 0, otherClass: 0 };
    for (let a = 0; a < n; a++) {
      assert.equal(w[a * n + a], 0, `no self-loop at ${a}`);
      for (let b = a + 1; b < n; b++) {
        const x = w[a * n + b] as number;
        assert.equal(x, w[b * n + a], `W symmetric at (${a}, ${b})`);
        const ia = Math.floor(a / M);
        const ib = Math.floor(b / M);
        if (ia === ib) assert.equal(x, 1, `positive pair (${a}, ${b}) has weight 1`);
        if (x === 0) continue;
        const kind = ia === ib ? 'sameImage' : Math.floor(ia / 4) === Math.floor(ib / 4) ? 'sameClass' : 'otherClass';
        by[kind] += x;
        count[kind] += 1;
      }
    }
    assert.equal(count.sameImage, 12 * 3, 'M(M−1)/2 = 3 positive pairs per image');
    assert.deepEqual(g.edgeCounts, count);
    const total = by.sameImage + by.sameClass + by.otherClass;
    assertClose(
      [g.edgeFractions.sameImage, g.edgeFractions.sameClass, g.edgeFractions.otherClass],
      [by.sameImage / total, by.sameClass / total, by.otherClass / total],
      { rtol: 1e-12, atol: 1e-15 },
      'edge fractions',
    );
    // k = 4 < 11 other views of the class: no edge leaves a class (classes are ~1.2 apart, images ~0.05).
    assert.equal(count.otherClass, 0);
    assert.ok(count.sameClass > 0);
  });

  it('joins the k nearest views with Gaussian weights exp(−d²/2h²), checked by brute force', () => {
    const M = 2;
    const k = 14; // more than the 7 other views of a class: edges must cross classes
    const h = 0.4;
    const seed = 11;
    const g = positivePairGraph({ split, pipeline, augmentations: M, k, seed, bandwidth: h, positiveWeight: 2 });
    assert.equal(g.bandwidth, h);
    const x = viewsInTestOrder(split, 0.01, M, seed);
    const n = x.length;
    const d2 = (a: number, b: number) =>
      (x[a] as number[]).reduce((s, v, i) => s + (v - ((x[b] as number[])[i] as number)) ** 2, 0);
    const expected = new Float64Array(n * n);
    for (let a = 0; a < n; a++) {
      const order = Array.from({ length: n }, (_, b) => b)
        .filter((b) => b !== a)
        .sort((p, q) => d2(a, p) - d2(a, q));
      for (const b of order.slice(0, k)) {
        const kappa = Math.exp(-d2(a, b) / (2 * h * h));
        expected[a * n + b] = Math.max(expected[a * n + b] as number, kappa);
        expected[b * n + a] = Math.max(expected[b * n + a] as number, kappa);
      }
    }
    for (let i = 0; i < n / M; i++) {
      expected[2 * i * n + 2 * i + 1] = 2;
      expected[(2 * i + 1) * n + 2 * i] = 2;
    }
    assertClose(denseWeights(g.graph.weights), expected, { rtol: 1e-5, atol: 1e-9 }, 'W');
    assert.ok(g.edgeCounts.otherClass > 0);
    // Neighbour lists agree with the brute force too (distances are tie-free with noise).
    for (let a = 0; a < n; a++) {
      for (let j = 0; j < k; j++) {
        assertClose(g.distances[a * k + j] as number, d2(a, g.neighbours[a * k + j] as number), {
          rtol: 1e-4,
          atol: 1e-7,
        });
      }
    }
  });

  it('binary weights, the default bandwidth, and a feature-space function', () => {
    const g = positivePairGraph({ split, pipeline, augmentations: 2, k: 3, weights: 'binary' });
    assert.equal(g.bandwidth, null);
    const w = denseWeights(g.graph.weights);
    assert.ok(w.every((v) => v === 0 || v === 1));
    // Default h: the median distance to the 3rd neighbour.
    const gg = positivePairGraph({ split, pipeline, augmentations: 2, k: 3 });
    const kth = Array.from({ length: 24 }, (_, v) => Math.sqrt(gg.distances[v * 3 + 2] as number)).sort(
      (a, b) => a - b,
    );
    assertClose(gg.bandwidth as number, ((kth[11] as number) + (kth[12] as number)) / 2, { rtol: 1e-12 });
    // Feature space: the mean grey level of each view (a 1-D feature).
    let calls = 0;
    const f = positivePairGraph({
      split,
      pipeline,
      augmentations: 2,
      k: 3,
      batchSize: 5,
      space: (v) => {
        calls++;
        return v.flatten(1).mean(1, true);
      },
    });
    assert.equal(calls, 3, 'ceil(12 / 5) batches');
    assert.equal(f.edgeCounts.otherClass, 0);
    // Same seed, same graph.
    const again = positivePairGraph({ split, pipeline, augmentations: 2, k: 3 });
    assert.deepEqual(denseWeights(again.graph.weights), denseWeights(gg.graph.weights));
  });

  it('rejects bad options, naming the field', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ augmentations: 1 }, /augmentations/],
      [{ augmentations: 2.5 }, /augmentations/],
      [{ k: 0 }, /k must/],
      [{ k: 24 }, /k must/],
      [{ seed: -1 }, /seed/],
      [{ bandwidth: -1 }, /bandwidth/],
      [{ weights: 'cosine' }, /weights/],
      [{ positiveWeight: 0 }, /positiveWeight/],
      [{ space: 'features' }, /space/],
      [{ space: (v: Tensor) => v.flatten(1).narrow(0, 0, 1) }, /space must map/],
      [{ split: { images: split.images.float(), labels: split.labels } }, /uint8/],
      [{ split: { images: split.images, labels: split.labels.narrow(0, 0, 5) } }, /labels/],
      [{ pipeline: {} }, /pipeline/],
    ];
    for (const [o, re] of bad) {
      assert.throws(
        () => positivePairGraph({ split, pipeline, augmentations: 2, k: 3, ...o } as never),
        re,
        JSON.stringify(o),
      );
    }
  });
});
