/**
 * Two-part images for the rare-class test (Liu et al. 2022, §3.2): checked
 * pixel for pixel against the source images by hand indexing into host
 * copies (every synthetic image is unique, so each half is also identified
 * by its bytes alone, independently of the provenance the code reports),
 * labels and counts per class, seeds, the probe set's balance and its
 * disjointness from the rare pretraining images, the refusals, the spec
 * grammar, and `loadDataset` of the specs on real MNIST / Fashion-MNIST.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deriveSeed } from '../../src/augment/derive-seed.ts';
import type { LabeledDataset } from '../../src/data/dataset.ts';
import { fashionMnist } from '../../src/data/fashion-mnist.ts';
import { loadDataset } from '../../src/data/index.ts';
import { mnist } from '../../src/data/mnist.ts';
import {
  type RareClassDataset,
  rareOnlyDataset,
  rareProbeSet,
  streamSeed,
  type TwoPartDataset,
  twoPartDataset,
} from '../../src/data/two-part.ts';
import { formatClassList, formatTwoPartSpec, parseTwoPartSpec } from '../../src/data/two-part-spec.ts';
import { type Tensor, tensor } from '../../src/tensor/index.ts';
import { Rng } from '../helpers/prng.ts';

interface Synthetic {
  data: LabeledDataset;
  /** Host copies: flat pixels of each split, labels, and image bytes → index. */
  px: { train: Uint8Array; test: Uint8Array };
  labels: { train: number[]; test: number[] };
  index: { train: Map<string, number>; test: Map<string, number> };
  shape: [number, number, number];
}

/** A dataset whose images are random (so unique) bytes 1…255, with `trainCounts[c]` / `testCounts[c]` images of class c, shuffled. */
function synthetic(
  name: string,
  trainCounts: number[],
  testCounts: number[],
  shape: [number, number, number],
  seed: number,
): Synthetic {
  const rng = new Rng(seed);
  const [C, H, W] = shape;
  const size = C * H * W;
  const make = (counts: number[]) => {
    const labels = rng.permutation(counts.reduce((a, b) => a + b, 0)).map((p) => {
      let c = 0;
      let acc = counts[0] as number;
      while (p >= acc) acc += counts[++c] as number;
      return c;
    });
    const n = labels.length;
    const px = new Uint8Array(n * size);
    for (let i = 0; i < px.length; i++) px[i] = rng.int(1, 256);
    const index = new Map<string, number>();
    for (let i = 0; i < n; i++) index.set(px.subarray(i * size, (i + 1) * size).join(','), i);
    assert.equal(index.size, n, 'synthetic images are unique');
    return { labels, px, index, n };
  };
  const tr = make(trainCounts);
  const te = make(testCounts);
  const split = (s: typeof tr) => ({
    images: tensor(s.px, [s.n, C, H, W]),
    labels: tensor(BigInt64Array.from(s.labels, BigInt), [s.n]),
  });
  return {
    data: {
      name,
      classes: trainCounts.map((_, c) => `c${c}`),
      train: split(tr),
      test: split(te),
    },
    px: { train: tr.px, test: te.px },
    labels: { train: tr.labels, test: te.labels },
    index: { train: tr.index, test: te.index },
    shape,
  };
}

/** Half `half` (0 left, 1 right) of image i of a flat N×C×H×2W array, by hand indexing, as a C×H×W byte list. */
function half(flat: ArrayLike<number>, i: number, halfIdx: 0 | 1, [C, H, W]: [number, number, number]): number[] {
  const out: number[] = [];
  const W2 = 2 * W;
  for (let c = 0; c < C; c++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) out.push(flat[i * C * H * W2 + c * H * W2 + y * W2 + halfIdx * W + x] as number);
  return out;
}

/** Image j of a flat N×C×H×W array, by hand indexing. */
function image(flat: Uint8Array, j: number, [C, H, W]: [number, number, number]): number[] {
  return Array.from(flat.subarray(j * C * H * W, (j + 1) * C * H * W));
}

