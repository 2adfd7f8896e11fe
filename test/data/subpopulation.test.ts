/**
 * Subpopulation sets (HaoChen, Wei, Kumar, Ma 2022; BREEDS-style
 * super-classes): on synthetic images with unique bytes, labels, parts and
 * domains are checked against the base's labels by hand (each output image is
 * traced back to its base image by its bytes, not by what the code reports);
 * the default groupings on real Fashion-MNIST and MNIST against their class
 * counts; the spec grammar and every refusal.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LabeledDataset } from '../../src/data/dataset.ts';
import { domainMember, isDomainUnion, parseUnionSpec } from '../../src/data/domain-spec.ts';
import { FASHION_MNIST_CLASSES, fashionMnist } from '../../src/data/fashion-mnist.ts';
import { disposeDataset as dispose, loadDataset } from '../../src/data/index.ts';
import { mnist } from '../../src/data/mnist.ts';
import {
  formatSubpopSpec,
  parseSubpopSpec,
  resolveSubpopGrouping,
  type SubpopSpec,
  type SubpopulationDataset,
  subpopulationDataset,
} from '../../src/data/subpopulation.ts';
import { labeledDataset } from '../../src/data/tensor-source.ts';
import { tensor } from '../../src/tensor/index.ts';
import { Rng } from '../helpers/prng.ts';
import { refuses } from '../helpers/spec-errors.ts';

const count = (xs: ArrayLike<number>, C: number): number[] => {
  const k = new Array<number>(C).fill(0);
  for (let i = 0; i < xs.length; i++) k[xs[i] as number]++;
  return k;
};

// Written out by hand, not taken from the code: Fashion-MNIST's super-class of each class and the default source.
const FASHION_SUPER = [0, 2, 0, 2, 0, 1, 0, 1, 2, 1]; // tops 0 2 4 6, footwear 5 7 9, other 1 3 8
const FASHION_SOURCE = new Set([0, 2, 5, 7, 1, 3]);
const MNIST_SUPER = [0, 1, 2, 2, 1, 2, 0, 1, 0, 0]; // loops 0 6 8 9, straight 1 4 7, curves 2 3 5
const MNIST_SOURCE = new Set([0, 6, 1, 4, 2, 3]);

interface Synthetic {
  data: LabeledDataset;
  size: number;
  /** Per split: flat bytes, labels, and image bytes → index. */
  px: { train: Uint8Array; test: Uint8Array };
  ys: { train: number[]; test: number[] };
  index: { train: Map<string, number>; test: Map<string, number> };
}

/** 10 classes named like Fashion-MNIST's, `counts[c]` images of class c in shuffled order, unique random bytes. */
function synthetic(trainCounts: number[], testCounts: number[], seed: number): Synthetic {
  const rng = new Rng(seed);
  const size = 1 * 3 * 2;
  const make = (counts: number[]) => {
    const ys = rng.permutation(counts.reduce((a, b) => a + b, 0)).map((p) => {
      let c = 0;
      let acc = counts[0] as number;
      while (p >= acc) acc += counts[++c] as number;
      return c;
    });
    const n = ys.length;
    const px = new Uint8Array(n * size);
    for (let i = 0; i < px.length; i++) px[i] = rng.int(0, 256);
    const index = new Map<string, number>();
    for (let i = 0; i < n; i++) index.set(px.subarray(i * size, (i + 1) * size).join(','), i);
    assert.equal(index.size, n, 'synthetic images are unique');
    return {
      ys,
      px,
      index,
      split: { images: tensor(px, [n, 1, 3, 2]), labels: tensor(BigInt64Array.from(ys, BigInt), [n]) },
    };
  };
  const tr = make(trainCounts);
  const te = make(testCounts);
  return {
    data: labeledDataset('fashion-mnist', [...FASHION_MNIST_CLASSES], tr.split, te.split),
    size,
    px: { train: tr.px, test: te.px },
    ys: { train: tr.ys, test: te.ys },
    index: { train: tr.index, test: te.index },
  };
}

const TRAIN = [5, 3, 4, 6, 2, 3, 4, 1, 2, 3]; // 33 images
const TEST = [2, 1, 1, 2, 1, 1, 2, 1, 1, 1]; // 13 images

