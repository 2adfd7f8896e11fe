/**
 * The connectivity measurements and the relation verdicts, against
 * independent computations:
 * - ρ, α, β, γ of `domainConnectivity` equal a brute-force sum over every
 *   entry of the same positive-pair graph's weight matrix, each view put in
 *   its (class, domain) group by its image's label and — independently of
 *   the union's bookkeeping — by its pixels (an inverted MNIST digit has mean
 *   pixel above ½, an original one below);
 * - the sample has exactly imagesPerGroup images of each group;
 * - the distinguishing classifiers: identical domains give dist-α = ½
 *   exactly (the same views with both labels), inverted ones near 1;
 * - Spearman's ρ_s on hand-ranked data (ties included) and its Fisher-z
 *   interval; a relation's verdict through `aggregate`; the refusals.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { unionDatasets } from '../../src/data/domain-spec.ts';
import {
  disposeDataset,
  invertImages,
  type LabeledDataset,
  normalizationStats,
  subsetOf,
} from '../../src/data/index.ts';
import { aggregate } from '../../src/experiments/aggregate.ts';
import type { CellResult } from '../../src/experiments/cell.ts';
import { connectivitySample, domainConnectivity } from '../../src/experiments/domain-connectivity.ts';
import { expandGrid, specFrom } from '../../src/experiments/grid.ts';
import { spearman } from '../../src/experiments/stats.ts';
import { sparse, tidy } from '../../src/tensor/index.ts';
import { positivePairGraph } from '../../src/theory/index.ts';
import { viewPipeline } from '../../src/train/index.ts';
import { assertClose } from '../helpers/close.ts';
import { smallMnist } from '../train/fixtures/small-mnist.ts';

const source = smallMnist(600, 100);
const twin = (name: string, f: (x: typeof source.train.images) => typeof source.train.images): LabeledDataset => ({
  name,
  classes: source.classes,
  train: { images: f(source.train.images), labels: source.train.labels.clone() },
  test: { images: f(source.test.images), labels: source.test.labels.clone() },
});
const inverted = twin('inverted', invertImages);
const copy = twin('copy', (x) => x.clone());
const shifted = unionDatasets([source, inverted], ['mnist', 'inverted']);
const same = unionDatasets([source, copy], ['mnist', 'copy']);
const norm = normalizationStats('mnist', source.train);
const augment = { preset: 'mnist' as const, sigma: null, mean: norm.mean, std: norm.std };
after(() => {
  for (const d of [source, inverted, copy, shifted, same]) disposeDataset(d);
});

test('the sample: imagesPerGroup images of every (class, domain) group, groups as the data say', () => {
  const { indices, groupOfImage } = connectivitySample(shifted, 7, 3);
  assert.equal(indices.length, 7 * 20);
  const labels = Array.from(shifted.train.labels.toArray() as ArrayLike<number>, Number);
  const counts = new Array(20).fill(0);
  indices.forEach((i, j) => {
    const g = (labels[i] as number) * 2 + (i >= 600 ? 1 : 0); // the union's second member starts at 600
    assert.equal(groupOfImage[j], g);
    counts[g]++;
  });
  assert.deepEqual(counts, new Array(20).fill(7));
  assert.throws(
    () => connectivitySample(shifted, 200, 0),
    /connectivity: group \(class \d, domain \w+\) of .* fewer than imagesPerGroup = 200/,
  );
});

test('ρ, α, β, γ against a brute-force sum over the positive-pair graph, groups found from the pixels', () => {
  const settings = { imagesPerGroup: 6, augmentations: 3, k: 5, pairsPerKind: 1 };
  const seed = 4;
  const pipeline = viewPipeline(augment, shifted);
  const got = domainConnectivity(shifted, pipeline, settings, seed);
  // The same graph, rebuilt here from the same sample and options.
  const { indices } = connectivitySample(shifted, settings.imagesPerGroup, seed);
  const split = subsetOf(shifted.train, indices);
  const ppg = positivePairGraph({ split, pipeline, augmentations: 3, k: 5, seed });
  const n = ppg.graph.n;
  const w = tidy(
    () => (ppg.graph.sparse ? sparse.toDense(ppg.graph.weights) : ppg.graph.weights).data() as Float64Array,
  );
  const means = tidy(() => Array.from(split.images.float().mean([1, 2, 3]).data() as Float32Array));
  const groupOfView = Array.from({ length: n }, (_, v) => {
    const i = ppg.imageOf[v] as number;
    return (ppg.labelOf[v] as number) * 2 + ((means[i] as number) > 127.5 ? 1 : 0);
  });
  const G = 20;
  const W = new Float64Array(G * G);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++)
      W[(groupOfView[i] as number) * G + (groupOfView[j] as number)] += w[i * n + j] as number;
  const vol = Array.from({ length: G }, (_, g) => W.slice(g * G, (g + 1) * G).reduce((s, x) => s + x, 0));
  const sums = { rho: [0, 0], alpha: [0, 0], beta: [0, 0], gamma: [0, 0] };
  for (let a = 0; a < G; a++)
    for (let b = 0; b < G; b++) {
      const q = (W[a * G + b] as number) / Math.sqrt((vol[a] as number) * (vol[b] as number));
      const sc = Math.floor(a / 2) === Math.floor(b / 2);
      const sd = a % 2 === b % 2;
      const k = sc ? (sd ? 'rho' : 'alpha') : sd ? 'beta' : 'gamma';
      sums[k][0] += q;
      sums[k][1]++;
    }
  for (const k of ['rho', 'alpha', 'beta', 'gamma'] as const)
    assertClose(got[k], (sums[k][0] as number) / (sums[k][1] as number), { rtol: 1e-9, atol: 1e-15 }, k);
  assert.ok(got.rho > got.beta, 'the positive pairs make same-group mass the largest');
  const expected = got.alpha + got.gamma > 0 ? (got.alpha - got.gamma) / (got.alpha + got.gamma) : 0;
  assertClose(got['alpha-vs-gamma'], expected, { rtol: 1e-12 });
  ppg.graph.weights.dispose();
  split.images.dispose();
  split.labels.dispose();
});

test('distinguishability: a copy of the source is indistinguishable (dist-α = ½), the inverse apart (dist-α near 1)', () => {
  const settings = { imagesPerGroup: 8, augmentations: 2, k: 3, pairsPerKind: 3 };
  const copyDist = domainConnectivity(same, viewPipeline(augment, same), settings, 1);
  assert.equal(copyDist['dist-alpha'], 0.5);
  const inv = domainConnectivity(shifted, viewPipeline(augment, shifted), settings, 1);
  assert.ok(inv['dist-alpha'] > 0.9, `inverted digits are told apart, dist-α = ${inv['dist-alpha']}`);
  for (const k of ['dist-beta', 'dist-gamma'] as const) assert.ok(inv[k] >= 0 && inv[k] <= 1, `${k} = ${inv[k]}`);
});

test("spearman: ρ_s by hand (1 − 6Σd²/(n(n²−1)) without ties; ranks' Pearson with ties) and the Fisher-z interval", () => {
  const r = spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]);
  assertClose(r.rho, 1 - (6 * 4) / (5 * 24), { rtol: 1e-12 });
  const half = (1.959963984540054 * 1.03) / Math.sqrt(2);
  assertClose(r.low as number, Math.tanh(Math.atanh(0.8) - half), { rtol: 1e-12 });
  assertClose(r.high as number, Math.tanh(Math.atanh(0.8) + half), { rtol: 1e-12 });
  // x ranks 1.5, 1.5, 3, 4; y ranks 1, 2, 3, 4: centred (−1, −1, .5, 1.5)·(−1.5, −.5, .5, 1.5)
  const t = spearman([10, 10, 20, 30], [1, 2, 3, 4]);
  assertClose(t.rho, (1.5 + 0.5 + 0.25 + 2.25) / Math.sqrt((1 + 1 + 0.25 + 2.25) * 5), { rtol: 1e-12 });
  assert.equal(spearman([1, 2, 3], [3, 2, 1]).low, null, 'no interval below 4 points');
  assert.ok(Number.isNaN(spearman([1, 1, 1, 1], [1, 2, 3, 4]).rho));
  assert.throws(() => spearman([1, 2], [1]), /spearman: 2 x values for 1 y values/);
});

test('a relation through aggregate: points are the groups’ means over seeds, the verdict from the interval', () => {
  const spec = specFrom(
    {
      name: 'r',
      axes: [{ name: 'v', key: 'epochs', values: [1, 2, 3, 4, 5, 6] }],
      seeds: [0, 1],
      evaluation: { probe: true, knn: true },
      relations: [
        { text: 'kNN rises with the probe', x: 'probe', y: 'knn', expect: 'increasing' },
        { text: 'kNN falls with the probe', x: 'probe', y: 'knn', expect: 'decreasing' },
      ],
    },
    'r.yaml',
  );
  const grid = expandGrid(spec);
  // Group means of probe: .1 … .6; of knn: the same order but the 3rd and 4th swapped (ρ_s = 1 − 6·2/210).
  const knnOf = [0.1, 0.2, 0.4, 0.3, 0.5, 0.6];
  const cells: CellResult[] = grid.map((c, i) => {
    const g = Math.floor(i / 2);
    const wobble = c.seed === 0 ? -0.01 : 0.01;
    return {
      id: c.id,
      labels: c.labels,
      seed: c.seed,
      kind: 'run',
      metrics: { probe: (g + 1) / 10 + wobble, knn: (knnOf[g] as number) + wobble },
      steps: 1,
      seconds: { train: 0, evaluate: 0 },
    };
  });
  const r = aggregate(spec, grid, cells);
  const [up, down] = r.relations;
  assert.equal(up?.points.length, 6);
  assertClose(up?.points[2]?.y as number, 0.4, { rtol: 1e-12 });
  assertClose(up?.spearman?.rho as number, 1 - 12 / 210, { rtol: 1e-12 });
  assert.equal(up?.verdict, 'holds');
  assert.equal(down?.verdict, 'does not hold');
  assert.match(
    up?.line ?? '',
    /^kNN rises with the probe: Spearman ρ_s\(probe, knn\) = 0\.94 over 6 groups .*: holds$/,
  );
  assert.throws(
    () => specFrom({ name: 'r', relations: [{ text: 't', x: 'probe', y: 'nope', expect: 'increasing' }] }, 'r.yaml'),
    /r\.yaml: relations\[0\]\.y must be a metric \(probe\), got "nope"/,
  );
  assert.throws(
    () => specFrom({ name: 'r', relations: [{ text: 't', x: 'probe', y: 'probe', expect: 'up' }] }, 'r.yaml'),
    /r\.yaml: relations\[0\]\.expect must be 'increasing' or 'decreasing'/,
  );
  assert.throws(
    () => specFrom({ name: 'r', evaluation: { connectivity: { k: 0 } } }, 'r.yaml'),
    /r\.yaml: evaluation\.connectivity\.k must be an integer ≥ 1, got 0/,
  );
});
