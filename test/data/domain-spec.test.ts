/**
 * Dataset specs of the domain-transfer experiments (`shift:BASE?kind=…`,
 * `union:A+B`): parse ∘ format round trips and every refusal (the message
 * names the spec and the field); `shiftDataset` against `domainPair` and
 * against 255 − x computed on host bytes; `unionDatasets` and `domainMember`
 * against hand concatenation of host copies; `loadDataset` of a union on
 * real MNIST against MNIST's own bytes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LabeledDataset } from '../../src/data/dataset.ts';
import { domainPair, textureBackground } from '../../src/data/domain-shift.ts';
import {
  type DomainUnion,
  domainMember,
  formatShiftSpec,
  formatUnionSpec,
  isDomainUnion,
  parseNumber,
  parseOptionList,
  parseShiftSpec,
  parseUnionSpec,
  resolveShiftSpec,
  type ShiftSpec,
  shiftDataset,
  splitSpec,
  unionDatasets,
} from '../../src/data/domain-spec.ts';
import { DATASET_FORMS, DATASET_NAMES, disposeDataset as dispose, loadDataset } from '../../src/data/index.ts';
import { mnist } from '../../src/data/mnist.ts';
import { labeledDataset } from '../../src/data/tensor-source.ts';
import { type Tensor, tensor } from '../../src/tensor/index.ts';
import { Rng } from '../helpers/prng.ts';
import { refuses } from '../helpers/spec-errors.ts';

const bytes = (t: Tensor): number[] => Array.from(t.data() as Uint8Array);

interface Tiny {
  data: LabeledDataset;
  px: { train: number[]; test: number[] };
  ys: { train: number[]; test: number[] };
}

/** A tiny labeled dataset of random bytes, `n` train and `m` test images of C×H×W, labels cycling over `classes`. */
function tiny(
  name: string,
  n: number,
  m: number,
  [C, H, W]: [number, number, number],
  seed: number,
  classes = ['a', 'b', 'c'],
): Tiny {
  const rng = new Rng(seed);
  const make = (k: number) => {
    const px = Array.from({ length: k * C * H * W }, () => rng.int(0, 256));
    const ys = Array.from({ length: k }, (_, i) => (i + seed) % classes.length);
    return {
      px,
      ys,
      split: {
        images: tensor(Uint8Array.from(px), [k, C, H, W]),
        labels: tensor(BigInt64Array.from(ys, BigInt), [k]),
      },
    };
  };
  const tr = make(n);
  const te = make(m);
  return {
    data: labeledDataset(name, classes, tr.split, te.split),
    px: { train: tr.px, test: te.px },
    ys: { train: tr.ys, test: te.ys },
  };
}