/** The base indices of a result's images, found by their bytes. */
function traced(S: Synthetic, d: LabeledDataset, which: 'train' | 'test'): number[] {
  const out = d[which].images.data() as Uint8Array;
  const n = d[which].images.size(0);
  return Array.from({ length: n }, (_, i) => {
    const j = S.index[which].get(out.subarray(i * S.size, (i + 1) * S.size).join(','));
    assert.ok(j !== undefined, `${which} image ${i} is a base image`);
    return j;
  });
}

describe('subpopulationDataset on synthetic images', () => {
  let S: Synthetic;
  before(() => {
    S = synthetic(TRAIN, TEST, 1);
  });
  after(() => dispose(S.data));

  test('part=all (default grouping): every image, labels = super-class by hand, domains = source/target', () => {
    const d = subpopulationDataset(S.data);
    assert.equal(d.name, 'subpop:fashion-mnist?groups=0+2+4+6/5+7+9/1+3+8,source=0+2+5+7+1+3,part=all');
    assert.deepEqual(d.classes, ['tops', 'footwear', 'other']);
    assert.ok(isDomainUnion(d));
    assert.deepEqual(d.domains.names, ['source', 'target']);
    assert.deepEqual(d.grouping.groups, [
      [0, 2, 4, 6],
      [5, 7, 9],
      [1, 3, 8],
    ]);
    assert.deepEqual(d.grouping.source, [0, 2, 5, 7, 1, 3]);
    assert.deepEqual(d.grouping.target, [4, 6, 9, 8]);
    for (const which of ['train', 'test'] as const) {
      const ys = S.ys[which];
      // every image, in the base's order
      assert.deepEqual(
        traced(S, d, which),
        ys.map((_, i) => i),
      );
      assert.deepEqual(Array.from(d.subClasses[which]), ys);
      assert.deepEqual(
        d[which].labels.toArray(),
        ys.map((y) => FASHION_SUPER[y]),
      );
      assert.deepEqual(
        Array.from(d.domains[which]),
        ys.map((y) => (FASHION_SOURCE.has(y) ? 0 : 1)),
      );
      // domains agree with subClasses
      d.domains[which].forEach((m, i) => {
        assert.equal(m === 0, d.grouping.source.includes(d.subClasses[which][i] as number));
      });
    }
    dispose(d);
    assert.deepEqual(Array.from(S.data.train.images.data() as Uint8Array), Array.from(S.px.train), 'base intact');
  });

  test('part=source holds exactly the images of source sub-classes, part=target the complement', () => {
    const src = subpopulationDataset(S.data, { part: 'source' });
    const tgt = subpopulationDataset(S.data, { part: 'target' });
    assert.ok(!isDomainUnion(src) && !isDomainUnion(tgt));
    assert.equal(src.name, 'subpop:fashion-mnist?groups=0+2+4+6/5+7+9/1+3+8,source=0+2+5+7+1+3,part=source');
    for (const which of ['train', 'test'] as const) {
      const ys = S.ys[which];
      const counts = which === 'train' ? TRAIN : TEST;
      const want = (keep: (y: number) => boolean) => ys.flatMap((y, i) => (keep(y) ? [i] : []));
      const nSource = [0, 2, 5, 7, 1, 3].reduce((a, c) => a + (counts[c] as number), 0);
      const nTarget = [4, 6, 9, 8].reduce((a, c) => a + (counts[c] as number), 0);
      assert.equal(src[which].images.size(0), nSource);
      assert.equal(tgt[which].images.size(0), nTarget);
      assert.equal(nSource + nTarget, ys.length);
      const s = traced(S, src, which);
      const t = traced(S, tgt, which);
      assert.deepEqual(
        s,
        want((y) => FASHION_SOURCE.has(y)),
      );
      assert.deepEqual(
        t,
        want((y) => !FASHION_SOURCE.has(y)),
      );
      assert.ok(
        s.every((j) => FASHION_SOURCE.has(ys[j] as number)),
        'no image of a target sub-class in the source part',
      );
      assert.deepEqual(
        src[which].labels.toArray(),
        s.map((j) => FASHION_SUPER[ys[j] as number]),
      );
      assert.deepEqual(
        Array.from(src.subClasses[which]),
        s.map((j) => ys[j]),
      );
      assert.deepEqual(
        tgt[which].labels.toArray(),
        t.map((j) => FASHION_SUPER[ys[j] as number]),
      );
      assert.deepEqual(
        Array.from(tgt.subClasses[which]),
        t.map((j) => ys[j]),
      );
    }
    // domain members of part=all are the two parts
    const all = subpopulationDataset(S.data);
    for (const [i, part] of [
      [0, src],
      [1, tgt],
    ] as const) {
      const m = domainMember(all, i);
      assert.equal(m.name, ['source', 'target'][i]);
      assert.ok(m.train.images.eq(part.train.images).all().item());
      assert.ok(m.test.labels.eq(part.test.labels).all().item());
      dispose(m);
    }
    for (const d of [src, tgt, all]) dispose(d);
  });

  test('an explicit grouping and source: group0, group1, … and the source as given, in group order', () => {
    const groups = [
      [9, 8, 7],
      [0, 1],
      [2, 3, 4, 5, 6],
    ];
    const d = subpopulationDataset(S.data, { groups, source: [4, 0, 8, 2], part: 'source' });
    assert.deepEqual(d.classes, ['group0', 'group1', 'group2']);
    assert.deepEqual(d.grouping.source, [8, 0, 2, 4]);
    assert.deepEqual(d.grouping.target, [9, 7, 1, 3, 5, 6]);
    assert.equal(d.name, 'subpop:fashion-mnist?groups=9+8+7/0+1/2+3+4+5+6,source=8+0+2+4,part=source');
    const superOf = [1, 1, 2, 2, 2, 2, 2, 0, 0, 0];
    const keep = new Set([8, 0, 2, 4]);
    const s = traced(S, d, 'train');
    assert.deepEqual(
      s,
      S.ys.train.flatMap((y, i) => (keep.has(y) ? [i] : [])),
    );
    assert.deepEqual(
      d.train.labels.toArray(),
      s.map((j) => superOf[S.ys.train[j] as number]),
    );
    dispose(d);
    // the default source of the same groups: the first ⌈n/2⌉ of each, in listed order
    const e = subpopulationDataset(S.data, { groups, part: 'target' });
    assert.deepEqual(e.grouping.source, [9, 8, 0, 2, 3, 4]);
    assert.deepEqual(e.grouping.target, [7, 1, 5, 6]);
    dispose(e);
    // the default grouping's groups in another order within each group keep the built-in names
    const f = subpopulationDataset(S.data, {
      groups: [
        [6, 4, 2, 0],
        [9, 7, 5],
        [8, 3, 1],
      ],
      part: 'source',
    });
    assert.deepEqual(f.classes, ['tops', 'footwear', 'other']);
    assert.deepEqual(f.grouping.source, [6, 4, 9, 7, 8, 3]);
    dispose(f);
  });

  test('refusals of the library function name the field', () => {
    const fn = (o: Parameters<typeof subpopulationDataset>[1]) => () => subpopulationDataset(S.data, o);
    assert.throws(
      fn({
        groups: [
          [0, 1, 2],
          [3, 4, 5],
        ],
      }),
      /subpopulationDataset: groups leaves sub-class 6 \(Shirt\) in no group/,
    );
    assert.throws(
      fn({
        groups: [
          [0, 1, 2, 3, 4],
          [5, 6, 7, 8, 9, 10],
        ],
      }),
      /groups has sub-class 10, but the base has 10 classes \(0…9\)/,
    );
    assert.throws(
      fn({
        groups: [
          [0, 1, 2, 3, 4],
          [4, 5, 6, 7, 8, 9],
        ],
      }),
      /groups: sub-class 4 is in two groups, super-class group0 \(0\+1\+2\+3\+4\) and super-class group1/,
    );
    assert.throws(
      fn({ source: [0, 2, 5, 7, 1, 3, 8] }),
      /source holds every sub-class of super-class other \(1\+3\+8\)/,
    );
    assert.throws(
      fn({ source: [0, 2, 5, 7] }),
      /source has no sub-class of super-class other \(1\+3\+8\): every group needs one/,
    );
    assert.throws(fn({ source: [0, 11] }), /source has sub-class 11, but the base has 10 classes/);
    assert.throws(
      fn({ part: 'both' as 'all' }),
      /subpopulationDataset: part must be one of all, source, target, got 'both'/,
    );
    const other = labeledDataset(
      'cifar10',
      ['a', 'b', 'c'],
      { images: tensor(new Uint8Array(12), [3, 1, 2, 2]), labels: tensor(BigInt64Array.from([0n, 1n, 2n]), [3]) },
      { images: tensor(new Uint8Array(4), [1, 1, 2, 2]), labels: tensor(BigInt64Array.from([0n]), [1]) },
    );
    assert.throws(
      () => subpopulationDataset(other),
      /subpopulationDataset: cifar10 has no built-in grouping \(built in: fashion-mnist, mnist\): give groups/,
    );
    assert.throws(
      () => subpopulationDataset(other, { defaultGrouping: 'mnist' }),
      /the built-in mnist grouping is for mnist's 10 classes .* but the base has 3 classes \(a, b, c\): give groups/,
    );
    assert.throws(
      () =>
        subpopulationDataset(other, {
          groups: [
            [0, 1],
            [2, 3],
          ],
        }),
      /groups has sub-class 3, but the base has 3 classes/,
    );
    dispose(other);
    // the grouping alone, against class names
    const g = resolveSubpopGrouping(
      Array.from({ length: 10 }, (_, i) => String(i)),
      { defaultGrouping: 'shift:mnist?kind=invert' },
    );
    assert.deepEqual(g.names, ['loops', 'straight', 'curves']);
    assert.deepEqual(g.superClassOf, MNIST_SUPER);
    assert.deepEqual(new Set(g.source), MNIST_SOURCE);
  });
});