const count = (xs: number[], C: number): number[] => {
  const k = new Array<number>(C).fill(0);
  for (const y of xs) k[y]++;
  return k;
};

/** A uint8 tensor's bytes as a plain list. */
const bytes = (t: Tensor): number[] => Array.from(t.data() as Uint8Array);

function dispose(d: LabeledDataset): void {
  for (const s of [d.train, d.test]) for (const t of [s.images, s.labels]) t.dispose();
}

const TRAIN_COUNTS = [14, 12, 15, 13, 12, 9, 8, 11, 10, 9];
const TEST_COUNTS = [4, 3, 5, 2, 3, 4, 6, 3, 5, 4];
const SHAPE: [number, number, number] = [3, 3, 4];
const OPTS = { seed: 7, frequentPerClass: 10, rarePerClass: 3 };

describe('twoPartDataset on synthetic images', () => {
  let P: Synthetic;
  let F: Synthetic;
  before(() => {
    P = synthetic('prim', TRAIN_COUNTS, TEST_COUNTS, SHAPE, 1);
    F = synthetic('fill', [40, 30], [7, 6], SHAPE, 2);
  });
  after(() => {
    dispose(P.data);
    dispose(F.data);
  });

  test('pixel for pixel: frequent = class image | filler, rare = blank | class image; labels are the primary’s', () => {
    const d = twoPartDataset(P.data, F.data, OPTS);
    const [C, H, W] = SHAPE;
    assert.deepEqual(d.train.images.shape, [50 + 15, C, H, 2 * W]);
    assert.equal(d.train.images.dtype, 'uint8');
    const out = d.train.images.data() as Uint8Array;
    const ys = d.train.labels.toArray();
    const blank = new Array<number>(C * H * W).fill(0);
    for (let i = 0; i < ys.length; i++) {
      const left = half(out, i, 0, SHAPE);
      const right = half(out, i, 1, SHAPE);
      const src = d.sources.train.source[i] as number;
      const fill = d.sources.train.filler[i] as number;
      if (i < 50) {
        // frequent: left is primary image src (found by its bytes too), right is filler image fill
        assert.deepEqual(left, image(P.px.train, src, SHAPE), `row ${i} left`);
        assert.equal(P.index.train.get(left.join(',')), src, `row ${i}: left identified by its bytes`);
        assert.deepEqual(right, image(F.px.train, fill, SHAPE), `row ${i} right`);
        assert.equal(F.index.train.get(right.join(',')), fill, `row ${i}: right identified by its bytes`);
        assert.ok((P.labels.train[src] as number) < 5, `row ${i} is a frequent class`);
      } else {
        assert.deepEqual(left, blank, `row ${i}: blank left half (raw 0)`);
        assert.equal(fill, -1);
        assert.deepEqual(right, image(P.px.train, src, SHAPE), `row ${i} right`);
        assert.equal(P.index.train.get(right.join(',')), src);
        assert.ok((P.labels.train[src] as number) >= 5, `row ${i} is a rare class`);
      }
      assert.equal(ys[i], P.labels.train[src], `row ${i}: label of the class image`);
    }
    assert.deepEqual(count(ys, 10), [10, 10, 10, 10, 10, 3, 3, 3, 3, 3]);
    assert.equal(new Set(d.sources.train.source).size, 65, 'every class image once');
    assert.deepEqual(d.classes, P.data.classes);
    assert.deepEqual(d.options, {
      seed: 7,
      frequentClasses: [0, 1, 2, 3, 4],
      rareClasses: [5, 6, 7, 8, 9],
      frequentPerClass: 10,
      rarePerClass: 3,
    });
    assert.equal(d.name, 'two-part:prim+fill');
    // fillers: 50 ≤ 70 filler images, so all distinct
    assert.equal(new Set(d.sources.train.filler.slice(0, 50)).size, 50);
    dispose(d);
  });

  test('test split: every test image of the chosen classes, same layout, fillers from filler.test', () => {
    const d = twoPartDataset(P.data, F.data, OPTS);
    const n = TEST_COUNTS.reduce((a, b) => a + b, 0);
    assert.deepEqual(d.test.images.shape, [n, 3, 3, 8]);
    const out = d.test.images.data() as Uint8Array;
    const ys = d.test.labels.toArray();
    assert.deepEqual(count(ys, 10), TEST_COUNTS);
    const nFrequent = TEST_COUNTS.slice(0, 5).reduce((a, b) => a + b, 0);
    for (let i = 0; i < n; i++) {
      const src = d.sources.test.source[i] as number;
      assert.equal(ys[i], P.labels.test[src]);
      const left = half(out, i, 0, SHAPE);
      const right = half(out, i, 1, SHAPE);
      if (i < nFrequent) {
        assert.equal(P.index.test.get(left.join(',')), src);
        assert.equal(F.index.test.get(right.join(',')), d.sources.test.filler[i]);
      } else {
        assert.ok(
          left.every((v) => v === 0),
          `test row ${i}: blank left`,
        );
        assert.equal(P.index.test.get(right.join(',')), src);
      }
    }
    assert.deepEqual(
      [...d.sources.test.source].sort((a, b) => a - b),
      Array.from({ length: n }, (_, i) => i),
      'each test image exactly once',
    );
    dispose(d);
  });

  test('filler = primary (the paper): fillers come from primary.train but never a rare pretraining image', () => {
    const d = twoPartDataset(P.data, P.data, OPTS);
    const rare = new Set(d.sources.train.source.slice(50));
    const fillers = d.sources.train.filler.slice(0, 50);
    assert.equal(new Set(fillers).size, 50, 'distinct (50 of 123 − 15 images)');
    const out = d.train.images.data() as Uint8Array;
    fillers.forEach((f, i) => {
      assert.ok(!rare.has(f), `filler ${f} of row ${i} is a rare pretraining image`);
      assert.equal(P.index.train.get(half(out, i, 1, SHAPE).join(',')), f);
    });
    // some fillers are images of rare classes: their features appear unlabeled on the right
    assert.ok(
      fillers.some((f) => (P.labels.train[f] as number) >= 5),
      'some fillers are rare-class images',
    );
    assert.equal(d.name, 'two-part:prim');
    dispose(d);
  });

  test('a filler pool smaller than needed is cycled: each image used ⌊n/p⌋ or ⌈n/p⌉ times', () => {
    const small = synthetic('tiny', [4, 3], [2, 2], SHAPE, 3); // 7 fillers for 50 frequent images
    const d = twoPartDataset(P.data, small.data, OPTS);
    const uses = count(d.sources.train.filler.slice(0, 50), 7);
    for (const u of uses) assert.ok(u === 7 || u === 8, `uses ${uses}`);
    assert.equal(
      uses.reduce((a, b) => a + b, 0),
      50,
    );
    dispose(d);
    dispose(small.data);
  });

  test('the same seed gives the same images; another seed other images and fillers', () => {
    const a = twoPartDataset(P.data, F.data, OPTS);
    const b = twoPartDataset(P.data, F.data, OPTS);
    const c = twoPartDataset(P.data, F.data, { ...OPTS, seed: 8 });
    assert.deepEqual(bytes(a.train.images), bytes(b.train.images));
    assert.deepEqual(bytes(a.test.images), bytes(b.test.images));
    assert.deepEqual(a.sources, b.sources);
    assert.notDeepEqual(a.sources.train.source, c.sources.train.source);
    assert.notDeepEqual(a.sources.train.filler, c.sources.train.filler);
    assert.notDeepEqual(a.sources.test.filler, c.sources.test.filler);
    assert.notDeepEqual(bytes(a.train.images), bytes(c.train.images));
    // the rare picks do not depend on frequentPerClass (prefixes of one permutation per class)
    const d = twoPartDataset(P.data, F.data, { ...OPTS, frequentPerClass: 4 });
    assert.deepEqual(d.sources.train.source.slice(20), a.sources.train.source.slice(50));
    for (const x of [a, b, c, d]) dispose(x);
  });

  test('class lists: custom frequent and rare classes, classes in neither are left out', () => {
    const d = twoPartDataset(P.data, F.data, {
      seed: 1,
      frequentClasses: [2, 0],
      rareClasses: [9, 4],
      frequentPerClass: 5,
      rarePerClass: 2,
    });
    assert.deepEqual(count(d.train.labels.toArray(), 10), [5, 0, 5, 0, 2, 0, 0, 0, 0, 2]);
    assert.deepEqual(count(d.test.labels.toArray(), 10), [4, 0, 5, 0, 3, 0, 0, 0, 0, 4]);
    dispose(d);
    // default split of an odd number of classes: C − ⌊C/2⌋ frequent
    const odd = synthetic('odd', [6, 6, 6], [1, 1, 1], SHAPE, 4);
    const e = twoPartDataset(odd.data, odd.data, { frequentPerClass: 3, rarePerClass: 1 });
    assert.deepEqual(e.options.frequentClasses, [0, 1]);
    assert.deepEqual(e.options.rareClasses, [2]);
    assert.equal(e.options.seed, 0);
    dispose(e);
    dispose(odd.data);
  });

  test('refusals name the datasets, the field and the counts', () => {
    const wide = synthetic('wide', [5, 5], [2, 2], [3, 3, 5], 5);
    assert.throws(
      () => twoPartDataset(P.data, wide.data, OPTS),
      /twoPartDataset: the filler dataset wide has train images of 3×3×5 \(channels×height×width\), but the primary dataset prim's training images are 3×3×4/,
    );
    const grey = synthetic('grey', [5, 5], [2, 2], [1, 3, 4], 6);
    assert.throws(() => twoPartDataset(P.data, grey.data, OPTS), /filler dataset grey has train images of 1×3×4.*prim/);
    assert.throws(
      () => twoPartDataset(P.data, F.data, { ...OPTS, frequentPerClass: 13 }),
      /twoPartDataset: frequentPerClass is 13, but class 1 \('c1'\) of prim's training split has only 12 images/,
    );
    assert.throws(
      () => twoPartDataset(P.data, F.data, { ...OPTS, rarePerClass: 9 }),
      /twoPartDataset: rarePerClass is 9, but class 6 \('c6'\) of prim's training split has only 8 images/,
    );
    assert.throws(
      () => twoPartDataset(P.data, F.data, { ...OPTS, rarePerClass: 0 }),
      /twoPartDataset: rarePerClass must be a positive integer, got 0/,
    );
    assert.throws(
      () => twoPartDataset(P.data, F.data, { ...OPTS, frequentClasses: [0, 1], rareClasses: [1, 2] }),
      /class 1 is in both frequentClasses \[0,1\] and rareClasses \[1,2\]/,
    );
    assert.throws(
      () => twoPartDataset(P.data, F.data, { ...OPTS, frequentClasses: [0, 10] }),
      /twoPartDataset: frequentClasses must be .*class indices in 0…9/,
    );
    assert.throws(
      () => twoPartDataset(P.data, F.data, { ...OPTS, rareClasses: [5, 5] }),
      /rareClasses must be a list of distinct classes.*class 5 is listed twice/,
    );
    assert.throws(() => twoPartDataset(P.data, F.data, { ...OPTS, seed: -1 }), /twoPartDataset: seed must be/);
    assert.throws(
      () => rareProbeSet(P.data, { ...OPTS, trainPerClass: 6 }),
      /rareProbeSet: trainPerClass is 6, but rare class 6 \('c6'\) has only 5 images in prim's training split besides its 3 rare pretraining images/,
    );
    assert.throws(
      () => rareProbeSet(P.data, { ...OPTS, testPerClass: 4 }),
      /rareProbeSet: testPerClass is 4, but rare class 7 \('c7'\) has only 3 images in prim's test split/,
    );
    dispose(wide.data);
    dispose(grey.data);
  });
});