describe('shift: specs', () => {
  test('parse ∘ format round trips, options after the last ?', () => {
    const cases: [string, ShiftSpec][] = [
      ['shift:mnist?kind=invert', { base: 'mnist', kind: 'invert' }],
      ['shift:mnist?kind=rotate', { base: 'mnist', kind: 'rotate' }],
      ['shift:cifar10:/data/c?kind=rotate,degrees=-22.5', { base: 'cifar10:/data/c', kind: 'rotate', degrees: -22.5 }],
      ['shift:fashion-mnist?kind=tint,rgb=0.25/1/0', { base: 'fashion-mnist', kind: 'tint', rgb: [0.25, 1, 0] }],
      [
        'shift:mnist?kind=texture,seed=3,gratings=2,min-cycles=0.5,max-cycles=4,noise=0.1,noise-grid=8',
        {
          base: 'mnist',
          kind: 'texture',
          seed: 3,
          gratings: 2,
          minCycles: 0.5,
          maxCycles: 4,
          noise: 0.1,
          noiseGrid: 8,
        },
      ],
      [
        'shift:two-part:mnist?seed=1?kind=rotate,degrees=180',
        { base: 'two-part:mnist?seed=1', kind: 'rotate', degrees: 180 },
      ],
      ['shift:shift:mnist?kind=invert?kind=invert', { base: 'shift:mnist?kind=invert', kind: 'invert' }],
    ];
    for (const [text, spec] of cases) {
      assert.deepEqual(parseShiftSpec(text), spec, text);
      assert.equal(formatShiftSpec(spec), text);
    }
    // keys and kind are case-insensitive and the canonical form writes them in a fixed order
    assert.equal(
      formatShiftSpec(parseShiftSpec('shift:mnist?NOISE=0.5,Kind=Texture,seed=2')),
      'shift:mnist?kind=texture,seed=2,noise=0.5',
    );
  });

  test('resolveShiftSpec writes out the defaults of domain-shift.ts, only the keys the kind reads', () => {
    const full = (t: string): string => formatShiftSpec(resolveShiftSpec(parseShiftSpec(t)));
    assert.equal(full('shift:mnist?kind=rotate'), 'shift:mnist?kind=rotate,degrees=90');
    assert.equal(full('shift:mnist?kind=invert'), 'shift:mnist?kind=invert');
    assert.equal(full('shift:mnist?kind=tint'), 'shift:mnist?kind=tint,rgb=1/0.5/0');
    assert.equal(
      full('shift:mnist?kind=texture,noise=0'),
      'shift:mnist?kind=texture,seed=0,gratings=3,min-cycles=1,max-cycles=6,noise=0,noise-grid=4',
    );
    // a huge angle is written without the '+' of 1e+21 (a '+' would split a union's members) and reads back
    const big = full('shift:mnist?kind=rotate,degrees=1e21');
    assert.equal(big, 'shift:mnist?kind=rotate,degrees=1e21');
    assert.equal(parseShiftSpec(big).degrees, 1e21);
  });

  test('every refusal names the spec and the field', () => {
    refuses(() => parseShiftSpec('shift:'), 'shift:', /give the base dataset after 'shift:'/);
    refuses(() => parseShiftSpec('shift:mnist'), 'shift:mnist', /give the shift after '\?'.*kind=rotate\|invert/);
    refuses(() => parseShiftSpec('shift:mnist?'), 'shift:mnist?', /empty options after '\?'/);
    refuses(() => parseShiftSpec('nope:mnist?kind=invert'), 'nope:mnist?kind=invert', /expected shift:BASE\?kind=/);
    refuses(() => parseShiftSpec('shift:mnist?degrees=3'), 'shift:mnist?degrees=3', /option kind is required/);
    refuses(
      () => parseShiftSpec('shift:two-part:mnist?seed=1'),
      'shift:two-part:mnist?seed=1',
      /option kind is required .*e\.g\. shift:two-part:mnist\?seed=1\?kind=invert/,
    );
    refuses(
      () => parseShiftSpec('shift:mnist?kind=invrt'),
      'shift:mnist?kind=invrt',
      /kind must be one of rotate, invert, tint, texture, got 'invrt' \(did you mean 'invert'\?\)/,
    );
    refuses(
      () => parseShiftSpec('shift:mnist?kind=rotate,degres=3'),
      'shift:mnist?kind=rotate,degres=3',
      /unknown option 'degres' \(did you mean 'degrees'\?\) for shift/,
    );
    refuses(
      () => parseShiftSpec('shift:mnist?kind=invert,degrees=90'),
      'shift:mnist?kind=invert,degrees=90',
      /kind=invert does not read degrees \(read by rotate\); invert reads no options/,
    );
    refuses(
      () => parseShiftSpec('shift:mnist?kind=tint,seed=1'),
      'shift:mnist?kind=tint,seed=1',
      /kind=tint does not read seed \(read by texture\); tint reads only rgb/,
    );
    refuses(
      () => parseShiftSpec('shift:mnist?kind=rotate,degrees=abc'),
      'shift:mnist?kind=rotate,degrees=abc',
      /degrees must be a finite number/,
    );
    refuses(
      () => parseShiftSpec('shift:mnist?kind=rotate,degrees'),
      'shift:mnist?kind=rotate,degrees',
      /option degrees needs a value/,
    );
    refuses(
      () => parseShiftSpec('shift:mnist?kind=rotate,degrees=1,degrees=2'),
      'shift:mnist?kind=rotate,degrees=1,degrees=2',
      /option degrees is given twice/,
    );
    refuses(
      () => parseShiftSpec('shift:mnist?kind=tint,rgb=1/2/0'),
      'shift:mnist?kind=tint,rgb=1/2/0',
      /rgb must be three numbers in \[0, 1\]/,
    );
    refuses(
      () => parseShiftSpec('shift:mnist?kind=tint,rgb=1/0'),
      'shift:mnist?kind=tint,rgb=1/0',
      /rgb must be three numbers/,
    );
    for (const [kv, field] of [
      ['seed=-1', /seed must be a non-negative integer/],
      ['seed=1.5', /seed must be a non-negative integer/],
      ['gratings=0', /gratings must be a positive integer/],
      ['noise=2', /noise must be a number in \[0, 1\]/],
      ['noise-grid=2.5', /noise-grid must be a positive integer/],
      ['min-cycles=-1', /min-cycles must be a finite number ≥ 0/],
      ['min-cycles=5,max-cycles=2', /max-cycles \(2\) must be ≥ min-cycles \(5\)/],
      ['min-cycles=7', /max-cycles \(6\) must be ≥ min-cycles \(7\)/],
    ] as const) {
      const spec = `shift:mnist?kind=texture,${kv}`;
      refuses(() => parseShiftSpec(spec), spec, field);
    }
  });

  test('the shared helpers: splitSpec at the first : and the last ?, parseOptionList, parseNumber', () => {
    assert.deepEqual(splitSpec('shift:two-part:mnist?seed=1?kind=invert'), {
      base: 'two-part:mnist?seed=1',
      options: 'kind=invert',
    });
    assert.deepEqual(splitSpec('subpop:mnist'), { base: 'mnist', options: undefined });
    assert.deepEqual(splitSpec('mnist'), { base: '', options: undefined });
    assert.deepEqual(
      [...parseOptionList('A=1, b = x', 's', 'k', ['a', 'b'])],
      [
        ['a', '1'],
        ['b', 'x'],
      ],
    );
    assert.throws(
      () => parseOptionList('c=1', 's', 'k', ['a', 'b']),
      /dataset 's': unknown option 'c'.* for k; known: a, b$/,
    );
    assert.equal(
      parseNumber('-2.5e1', 'x', 's', 'a number', () => true),
      -25,
    );
    for (const bad of ['', '1,5', '0x10', 'Infinity', 'NaN', '1e400'])
      assert.throws(() => parseNumber(bad, 'x', 's', 'a number', () => true), /dataset 's': x must be a number/);
  });
});