describe('subpop: specs', () => {
  test('parse ∘ format round trips', () => {
    const cases: [string, SubpopSpec][] = [
      ['subpop:fashion-mnist', { base: 'fashion-mnist' }],
      ['subpop:mnist?part=target', { base: 'mnist', part: 'target' }],
      [
        'subpop:fashion-mnist?groups=0+2+4+6/5+7+9/1+3+8,source=0+2+5+7+1+3,part=all',
        {
          base: 'fashion-mnist',
          groups: [
            [0, 2, 4, 6],
            [5, 7, 9],
            [1, 3, 8],
          ],
          source: [0, 2, 5, 7, 1, 3],
          part: 'all',
        },
      ],
      [
        'subpop:cifar10:/d?groups=0+1/2+3+4',
        {
          base: 'cifar10:/d',
          groups: [
            [0, 1],
            [2, 3, 4],
          ],
        },
      ],
      ['subpop:mnist?source=0+8+1+2', { base: 'mnist', source: [0, 8, 1, 2] }],
      ['subpop:shift:mnist?kind=invert?part=source', { base: 'shift:mnist?kind=invert', part: 'source' }],
    ];
    for (const [text, spec] of cases) {
      assert.deepEqual(parseSubpopSpec(text), spec, text);
      assert.equal(formatSubpopSpec(spec), text);
    }
    assert.deepEqual(parseSubpopSpec('SUBPOP:mnist?Part=Source, source = 0+1+2'), {
      base: 'mnist',
      part: 'source',
      source: [0, 1, 2],
    });
  });

  test('every refusal names the spec and the field', () => {
    const cases: [string, RegExp][] = [
      ['subpop:', /give the base dataset after 'subpop:'/],
      ['mnist', /expected subpop:BASE/],
      ['subpop:mnist?', /empty options after '\?'/],
      [
        'subpop:mnist?grups=0+1/2+3',
        /unknown option 'grups' \(did you mean 'groups'\?\) for subpop; known: groups, source, part$/,
      ],
      [
        'subpop:shift:mnist?kind=invert',
        /unknown option 'kind' .*a BASE with options of its own needs subpop's after them, e\.g\. subpop:shift:mnist\?kind=invert\?part=all/,
      ],
      ['subpop:mnist?groups', /option groups needs a value/],
      ['subpop:mnist?part=all,part=source', /option part is given twice/],
      ['subpop:mnist?part=both', /part must be one of all, source, target, got 'both'/],
      ['subpop:mnist?part=sourc', /part must be one of .*got 'sourc' \(did you mean 'source'\?\)/],
      ['subpop:mnist?groups=0+x/1+2', /groups must be sub-class lists separated by '\/'.*\('x' is not a class index\)/],
      ['subpop:mnist?groups=0-4/5-9', /groups must be sub-class lists .*\('0-4' is not a class index\)/],
      ['subpop:mnist?groups=0+1//2+3', /groups must be .*\('' is not a class index\)/],
      ['subpop:mnist?groups=0+1+2+3+4+5+6+7+8+9', /groups needs at least 2 groups separated by '\/', got 1/],
      [
        'subpop:mnist?groups=0/1+2+3+4+5+6+7+8+9',
        /groups: super-class group0 \(0\) has 1 sub-class; every group needs at least 2/,
      ],
      [
        'subpop:mnist?groups=0+1+2/2+3+4',
        /groups: sub-class 2 is in two groups, super-class group0 \(0\+1\+2\) and super-class group1 \(2\+3\+4\)/,
      ],
      ['subpop:mnist?groups=0+0+1/2+3', /groups: sub-class 0 is listed twice in super-class group0/],
      ['subpop:mnist?source=0+x', /source must be class indices separated by '\+'.*\('x' is not a class index\)/],
      ['subpop:mnist?source=0+1+0', /source: sub-class 0 is listed twice/],
      [
        'subpop:mnist?source=0+6+8+9+1+2',
        /source holds every sub-class of super-class loops \(0\+6\+8\+9\): every group needs a target sub-class too/,
      ],
      ['subpop:mnist?source=0+1', /source has no sub-class of super-class curves \(2\+3\+5\): every group needs one/],
      ['subpop:mnist?source=0+1+2+12', /source: sub-class 12 is in no group/],
      ['subpop:mnist?groups=0+1/2+3,source=0+2+7', /source: sub-class 7 is in no group/],
      ['subpop:mnist?groups=0+1/2+3,source=0+1+2', /source holds every sub-class of super-class group0 \(0\+1\)/],
    ];
    for (const [spec, field] of cases) refuses(() => parseSubpopSpec(spec), spec, field);
  });

  test('a union refuses a subpop member', () => {
    for (const spec of ['union:mnist+subpop:mnist', 'union:subpop:mnist?part=source+mnist'])
      refuses(() => parseUnionSpec(spec), spec, /is a subpop: spec, whose groups and source are written with '\+'/);
  });
});