describe('rareProbeSet and rareOnlyDataset on synthetic images', () => {
  let P: Synthetic;
  let F: Synthetic;
  before(() => {
    P = synthetic('prim', TRAIN_COUNTS, TEST_COUNTS, SHAPE, 11);
    F = synthetic('fill', [40, 30], [7, 6], SHAPE, 12);
  });
  after(() => {
    dispose(P.data);
    dispose(F.data);
  });

  /** Checks blank | class image rows of a rare-class set against the primary split, returning the source indices found by bytes. */
  function checkRareRows(r: RareClassDataset, which: 'train' | 'test'): number[] {
    const out = r[which].images.data() as Uint8Array;
    const ys = r[which].labels.toArray();
    return ys.map((y, i) => {
      assert.ok(
        half(out, i, 0, SHAPE).every((v) => v === 0),
        `${which} row ${i}: blank left`,
      );
      const src = P.index[which].get(half(out, i, 1, SHAPE).join(',')) as number;
      assert.equal(src, r.sources[which][i], `${which} row ${i}: provenance`);
      assert.equal(r.rareClasses[y], P.labels[which][src], `${which} row ${i}: label ${y} is class rareClasses[${y}]`);
      return src;
    });
  }

  test('balanced per class, relabeled 0…4, disjoint from the rare pretraining images, defaults = largest balanced', () => {
    const pre = twoPartDataset(P.data, F.data, OPTS);
    const rarePre = new Set(pre.sources.train.source.slice(50));
    const probe = rareProbeSet(P.data, OPTS);
    assert.deepEqual(probe.classes, ['c5', 'c6', 'c7', 'c8', 'c9']);
    assert.deepEqual(probe.rareClasses, [5, 6, 7, 8, 9]);
    // smallest rare class in train: class 6 with 8 images, 3 of them pretraining → 5 each; test: class 7 with 3
    assert.deepEqual(count(probe.train.labels.toArray(), 5), [5, 5, 5, 5, 5]);
    assert.deepEqual(count(probe.test.labels.toArray(), 5), [3, 3, 3, 3, 3]);
    const trainSrc = checkRareRows(probe, 'train');
    checkRareRows(probe, 'test');
    for (const s of trainSrc) assert.ok(!rarePre.has(s), `probe image ${s} is a rare pretraining image`);
    assert.equal(new Set(trainSrc).size, 25);
    // class 6 has exactly 5 images besides its pretraining ones: the probe takes all of them
    const six = P.labels.train.flatMap((y, i) => (y === 6 && !rarePre.has(i) ? [i] : []));
    assert.deepEqual(
      trainSrc.filter((s) => P.labels.train[s] === 6).sort((a, b) => a - b),
      six,
    );
    const small = rareProbeSet(P.data, { ...OPTS, trainPerClass: 2, testPerClass: 1 });
    assert.deepEqual(count(small.train.labels.toArray(), 5), [2, 2, 2, 2, 2]);
    assert.deepEqual(count(small.test.labels.toArray(), 5), [1, 1, 1, 1, 1]);
    for (const s of checkRareRows(small, 'train'))
      assert.ok(!rarePre.has(s), `probe image ${s} is a rare pretraining image`);
    for (const x of [pre, probe, small]) dispose(x);
  });

  test('deterministic per seed, different across seeds', () => {
    const a = rareProbeSet(P.data, { ...OPTS, trainPerClass: 3 });
    const b = rareProbeSet(P.data, { ...OPTS, trainPerClass: 3 });
    const c = rareProbeSet(P.data, { ...OPTS, seed: 9, trainPerClass: 3 });
    assert.deepEqual(bytes(a.train.images), bytes(b.train.images));
    assert.deepEqual(a.sources, b.sources);
    assert.notDeepEqual(a.sources.train, c.sources.train);
    for (const x of [a, b, c]) dispose(x);
  });

  test('rareOnlyDataset: exactly the pretraining set’s rare images, pixel for pixel, with the probe’s test split', () => {
    const pre = twoPartDataset(P.data, F.data, OPTS);
    const only = rareOnlyDataset(P.data, OPTS);
    const probe = rareProbeSet(P.data, OPTS);
    assert.deepEqual(only.train.images.shape, [15, 3, 3, 8]);
    const preRare = (pre.train.images.data() as Uint8Array).slice(50 * 3 * 3 * 8);
    assert.deepEqual(bytes(only.train.images), Array.from(preRare));
    assert.deepEqual(
      only.train.labels.toArray(),
      pre.train.labels
        .toArray()
        .slice(50)
        .map((y) => y - 5),
    );
    assert.deepEqual(count(only.train.labels.toArray(), 5), [3, 3, 3, 3, 3]);
    checkRareRows(only, 'train');
    assert.deepEqual(bytes(only.test.images), bytes(probe.test.images));
    assert.deepEqual(only.test.labels.toArray(), probe.test.labels.toArray());
    for (const x of [pre, only, probe]) dispose(x);
  });
});