describe('union: specs', () => {
  test('parse ∘ format round trips', () => {
    for (const [text, members] of [
      ['union:mnist+fashion-mnist', ['mnist', 'fashion-mnist']],
      [
        'union:mnist+shift:mnist?kind=invert+shift:mnist?kind=rotate,degrees=45',
        ['mnist', 'shift:mnist?kind=invert', 'shift:mnist?kind=rotate,degrees=45'],
      ],
      ['union:cifar10:/d+shift:cifar10:/d?kind=texture', ['cifar10:/d', 'shift:cifar10:/d?kind=texture']],
    ] as const) {
      assert.deepEqual(parseUnionSpec(text), { members: [...members] });
      assert.equal(formatUnionSpec({ members: [...members] }), text);
    }
    assert.deepEqual(parseUnionSpec('UNION: mnist + fashion-mnist ').members, ['mnist', 'fashion-mnist']);
  });

  test('every refusal names the spec and the member', () => {
    refuses(() => parseUnionSpec('union:mnist'), 'union:mnist', /at least two member datasets separated by '\+'/);
    refuses(() => parseUnionSpec('union:'), 'union:', /at least two member datasets/);
    refuses(() => parseUnionSpec('mnist+mnist'), 'mnist+mnist', /expected union:A\+B/);
    refuses(() => parseUnionSpec('union:mnist++mnist'), 'union:mnist++mnist', /member 2 of 3 is empty/);
    refuses(() => parseUnionSpec('union:mnist+'), 'union:mnist+', /member 2 of 2 is empty/);
    refuses(
      () => parseUnionSpec('union:mnist+union:a+b'),
      'union:mnist+union:a+b',
      /member 'union:a' is itself a union/,
    );
    for (const spec of [
      'union:mnist+subpop:mnist',
      'union:subpop:mnist?part=source+mnist',
      'union:mnist+shift:subpop:mnist?kind=invert',
    ]) {
      refuses(
        () => parseUnionSpec(spec),
        spec,
        /member 'shift:subpop:mnist\?kind=invert'|member 'subpop:mnist(\?part=source)?' is a subpop: spec, whose groups and source are written with '\+', so it cannot be a union member/,
      );
    }
    refuses(
      () => parseUnionSpec('union:two-part:mnist?frequent=0+2,rare=5-9+mnist'),
      'union:two-part:mnist?frequent=0+2,rare=5-9+mnist',
      /member '2,rare=5-9' \(member 2 of 3\) is not a dataset spec: members are split at every '\+'/,
    );
  });

  test('the registry lists the new forms', () => {
    for (const f of ['shift:BASE?kind=KIND[,OPTIONS]', 'union:A+B[+C…]', 'subpop:BASE[?OPTIONS]'])
      assert.ok(DATASET_FORMS.includes(f), f);
    for (const n of ['shift', 'union', 'subpop']) assert.ok(DATASET_NAMES.includes(n), n);
  });
});