describe('loadDataset of subpop: on real Fashion-MNIST and MNIST', () => {
  let F: LabeledDataset;
  let fys: number[];
  before(() => {
    F = fashionMnist();
    fys = F.train.labels.toArray();
  });
  after(() => dispose(F));

  test('subpop:fashion-mnist — default grouping, 6000 per sub-class, tops source = 12,000 train images', async () => {
    const d = (await loadDataset('subpop:fashion-mnist')) as SubpopulationDataset;
    assert.equal(d.name, 'subpop:fashion-mnist?groups=0+2+4+6/5+7+9/1+3+8,source=0+2+5+7+1+3,part=all');
    assert.ok(isDomainUnion(d), 'part=all is a DomainUnion');
    assert.deepEqual(d.classes, ['tops', 'footwear', 'other']);
    assert.deepEqual(d.train.images.shape, [60000, 1, 28, 28]);
    assert.deepEqual(d.test.images.shape, [10000, 1, 28, 28]);
    assert.deepEqual(count(d.train.labels.toArray(), 3), [24000, 18000, 18000]);
    assert.deepEqual(count(d.test.labels.toArray(), 3), [4000, 3000, 3000]);
    assert.deepEqual(count(d.domains.train, 2), [36000, 24000]);
    assert.deepEqual(count(d.domains.test, 2), [6000, 4000]);
    assert.deepEqual(Array.from(d.subClasses.train), fys);
    assert.ok(d.train.images.eq(F.train.images).all().item(), 'part=all keeps every image in order');
    dispose(d);

    const s = (await loadDataset('subpop:fashion-mnist?part=source')) as SubpopulationDataset;
    assert.equal(s.name, 'subpop:fashion-mnist?groups=0+2+4+6/5+7+9/1+3+8,source=0+2+5+7+1+3,part=source');
    assert.ok(!isDomainUnion(s));
    assert.equal(s.train.images.size(0), 36000);
    assert.equal(s.test.images.size(0), 6000);
    const labels = count(s.train.labels.toArray(), 3);
    assert.equal(labels[0], 12000, 'tops: T-shirt/top and pullover, 6000 each');
    assert.deepEqual(labels, [12000, 12000, 12000]);
    assert.ok(
      Array.from(s.subClasses.train).every((c) => FASHION_SOURCE.has(c)),
      'no target sub-class reaches the source part',
    );
    assert.deepEqual(count(s.subClasses.train, 10), [6000, 6000, 6000, 6000, 0, 6000, 0, 6000, 0, 0]);
    // pixels: source image k is the k-th base image whose class is a source class
    const at = fys.flatMap((y, i) => (FASHION_SOURCE.has(y) ? [i] : []));
    const out = s.train.images.data() as Uint8Array;
    const src = F.train.images.data() as Uint8Array;
    for (const k of [0, 1, 17999, 35999])
      assert.deepEqual(
        Array.from(out.subarray(k * 784, (k + 1) * 784)),
        Array.from(src.subarray((at[k] as number) * 784, ((at[k] as number) + 1) * 784)),
        `source image ${k}`,
      );
    dispose(s);
  });

  test('subpop:mnist?part=target — the images of 8, 9, 7, 5 labelled loops, loops, straight, curves', async () => {
    const M = mnist();
    const ys = M.train.labels.toArray();
    const tys = M.test.labels.toArray();
    const d = (await loadDataset('subpop:mnist?part=target')) as SubpopulationDataset;
    assert.equal(d.name, 'subpop:mnist?groups=0+6+8+9/1+4+7/2+3+5,source=0+6+1+4+2+3,part=target');
    assert.deepEqual(d.classes, ['loops', 'straight', 'curves']);
    const want = ys.filter((y) => !MNIST_SOURCE.has(y));
    assert.equal(d.train.images.size(0), want.length);
    assert.equal(d.test.images.size(0), tys.filter((y) => !MNIST_SOURCE.has(y)).length);
    assert.deepEqual(Array.from(d.subClasses.train), want);
    assert.deepEqual(
      d.train.labels.toArray(),
      want.map((y) => MNIST_SUPER[y]),
    );
    dispose(d);
    // a shift keeps the classes, so the default grouping follows the base through it
    const inv = (await loadDataset('subpop:shift:mnist?kind=invert?part=source')) as SubpopulationDataset;
    assert.equal(inv.name, 'subpop:shift:mnist?kind=invert?groups=0+6+8+9/1+4+7/2+3+5,source=0+6+1+4+2+3,part=source');
    const at = ys.flatMap((y, i) => (MNIST_SOURCE.has(y) ? [i] : []));
    assert.equal(inv.train.images.size(0), at.length);
    const out = inv.train.images.data() as Uint8Array;
    const src = M.train.images.data() as Uint8Array;
    for (const k of [0, 5000, at.length - 1])
      assert.deepEqual(
        Array.from(out.subarray(k * 784, (k + 1) * 784)),
        Array.from(src.subarray((at[k] as number) * 784, ((at[k] as number) + 1) * 784), (v) => 255 - v),
      );
    const again = await loadDataset(inv.name);
    assert.equal(again.name, inv.name, 'the canonical name rebuilds the same set');
    assert.ok(again.train.images.eq(inv.train.images).all().item());
    for (const x of [inv, again, M]) dispose(x);
  });

  test('errors name the whole spec', async () => {
    await assert.rejects(
      loadDataset('subpop:cifar10:/no/such/dir'),
      /^Error: dataset 'subpop:cifar10:\/no\/such\/dir': cifar10 has no built-in grouping \(built in: fashion-mnist, mnist\): give groups/,
    );
    await assert.rejects(
      loadDataset('subpop:mnist?groups=0+1/2+3'),
      /^Error: dataset 'subpop:mnist\?groups=0\+1\/2\+3': subpopulationDataset: groups leaves sub-class 4 \(4\) in no group/,
    );
    await assert.rejects(
      loadDataset('subpop:mnist?groups=0+1+2+3+4/5+6+7+8+10'),
      /dataset 'subpop:mnist\?groups=0\+1\+2\+3\+4\/5\+6\+7\+8\+10': subpopulationDataset: groups has sub-class 10, but the base has 10 classes \(0…9\)/,
    );
    await assert.rejects(
      loadDataset('subpop:nope?groups=0+1/2+3'),
      /dataset 'subpop:nope\?groups=0\+1\/2\+3': unknown dataset 'nope'/,
    );
    await assert.rejects(
      loadDataset('union:mnist+subpop:mnist'),
      /dataset 'union:mnist\+subpop:mnist': member 'subpop:mnist' is a subpop: spec/,
    );
  });
});