describe('streams and specs', () => {
  test('streamSeed is augment’s deriveSeed(seed, k)', () => {
    for (const s of [0, 1, 7, 123456789, 2 ** 52])
      for (const k of [0, 1, 2, 3, 4]) assert.equal(streamSeed(s, k), deriveSeed(s, k), `seed ${s}, stream ${k}`);
  });

  test('parse and format round-trip; class lists as ranges', () => {
    assert.equal(formatClassList([0, 1, 2, 3, 4]), '0-4');
    assert.equal(formatClassList([0, 2, 4]), '0+2+4');
    assert.equal(formatClassList([5, 6, 7, 9]), '5-7+9');
    assert.equal(formatClassList([3, 2]), '3+2');
    assert.deepEqual(parseTwoPartSpec('two-part:mnist'), { kind: 'two-part', primary: 'mnist' });
    assert.deepEqual(parseTwoPartSpec('two-part:mnist+mnist'), { kind: 'two-part', primary: 'mnist' });
    const s = parseTwoPartSpec(
      'Two-Part:cifar10:/data/c+fashion-mnist?seed=3,frequent=0+2-4,rare=9+5,frequent-per-class=100,rare-per-class=2',
    );
    assert.deepEqual(s, {
      kind: 'two-part',
      primary: 'cifar10:/data/c',
      filler: 'fashion-mnist',
      seed: 3,
      frequentClasses: [0, 2, 3, 4],
      rareClasses: [9, 5],
      frequentPerClass: 100,
      rarePerClass: 2,
    });
    const text = formatTwoPartSpec(s);
    assert.equal(
      text,
      'two-part:cifar10:/data/c+fashion-mnist?seed=3,frequent=0+2-4,rare=9+5,frequent-per-class=100,rare-per-class=2',
    );
    assert.deepEqual(parseTwoPartSpec(text), s);
    const p = parseTwoPartSpec('two-part-probe:mnist?train-per-class=100,test-per-class=50');
    assert.deepEqual(p, { kind: 'two-part-probe', primary: 'mnist', trainPerClass: 100, testPerClass: 50 });
    assert.equal(formatTwoPartSpec(p), 'two-part-probe:mnist?train-per-class=100,test-per-class=50');
    // the probe form drops a filler it does not use
    assert.equal(formatTwoPartSpec({ kind: 'two-part-rare', primary: 'mnist', filler: 'x' }), 'two-part-rare:mnist');
  });

  test('spec errors name the spec and the bad part', () => {
    assert.throws(
      () => parseTwoPartSpec('two-part:mnist?sed=1'),
      /dataset 'two-part:mnist\?sed=1': unknown option 'sed' \(did you mean 'seed'\?\) for two-part; known: seed, frequent/,
    );
    assert.throws(
      () => parseTwoPartSpec('two-part:mnist?train-per-class=5'),
      /unknown option 'train-per-class'.* for two-part/,
    );
    assert.throws(() => parseTwoPartSpec('two-part:mnist?seed=-1'), /seed must be a non-negative integer, got '-1'/);
    assert.throws(() => parseTwoPartSpec('two-part:mnist?seed=1,seed=2'), /option seed is given twice/);
    assert.throws(() => parseTwoPartSpec('two-part:mnist?seed'), /option seed needs a value/);
    assert.throws(() => parseTwoPartSpec('two-part:mnist?rare=5-x'), /rare must be a list of class indices/);
    assert.throws(() => parseTwoPartSpec('two-part:mnist?rare=9-5'), /range 9-5, whose end is below its start/);
    assert.throws(() => parseTwoPartSpec('two-part:mnist?'), /empty options after '\?'/);
    assert.throws(() => parseTwoPartSpec('two-part:'), /give the primary dataset after 'two-part:'/);
    assert.throws(() => parseTwoPartSpec('two-part:mnist+'), /PRIMARY\+FILLER with both/);
    assert.throws(() => parseTwoPartSpec('two-part:a+b+c'), /at most one '\+'/);
    assert.throws(() => parseTwoPartSpec('two-part:two-part:mnist'), /itself a two-part spec/);
    assert.throws(
      () => parseTwoPartSpec('two-part-probe:mnist+fashion-mnist'),
      /two-part-probe takes no FILLER .*give two-part-probe:mnist/,
    );
  });
});