describe('shiftDataset on tiny synthetic data', () => {
  let A: Tiny;
  before(() => {
    A = tiny('tiny', 5, 3, [1, 4, 6], 1);
  });
  after(() => dispose(A.data));

  test('invert: 255 − x on host bytes, both splits, same labels and classes, base intact', () => {
    const d = shiftDataset(A.data, { base: 'tiny', kind: 'invert' });
    assert.equal(d.name, 'shift:tiny?kind=invert');
    assert.deepEqual(d.classes, ['a', 'b', 'c']);
    assert.deepEqual(
      bytes(d.train.images),
      A.px.train.map((v) => 255 - v),
    );
    assert.deepEqual(
      bytes(d.test.images),
      A.px.test.map((v) => 255 - v),
    );
    assert.deepEqual(d.train.labels.toArray(), A.ys.train);
    assert.deepEqual(d.test.labels.toArray(), A.ys.test);
    dispose(d);
    assert.deepEqual(bytes(A.data.train.images), A.px.train, 'the base is not changed or freed');
  });

  test('rotate, tint and texture equal domainPair(base, kind, opts).target pixel for pixel', () => {
    const cases: [ShiftSpec, Parameters<typeof domainPair>[2]][] = [
      [{ base: 'tiny', kind: 'rotate', degrees: 30 }, { degrees: 30 }],
      [{ base: 'tiny', kind: 'rotate' }, {}],
      [{ base: 'tiny', kind: 'tint', rgb: [0.2, 0.7, 1] }, { rgb: [0.2, 0.7, 1] }],
      [
        { base: 'tiny', kind: 'texture', seed: 5, gratings: 2, noise: 0.5 },
        { seed: 5, gratings: 2, noise: 0.5 },
      ],
      [{ base: 'tiny', kind: 'texture' }, {}],
    ];
    for (const [spec, opts] of cases) {
      const d = shiftDataset(A.data, spec);
      const { target } = domainPair(A.data, spec.kind, opts);
      assert.equal(d.name, formatShiftSpec(resolveShiftSpec(spec)));
      for (const which of ['train', 'test'] as const) {
        assert.deepEqual(d[which].images.shape, target[which].images.shape, `${d.name} ${which}`);
        assert.deepEqual(bytes(d[which].images), bytes(target[which].images), `${d.name} ${which}`);
        assert.deepEqual(d[which].labels.toArray(), A.ys[which]);
      }
      dispose(d);
      dispose(target);
    }
    // the train split is shifted with the seed, the test split with seed + 1 (as domainPair documents)
    const t = shiftDataset(A.data, { base: 'tiny', kind: 'texture', seed: 5, gratings: 2 });
    const trainRef = textureBackground(A.data.train.images, { seed: 5, gratings: 2 });
    const testRef = textureBackground(A.data.test.images, { seed: 6, gratings: 2 });
    assert.deepEqual(bytes(t.train.images), bytes(trainRef));
    assert.deepEqual(bytes(t.test.images), bytes(testRef));
    for (const x of [trainRef, testRef]) x.dispose();
    dispose(t);
  });
});

