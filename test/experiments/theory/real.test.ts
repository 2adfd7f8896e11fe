import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { presetFromName } from '../../../src/augment/index.ts';
import { drawPerClass, indicesByClass, type LabeledDataset, loadDataset, subsetOf } from '../../../src/data/index.ts';
import { realGraphCheck } from '../../../src/experiments/theory/real.ts';
import { ConvNet, loadModule, saveModule } from '../../../src/nn/index.ts';
import { Generator, linalg, noGrad, sparse, tensor, tidy } from '../../../src/tensor/index.ts';
import { assertClose } from '../../helpers/close.ts';

/** Row-major dense copy of a CSR weight matrix. */
function dense(w: Parameters<typeof sparse.toDense>[0]): Float64Array {
  return tidy(() => Float64Array.from(sparse.toDense(w).data() as Float64Array));
}

describe('realGraphCheck (MNIST, pixel space)', () => {
  let data: LabeledDataset;
  before(async () => {
    data = await loadDataset('mnist');
  });
  after(() => {
    for (const s of [data.train, data.test]) {
      s.images.dispose();
      s.labels.dispose();
    }
  });

  it('reports edge fractions, spectrum, class conductance and purity that a direct computation on W reproduces', async () => {
    const r = await realGraphCheck({ data, images: 200, augmentations: 3, k: 8, eigenvalues: 12, keepGraph: true });
    const { graph, imageOf, labelOf } = r;
    assert.ok(graph && imageOf && labelOf);
    try {
      const n = 600;
      assert.equal(r.vertices, n);
      assert.equal(graph.n, n);
      assert.equal(r.classes, 10);
      // Balanced draw: 20 images (60 views) per class.
      const perClass = new Array(10).fill(0);
      for (const c of labelOf) perClass[c]++;
      assert.deepEqual(perClass, new Array(10).fill(60));
      const w = dense(graph.weights);
      const deg = new Float64Array(n);
      const by = { sameImage: 0, sameClass: 0, otherClass: 0 };
      for (let a = 0; a < n; a++) {
        for (let b = 0; b < n; b++) {
          const x = w[a * n + b] as number;
          deg[a] = (deg[a] as number) + x;
          if (b <= a || x === 0) continue;
          const kind = imageOf[a] === imageOf[b] ? 'sameImage' : labelOf[a] === labelOf[b] ? 'sameClass' : 'otherClass';
          by[kind] += x;
        }
      }
      const total = by.sameImage + by.sameClass + by.otherClass;
      assertClose(
        [r.edgeFractions.sameImage, r.edgeFractions.sameClass, r.edgeFractions.otherClass, r.edgeFractions.insideClass],
        [by.sameImage / total, by.sameClass / total, by.otherClass / total, (by.sameImage + by.sameClass) / total],
        { rtol: 1e-10 },
        'edge fractions',
      );
      // φ(S_c) = w(S_c, V∖S_c) / Σ_{x∈S_c} w_x, summed directly.
      const expectedPhi = Array.from({ length: 10 }, (_, c) => {
        let cut = 0;
        let vol = 0;
        for (let a = 0; a < n; a++) {
          if (labelOf[a] !== c) continue;
          vol += deg[a] as number;
          for (let b = 0; b < n; b++) if (labelOf[b] !== c) cut += w[a * n + b] as number;
        }
        return cut / vol;
      });
      assertClose(r.classConductance, expectedPhi, { rtol: 1e-8 }, 'class conductance');
      // Top eigenvalues of Ā = D^-1/2 W D^-1/2 by dense eigh.
      const abar = new Float64Array(n * n);
      for (let a = 0; a < n; a++) {
        for (let b = 0; b < n; b++)
          abar[a * n + b] = (w[a * n + b] as number) / Math.sqrt((deg[a] as number) * (deg[b] as number));
      }
      const all = tidy(() => Array.from(linalg.eigh(tensor(abar, [n, n])).values.data() as Float64Array));
      const top = all.sort((x, y) => y - x).slice(0, 12);
      assertClose(r.eigenvalues, top, { atol: 1e-6, rtol: 0 }, 'top eigenvalues');
      assert.ok(r.maxResidual < 1e-5);
      assert.equal(r.nearOne, top.filter((l) => l >= 1 - r.epsilon).length);
      const gaps = top.slice(0, -1).map((l, j) => l - (top[j + 1] as number));
      assert.equal(gaps[r.gapIndex - 1], Math.max(...gaps));
      // Vote purity: weighted vote among neighbours from other images.
      let correct = 0;
      for (let a = 0; a < n; a++) {
        const votes = new Array(10).fill(0);
        for (let b = 0; b < n; b++)
          if (imageOf[b] !== imageOf[a]) votes[labelOf[b] as number] += w[a * n + b] as number;
        const best = votes.indexOf(Math.max(...votes));
        if (Math.max(...votes) > 0 && best === labelOf[a]) correct++;
      }
      assertClose(r.purity.vote, correct / n, { rtol: 1e-12 }, 'vote purity');
      // What is true of pixel space under the digits recipe: crops and shifts mix the classes
      // (inside-class weight well below 0.8), yet neighbours share the class far more often than by chance (0.1).
      assert.ok(r.purity.neighbourSameClass > 0.2, `neighbour purity ${r.purity.neighbourSameClass}`);
      assert.ok(r.edgeFractions.insideClass > 0.3, `inside-class weight ${r.edgeFractions.insideClass}`);
      assert.equal(r.space, 'pixel');
      assert.equal(r.preset, 'mnist');
    } finally {
      graph.weights.dispose();
    }
  });

  it('pure pixel noise keeps much more weight inside the classes than crops and shifts', async () => {
    const o = { data, images: 200, augmentations: 3, k: 8, eigenvalues: 4 };
    const digits = await realGraphCheck(o);
    const noise = await realGraphCheck({ ...o, preset: 'gaussian' });
    assert.equal(noise.preset, 'gaussian');
    assert.ok(noise.edgeFractions.insideClass > 0.6, `noise: inside-class weight ${noise.edgeFractions.insideClass}`);
    assert.ok(
      noise.edgeFractions.insideClass > digits.edgeFractions.insideClass + 0.15,
      `noise ${noise.edgeFractions.insideClass} vs digits recipe ${digits.edgeFractions.insideClass}`,
    );
    assert.ok(noise.purity.neighbourSameClass > digits.purity.neighbourSameClass);
  });

  it("measures neighbours in the frozen feature space of a run folder, with the run's augmentation", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'specl-real-'));
    try {
      const augment = { preset: 'gaussian', sigma: 0.2, mean: [0.1307], std: [0.3081] };
      writeFileSync(
        join(dir, 'config.json'),
        JSON.stringify({
          dataset: 'mnist',
          method: { name: 'spectral' },
          encoder: { name: 'convnet', inChannels: 1, channelsLast: false, widths: [8, 16, 32] },
          augment,
        }),
      );
      const net = new ConvNet({ inChannels: 1, widths: [8, 16, 32], generator: new Generator(5) });
      saveModule(join(dir, 'encoder.safetensors'), net);
      net.dispose();
      const N = 100;
      const M = 2;
      const k = 5;
      const seed = 3;
      const r = await realGraphCheck({
        data,
        run: dir,
        images: N,
        augmentations: M,
        k,
        eigenvalues: 4,
        seed,
        keepGraph: true,
      });
      assert.ok(r.graph && r.imageOf);
      try {
        assert.equal(r.space, dir);
        assert.equal(r.preset, 'gaussian');
        // The same views through the same frozen encoder, and a brute-force kNN in plain TypeScript.
        const chosen = drawPerClass(indicesByClass(data.train.labels, 10), new Array(10).fill(N / 10), seed, 'test');
        const feats = tidy(() => {
          const enc = new ConvNet({ inChannels: 1, widths: [8, 16, 32] });
          loadModule(join(dir, 'encoder.safetensors'), enc);
          enc.eval();
          const sub = subsetOf(data.train, chosen);
          const views = presetFromName('gaussian', augment).views(sub.images, new Generator(seed), M);
          const f = views.map((v) => noGrad(() => enc.forward(v)).toArray());
          enc.dispose();
          return f;
        });
        const d = 32;
        const n = N * M;
        const row = (v: number) => (feats[v % M] as number[]).slice(Math.floor(v / M) * d, (Math.floor(v / M) + 1) * d);
        const x = Array.from({ length: n }, (_, v) => row(v));
        const w = dense(r.graph.weights);
        for (let v = 0; v < n; v++) {
          const dist = x.map((y, u) =>
            u === v
              ? Number.POSITIVE_INFINITY
              : y.reduce((s, t, l) => s + (t - ((x[v] as number[])[l] as number)) ** 2, 0),
          );
          const order = dist.map((_, u) => u).sort((a, b) => (dist[a] as number) - (dist[b] as number));
          // The k − 1 nearest (a tie at the k-th may go either way) are all joined to v.
          for (const u of order.slice(0, k - 1))
            assert.ok((w[v * n + u] as number) > 0, `feature-space neighbour ${u} of ${v}`);
        }
      } finally {
        r.graph.weights.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad options', async () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ images: 1 }, /images/],
      [{ images: 5, eigenvalues: 4 }, /theory real: images must be at least the 10 classes of .*, got 5/],
      [{ augmentations: 1 }, /augmentations/],
      [{ k: 0 }, /k must/],
      [{ eigenvalues: 1 }, /eigenvalues/],
      [{ epsilon: 0 }, /epsilon/],
      [{ split: 'val' }, /split/],
      [{ images: 10, augmentations: 2, k: 20 }, /k \(--neighbors\) must be below images × augmentations = 20, got 20/],
      [
        { images: 50, augmentations: 1e15 },
        /theory real: augmentations must be at most 1000000 \(images × augmentations ≤ 2e6, images ≥ 2\), got 1000000000000000/,
      ],
      [{ image: 10 }, /unknown option 'image' \(did you mean 'images'\?\)/],
      [{ dataset: 'nope' }, /unknown dataset/],
    ];
    for (const [o, re] of bad) {
      await assert.rejects(
        realGraphCheck({ data: o.dataset ? undefined : data, ...o } as never),
        re,
        JSON.stringify(o),
      );
    }
  });
});