describe('loadDataset of the two-part specs on MNIST and Fashion-MNIST', () => {
  let M: LabeledDataset;
  let mLabels: number[];
  before(() => {
    M = mnist();
    mLabels = M.train.labels.toArray();
  });
  after(() => dispose(M));

  test('two-part:mnist — 25,050 images of 1×28×56, 5 × 5000 + 5 × 10, canonical name, rebuilt from its name', async () => {
    const d = (await loadDataset('two-part:mnist')) as TwoPartDataset;
    assert.equal(d.name, 'two-part:mnist?seed=0,frequent=0-4,rare=5-9,frequent-per-class=5000,rare-per-class=10');
    assert.deepEqual(d.train.images.shape, [25050, 1, 28, 56]);
    assert.deepEqual(d.test.images.shape, [10000, 1, 28, 56]);
    assert.deepEqual(count(d.train.labels.toArray(), 10), [5000, 5000, 5000, 5000, 5000, 10, 10, 10, 10, 10]);
    assert.deepEqual(count(d.test.labels.toArray(), 10), count(M.test.labels.toArray(), 10));
    // every row by hand indexing against MNIST's own images
    const out = d.train.images.data() as Uint8Array;
    const src = M.train.images.data() as Uint8Array;
    const rare = new Set(d.sources.train.source.slice(25000));
    const ys = d.train.labels.toArray();
    const shape: [number, number, number] = [1, 28, 28];
    let bad = 0;
    for (let i = 0; i < 25050; i++) {
      const s = d.sources.train.source[i] as number;
      const f = d.sources.train.filler[i] as number;
      const left = half(out, i, 0, shape);
      const right = half(out, i, 1, shape);
      const expectLeft = i < 25000 ? image(src, s, shape) : new Array<number>(784).fill(0);
      const expectRight = image(src, i < 25000 ? f : s, shape);
      if (left.some((v, k) => v !== expectLeft[k]) || right.some((v, k) => v !== expectRight[k])) bad++;
      if (i < 25000 && rare.has(f)) assert.fail(`row ${i}: filler ${f} is a rare pretraining image`);
      assert.equal(ys[i], mLabels[s]);
    }
    assert.equal(bad, 0, 'rows that differ from MNIST');
    const again = (await loadDataset(d.name)) as TwoPartDataset;
    assert.equal(again.name, d.name);
    assert.deepEqual(again.sources, d.sources);
    assert.ok(again.train.images.eq(d.train.images).all().item(), 'the recorded name rebuilds the same images');
    dispose(d);
    dispose(again);
  });

  test('two-part:mnist+fashion-mnist — right halves of frequent images are Fashion-MNIST training images', async () => {
    const d = (await loadDataset('two-part:mnist+fashion-mnist?seed=2,rare-per-class=20')) as TwoPartDataset;
    assert.equal(
      d.name,
      'two-part:mnist+fashion-mnist?seed=2,frequent=0-4,rare=5-9,frequent-per-class=5000,rare-per-class=20',
    );
    assert.deepEqual(d.train.images.shape, [25100, 1, 28, 56]);
    assert.deepEqual(count(d.train.labels.toArray(), 10), [5000, 5000, 5000, 5000, 5000, 20, 20, 20, 20, 20]);
    const fashion = fashionMnist();
    const out = d.train.images.data() as Uint8Array;
    const fpx = fashion.train.images.data() as Uint8Array;
    const shape: [number, number, number] = [1, 28, 28];
    for (const i of [0, 1, 4999, 12345, 24999]) {
      assert.deepEqual(half(out, i, 1, shape), image(fpx, d.sources.train.filler[i] as number, shape), `row ${i}`);
    }
    assert.equal(new Set(d.sources.train.filler.slice(0, 25000)).size, 25000, '25,000 distinct of 60,000');
    dispose(fashion);
    dispose(d);
  });

  test('two-part-probe:mnist and two-part-rare:mnist — balanced 5-way sets, disjoint from the 50 rare images', async () => {
    const pre = (await loadDataset('two-part:mnist')) as TwoPartDataset;
    const probe = (await loadDataset('two-part-probe:mnist')) as RareClassDataset;
    const only = (await loadDataset('two-part-rare:mnist?seed=0')) as RareClassDataset;
    // MNIST's smallest rare class is 5: 5421 training images (10 of them pretraining), 892 test images
    assert.equal(
      probe.name,
      'two-part-probe:mnist?seed=0,frequent=0-4,rare=5-9,frequent-per-class=5000,rare-per-class=10,train-per-class=5411,test-per-class=892',
    );
    assert.deepEqual(probe.train.images.shape, [5 * 5411, 1, 28, 56]);
    assert.deepEqual(probe.test.images.shape, [5 * 892, 1, 28, 56]);
    assert.deepEqual(count(probe.train.labels.toArray(), 5), [5411, 5411, 5411, 5411, 5411]);
    assert.deepEqual(count(probe.test.labels.toArray(), 5), [892, 892, 892, 892, 892]);
    assert.deepEqual(probe.classes, ['5', '6', '7', '8', '9']);
    const rarePre = new Set(pre.sources.train.source.slice(25000));
    assert.equal(rarePre.size, 50);
    assert.ok(
      probe.sources.train.every((s) => !rarePre.has(s)),
      'no rare pretraining image in the probe set',
    );
    assert.deepEqual(only.train.images.shape, [50, 1, 28, 56]);
    assert.deepEqual(only.sources.train, pre.sources.train.source.slice(25000));
    assert.ok(
      only.train.images
        .eq(pre.train.images.narrow(0, 25000, 50))
        .all()
        .item(),
    );
    assert.ok(only.test.images.eq(probe.test.images).all().item(), 'rare-only test = probe test');
    const rebuilt = await loadDataset(probe.name);
    assert.ok(rebuilt.train.images.eq(probe.train.images).all().item(), 'probe rebuilt from its name');
    for (const x of [pre, probe, only, rebuilt]) dispose(x);
  });

  test('errors from the sources name the spec', async () => {
    await assert.rejects(
      loadDataset('two-part:mnist?frequent-per-class=6000'),
      /dataset 'two-part:mnist\?frequent-per-class=6000': twoPartDataset: frequentPerClass is 6000, but class 0 of mnist's training split has only 5923 images/,
    );
    await assert.rejects(loadDataset('two-part:nope'), /dataset 'two-part:nope': unknown dataset 'nope'/);
    await assert.rejects(
      loadDataset('two-part:mnist?rare=5-10'),
      /rareClasses must be .*class indices in 0…9, got \[5,6,7,8,9,10\]/,
    );
  });
});