describe('unionDatasets and domainMember', () => {
  let A: Tiny;
  let B: Tiny;
  before(() => {
    A = tiny('A', 3, 2, [1, 2, 3], 1);
    B = tiny('B', 2, 1, [1, 2, 3], 2);
  });
  after(() => {
    dispose(A.data);
    dispose(B.data);
  });

  test('splits concatenated in member order, labels, domains and name by hand', () => {
    const u = unionDatasets([A.data, B.data]);
    assert.ok(isDomainUnion(u));
    assert.equal(u.name, 'union:A+B');
    assert.deepEqual(u.classes, ['a', 'b', 'c']);
    assert.deepEqual(bytes(u.train.images), [...A.px.train, ...B.px.train]);
    assert.deepEqual(bytes(u.test.images), [...A.px.test, ...B.px.test]);
    assert.deepEqual(u.train.labels.toArray(), [...A.ys.train, ...B.ys.train]);
    assert.deepEqual(u.test.labels.toArray(), [...A.ys.test, ...B.ys.test]);
    assert.deepEqual(Array.from(u.domains.train), [0, 0, 0, 1, 1]);
    assert.deepEqual(Array.from(u.domains.test), [0, 0, 1]);
    assert.deepEqual(u.domains.names, ['A', 'B']);
    // three members, named by the caller; B twice is fine
    const v = unionDatasets([B.data, A.data, B.data], ['x', 'y', 'z']);
    assert.equal(v.name, 'union:x+y+z');
    assert.deepEqual(bytes(v.train.images), [...B.px.train, ...A.px.train, ...B.px.train]);
    assert.deepEqual(Array.from(v.domains.train), [0, 0, 1, 1, 1, 2, 2]);
    dispose(u);
    dispose(v);
    assert.deepEqual(bytes(A.data.train.images), A.px.train, 'members stay intact');
    assert.ok(!isDomainUnion(A.data));
  });

  test('domainMember gives each member back exactly', () => {
    const u = unionDatasets([A.data, B.data, A.data], ['A', 'B', 'A2']);
    for (const [i, m] of [
      [0, A],
      [1, B],
      [2, A],
    ] as const) {
      const d = domainMember(u, i);
      assert.equal(d.name, ['A', 'B', 'A2'][i]);
      assert.deepEqual(d.classes, ['a', 'b', 'c']);
      assert.deepEqual(bytes(d.train.images), m.px.train);
      assert.deepEqual(bytes(d.test.images), m.px.test);
      assert.deepEqual(d.train.labels.toArray(), m.ys.train);
      assert.deepEqual(d.test.labels.toArray(), m.ys.test);
      assert.deepEqual(d.train.images.shape, m.data.train.images.shape);
      dispose(d);
    }
    for (const bad of [3, -1, 0.5])
      assert.throws(
        () => domainMember(u, bad),
        new RegExp(`domainMember: union:A\\+B\\+A2 has 3 members \\(0…2\\), got member index ${bad}`),
      );
    dispose(u);
  });

  test('domainMember refuses a member with an empty split, naming the union and the member', () => {
    const E = labeledDataset(
      'E',
      ['a', 'b', 'c'],
      { images: tensor(new Uint8Array(6), [1, 1, 2, 3]), labels: tensor(BigInt64Array.from([1n]), [1]) },
      { images: tensor(new Uint8Array(0), [0, 1, 2, 3]), labels: tensor(new BigInt64Array(0), [0]) },
    );
    const u = unionDatasets([A.data, E]);
    assert.throws(() => domainMember(u, 1), /domainMember: member 1 \(E\) of union:A\+E has no test images/);
    const a = domainMember(u, 0);
    assert.deepEqual(bytes(a.test.images), A.px.test);
    dispose(a);
    dispose(u);
    dispose(E);
  });

  test('members of other channels, sizes or classes are refused naming both members', () => {
    const rgb = tiny('RGB', 2, 1, [3, 2, 3], 3);
    const big = tiny('Big', 2, 1, [1, 3, 3], 4);
    const other = tiny('Other', 2, 1, [1, 2, 3], 5, ['a', 'B', 'c']);
    const fewer = tiny('Fewer', 2, 1, [1, 2, 3], 6, ['a', 'b']);
    assert.throws(
      () => unionDatasets([A.data, rgb.data]),
      /unionDatasets: member RGB has 3-channel train images, but member A has 1-channel images; the tint and texture shifts .*shift:A\?kind=tint,rgb=1\/1\/1/,
    );
    assert.throws(
      () => unionDatasets([A.data, big.data]),
      /unionDatasets: member Big has train images of 1×3×3 .*but member A's are 1×2×3: the members need one image size/,
    );
    assert.throws(
      () => unionDatasets([A.data, other.data]),
      /member Other has other classes than member A \(class 1 is 'B' in Other but 'b' in A\)/,
    );
    assert.throws(
      () => unionDatasets([A.data, fewer.data]),
      /member Fewer has other classes than member A \(2 classes against 3\)/,
    );
    assert.throws(() => unionDatasets([A.data, B.data], ['x']), /unionDatasets: 1 names for 2 members/);
    assert.throws(() => unionDatasets([]), /unionDatasets: give at least one member dataset/);
    for (const t of [rgb, big, other, fewer]) dispose(t.data);
  });
});

describe('loadDataset of shift: and union: on real MNIST', () => {
  let M: LabeledDataset;
  let px: Uint8Array;
  before(() => {
    M = mnist();
    px = M.train.images.data() as Uint8Array;
  });
  after(() => dispose(M));

  test('union:mnist+shift:mnist?kind=invert — 120,000 train images, domains 60,000/60,000, member 1 = 255 − MNIST', async () => {
    const events: { done: number; total: number }[] = [];
    const u = await loadDataset('union:mnist+shift:mnist?kind=invert', { onProgress: (p) => events.push(p) });
    assert.ok(isDomainUnion(u));
    const d = u as DomainUnion;
    assert.equal(d.name, 'union:mnist+shift:mnist?kind=invert');
    assert.deepEqual(d.domains.names, ['mnist', 'shift:mnist?kind=invert']);
    assert.deepEqual(d.train.images.shape, [120000, 1, 28, 28]);
    assert.deepEqual(d.test.images.shape, [20000, 1, 28, 28]);
    const count = (xs: Int32Array) => [xs.filter((x) => x === 0).length, xs.filter((x) => x === 1).length];
    assert.deepEqual(count(d.domains.train), [60000, 60000]);
    assert.deepEqual(count(d.domains.test), [10000, 10000]);
    assert.deepEqual(events, [{ done: 140000, total: 140000 }]);
    const out = d.train.images.data() as Uint8Array;
    const ys = d.train.labels.toArray();
    const mys = M.train.labels.toArray();
    for (const i of [0, 1, 777, 31415, 59999]) {
      const src = px.subarray(i * 784, (i + 1) * 784);
      assert.deepEqual(Array.from(out.subarray(i * 784, (i + 1) * 784)), Array.from(src), `member 0 image ${i}`);
      const j = 60000 + i;
      assert.deepEqual(
        Array.from(out.subarray(j * 784, (j + 1) * 784)),
        Array.from(src, (v) => 255 - v),
        `member 1 image ${i}`,
      );
      assert.equal(ys[i], mys[i]);
      assert.equal(ys[j], mys[i]);
    }
    // the recorded name rebuilds the same images
    const again = await loadDataset(d.name);
    assert.equal(again.name, d.name);
    assert.ok(again.train.images.eq(d.train.images).all().item());
    dispose(again);
    const s = await loadDataset('shift:mnist?kind=invert');
    assert.equal(s.name, 'shift:mnist?kind=invert');
    assert.ok(!isDomainUnion(s), 'a shift is no union');
    dispose(s);
    const m1 = domainMember(d, 1);
    assert.equal(m1.name, 'shift:mnist?kind=invert');
    assert.deepEqual(m1.train.images.shape, [60000, 1, 28, 28]);
    const m1px = m1.train.images.data() as Uint8Array;
    for (const i of [3, 40000]) assert.equal(m1px[i * 784 + 400], 255 - (px[i * 784 + 400] as number));
    dispose(m1);
    dispose(d);
  });

  test('names are canonical: the name part lower-cased, the shift with every option', async () => {
    const u = (await loadDataset('union:MNIST+shift:mnist?kind=rotate')) as DomainUnion;
    assert.equal(u.name, 'union:mnist+shift:mnist?kind=rotate,degrees=90');
    // rot90 by index mapping on a few images: out[y][x] = in[x][27 − y]
    const out = u.train.images.data() as Uint8Array;
    for (const i of [0, 12345]) {
      const j = 60000 + i;
      const rotated = Array.from({ length: 784 }, (_, k) => px[i * 784 + (k % 28) * 28 + (27 - Math.floor(k / 28))]);
      assert.ok(rotated.some((v) => v > 0));
      assert.deepEqual(Array.from(out.subarray(j * 784, (j + 1) * 784)), rotated, `image ${i}`);
    }
    dispose(u);
  });

  test('errors name the whole spec', async () => {
    await assert.rejects(
      loadDataset('union:mnist+shift:mnist?kind=tint'),
      /^Error: dataset 'union:mnist\+shift:mnist\?kind=tint': unionDatasets: member shift:mnist\?kind=tint,rgb=1\/0.5\/0 has 3-channel train images, but member mnist has 1-channel images; .*shift:mnist\?kind=tint,rgb=1\/1\/1/,
    );
    await assert.rejects(
      loadDataset('union:mnist+fashion-mnist'),
      /dataset 'union:mnist\+fashion-mnist': unionDatasets: member fashion-mnist has other classes than member mnist \(class 0 is 'T-shirt\/top' in fashion-mnist but '0' in mnist\)/,
    );
    await assert.rejects(loadDataset('union:mnist+nope'), /dataset 'union:mnist\+nope': unknown dataset 'nope'/);
    await assert.rejects(
      loadDataset('shift:nope?kind=invert'),
      /dataset 'shift:nope\?kind=invert': unknown dataset 'nope'/,
    );
    await assert.rejects(loadDataset('shift:mnist'), /dataset 'shift:mnist': give the shift after '\?'/);
    await assert.rejects(loadDataset('union:'), /dataset 'union:': a union needs at least two member datasets/);
    await assert.rejects(
      loadDataset('union:mnist+two-part:mnist?frequent=1-2'),
      /dataset 'union:mnist\+two-part:mnist\?frequent=1-2': member 'two-part:mnist\?frequent=1-2' is built as 'two-part:mnist\?seed=0,frequent=1-2,rare=0\+3-9,.*', whose '\+' would split it/,
    );
  });
});
