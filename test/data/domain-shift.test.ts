/**
 * Label-preserving domain shifts against hand-computed values and plain
 * per-pixel TypeScript references (rotation by index mapping and by bilinear
 * interpolation, tint by Math.round, the MNIST-M blend |T − x|).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LabeledDataset } from '../../src/data/dataset.ts';
import {
  domainPair,
  domainShift,
  invertImages,
  proceduralTextures,
  rotateImages,
  textureBackground,
  tintImages,
} from '../../src/data/domain-shift.ts';
import { type Tensor, tensor, zeros } from '../../src/tensor/index.ts';
import { Rng } from '../helpers/prng.ts';

const u8 = (data: number[], shape: number[]): Tensor => tensor(Uint8Array.from(data), shape);
function randomImages(shape: number[], seed: number): { t: Tensor; d: number[] } {
  const rng = new Rng(seed);
  const d = Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.int(0, 256));
  return { t: u8(d, shape), d };
}
const labelsOf = (ys: number[]): Tensor => tensor(BigInt64Array.from(ys, BigInt), [ys.length]);

/** out[n][c][i][j] = f(n, c, i, j) over a N×C×H×W shape, row-major. */
function build(shape: number[], f: (n: number, c: number, i: number, j: number) => number): number[] {
  const [N, C, H, W] = shape as [number, number, number, number];
  const out: number[] = [];
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) out.push(f(n, c, i, j));
  return out;
}

describe('invertImages', () => {
  test('255 − x by hand, and inverting twice is the identity', () => {
    assert.deepEqual(invertImages(u8([0, 1, 128, 255], [1, 1, 2, 2])).toArray(), [255, 254, 127, 0]);
    const { t, d } = randomImages([3, 3, 5, 4], 1);
    const once = invertImages(t);
    assert.equal(once.dtype, 'uint8');
    assert.deepEqual(
      once.toArray(),
      d.map((v) => 255 - v),
    );
    assert.deepEqual(invertImages(once).toArray(), d);
  });
});

describe('rotateImages', () => {
  const shape = [2, 3, 5, 5];
  const { t, d } = randomImages(shape, 2);
  const at = (n: number, c: number, i: number, j: number): number => d[((n * 3 + c) * 5 + i) * 5 + j] as number;

  test('0° and 360° are the identity, also on non-square images', () => {
    assert.deepEqual(rotateImages(t, 0).toArray(), d);
    assert.deepEqual(rotateImages(t, 360).toArray(), d);
    const ns = randomImages([2, 1, 7, 4], 3);
    assert.deepEqual(rotateImages(ns.t, 0).toArray(), ns.d);
    assert.deepEqual(rotateImages(ns.t, -720).toArray(), ns.d);
  });

  test('90° counter-clockwise is rot90: out[i][j] = in[j][W−1−i]; hand-checked on a 3×3 image', () => {
    // 1 2 3      3 6 9
    // 4 5 6  →   2 5 8
    // 7 8 9      1 4 7
    assert.deepEqual(
      rotateImages(u8([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]), 90).toArray(),
      [3, 6, 9, 2, 5, 8, 1, 4, 7],
    );
    assert.deepEqual(
      rotateImages(t, 90).toArray(),
      build(shape, (n, c, i, j) => at(n, c, j, 4 - i)),
    );
    assert.deepEqual(
      rotateImages(t, -90).toArray(),
      build(shape, (n, c, i, j) => at(n, c, 4 - j, i)),
    );
    assert.deepEqual(
      rotateImages(t, 270).toArray(),
      build(shape, (n, c, i, j) => at(n, c, 4 - j, i)),
    );
  });

  test('180° on a non-square image: out[i][j] = in[H−1−i][W−1−j]', () => {
    const { t: x, d: xd } = randomImages([1, 2, 6, 9], 4);
    assert.deepEqual(
      rotateImages(x, 180).toArray(),
      build([1, 2, 6, 9], (_n, c, i, j) => xd[(c * 6 + (5 - i)) * 9 + (8 - j)] as number),
    );
  });

  test('30° and 45° match a per-pixel bilinear reference with zeros outside (non-square 9×7)', () => {
    const [H, W] = [9, 7];
    const { t: x, d: xd } = randomImages([2, 1, H, W], 5);
    for (const deg of [30, 45, -60]) {
      const a = (deg * Math.PI) / 180;
      const px = (n: number, i: number, j: number): number =>
        i >= 0 && i < H && j >= 0 && j < W ? (xd[(n * H + i) * W + j] as number) : 0;
      const ref = build([2, 1, H, W], (n, _c, i, j) => {
        const xo = j - (W - 1) / 2;
        const yo = i - (H - 1) / 2;
        const xi = Math.cos(a) * xo - Math.sin(a) * yo + (W - 1) / 2;
        const yi = Math.sin(a) * xo + Math.cos(a) * yo + (H - 1) / 2;
        const j0 = Math.floor(xi);
        const i0 = Math.floor(yi);
        const fx = xi - j0;
        const fy = yi - i0;
        const v =
          (1 - fy) * ((1 - fx) * px(n, i0, j0) + fx * px(n, i0, j0 + 1)) +
          fy * ((1 - fx) * px(n, i0 + 1, j0) + fx * px(n, i0 + 1, j0 + 1));
        return Math.round(v);
      });
      const got = rotateImages(x, deg).toArray();
      // float32 sampling may flip a value sitting on a .5 boundary
      got.forEach((g, k) => {
        assert.ok(Math.abs(g - (ref[k] as number)) <= 1, `${deg}°: element ${k}: ${g} vs ${ref[k]}`);
      });
      assert.ok(got.filter((g, k) => g !== ref[k]).length <= 2, `${deg}°: too many off-by-one values`);
    }
  });

  test('more images than one chunk (2100) rotate like the index mapping', () => {
    const { t: x, d: xd } = randomImages([2100, 1, 3, 3], 6);
    const ref = build([2100, 1, 3, 3], (n, _c, i, j) => xd[n * 9 + j * 3 + (2 - i)] as number);
    assert.deepEqual(rotateImages(x, 90).toArray(), ref);
  });

  test('input checks', () => {
    assert.throws(() => rotateImages(tensor([[[[1]]]]), 90), /rotateImages: images must be uint8, got float32/);
    assert.throws(() => rotateImages(u8([1, 2], [1, 2]), 90), /images must be 4-D N×C×H×W, got shape \[1,2\]/);
    assert.throws(() => rotateImages(t, Number.NaN), /degrees must be a finite number/);
  });
});

describe('tintImages', () => {
  test('grey v with tint (r, g, b) gives Math.round(v·r), Math.round(v·g), Math.round(v·b) for every v', () => {
    const v = Array.from({ length: 256 }, (_, i) => i);
    const rgb: [number, number, number] = [0.9, 0.5, 0.3];
    const out = tintImages(u8(v, [1, 1, 16, 16]), rgb);
    assert.deepEqual(out.shape, [1, 3, 16, 16]);
    assert.equal(out.dtype, 'uint8');
    const got = out.toArray();
    for (let c = 0; c < 3; c++)
      for (const x of v) assert.equal(got[c * 256 + x], Math.round(x * rgb[c]), `channel ${c}, v = ${x}`);
    // by hand: 255·0.9 = 229.5 → 230; 3·0.5 = 1.5 → 2
    assert.equal(got[255], 230);
    assert.equal(got[256 + 3], 2);
  });

  test('colour images are multiplied channel-wise', () => {
    const { t, d } = randomImages([2, 3, 4, 4], 7);
    const rgb: [number, number, number] = [0.25, 1, 0.7];
    assert.deepEqual(
      tintImages(t, rgb).toArray(),
      d.map((x, k) => Math.round(x * rgb[Math.floor(k / 16) % 3])),
    );
  });

  test('input checks', () => {
    const { t } = randomImages([1, 2, 4, 4], 8);
    assert.throws(() => tintImages(t, [1, 1, 1]), /tintImages: images must have 1 or 3 channels, got 2/);
    const { t: g } = randomImages([1, 1, 4, 4], 8);
    assert.throws(() => tintImages(g, [1, 1.5, 1]), /rgb must be three numbers in \[0, 1\]/);
    assert.throws(() => tintImages(g, [1, 1] as unknown as [number, number, number]), /rgb must be three numbers/);
  });
});

describe('textureBackground (MNIST-M style)', () => {
  const shape = [4, 1, 12, 10];
  // a "digit": 0 background, 255 strokes, and some intermediate values
  const rng = new Rng(9);
  const digit = Array.from({ length: 4 * 12 * 10 }, () => {
    const u = rng.uniform();
    return u < 0.5 ? 0 : u < 0.8 ? 255 : rng.int(1, 255);
  });
  const x = u8(digit, shape);

  test('3-channel uint8, deterministic, seeds differ, and a real texture (not flat)', () => {
    const a = textureBackground(x, { seed: 1 });
    assert.deepEqual(a.shape, [4, 3, 12, 10]);
    assert.equal(a.dtype, 'uint8');
    assert.deepEqual(textureBackground(x, { seed: 1 }).toArray(), a.toArray());
    const b = textureBackground(x, { seed: 2 }).toArray();
    const differ = a.toArray().filter((v, k) => v !== b[k]).length;
    assert.ok(differ > a.numel / 2, `seeds 1 and 2 differ in only ${differ} values`);
    const tex = proceduralTextures(4, 12, 10, { seed: 1 }).toArray();
    for (let n = 0; n < 4; n++) {
      const img = tex.slice(n * 360, (n + 1) * 360);
      const mean = img.reduce((s, v) => s + v, 0) / 360;
      const sd = Math.sqrt(img.reduce((s, v) => s + (v - mean) ** 2, 0) / 360);
      assert.ok(sd > 5, `texture ${n} is nearly flat (sd ${sd})`);
    }
  });

  test('out = |T − x| per channel: background (x = 0) is the texture, strokes (x = 255) its negative', () => {
    const out = textureBackground(x, { seed: 5 }).toArray();
    // T from an all-zero image (|T − 0| = T) and from proceduralTextures must agree
    const tex = textureBackground(zeros([4, 1, 12, 10], { dtype: 'uint8' }), { seed: 5 }).toArray();
    assert.deepEqual(proceduralTextures(4, 12, 10, { seed: 5 }).toArray(), tex);
    let bg = 0;
    let fg = 0;
    for (let n = 0; n < 4; n++)
      for (let c = 0; c < 3; c++)
        for (let p = 0; p < 120; p++) {
          const v = digit[n * 120 + p] as number;
          const k = (n * 3 + c) * 120 + p;
          const T = tex[k] as number;
          if (v === 0) {
            assert.equal(out[k], T, `background pixel ${k}`);
            bg++;
          } else if (v === 255) {
            assert.equal(out[k], 255 - T, `stroke pixel ${k}`);
            fg++;
          } else assert.equal(out[k], Math.abs(T - v), `pixel ${k}`);
        }
    assert.ok(bg > 100 && fg > 100);
  });

  test('colour input blends per channel; more images than one chunk', () => {
    const { t, d } = randomImages([2, 3, 5, 5], 10);
    const tex = proceduralTextures(2, 5, 5, { seed: 3 }).toArray();
    assert.deepEqual(
      textureBackground(t, { seed: 3 }).toArray(),
      d.map((v, k) => Math.abs((tex[k] as number) - v)),
    );
    const big = randomImages([2100, 1, 2, 2], 11);
    const tb = proceduralTextures(2100, 2, 2, { seed: 4 }).toArray();
    const ref = build([2100, 3, 2, 2], (n, c, i, j) => {
      const v = big.d[n * 4 + i * 2 + j] as number;
      return Math.abs((tb[((n * 3 + c) * 2 + i) * 2 + j] as number) - v);
    });
    assert.deepEqual(textureBackground(big.t, { seed: 4 }).toArray(), ref);
  });

  test('input checks', () => {
    assert.throws(() => textureBackground(tensor([[[[0.5]]]]), { seed: 0 }), /textureBackground: images must be uint8/);
    assert.throws(() => textureBackground(x, { seed: 0, gratings: 0 }), /gratings must be a positive integer/);
    assert.throws(() => textureBackground(x, { seed: 0, noise: 2 }), /noise must be a number in \[0, 1\], got 2/);
  });
});

describe('domainShift and domainPair', () => {
  const train = randomImages([6, 1, 5, 5], 12);
  const test_ = randomImages([4, 1, 5, 5], 13);
  const trainY = [0, 1, 2, 0, 1, 2];
  const testY = [2, 1, 0, 2];
  const ds: LabeledDataset = {
    name: 'toy',
    classes: ['a', 'b', 'c'],
    train: { images: train.t, labels: labelsOf(trainY) },
    test: { images: test_.t, labels: labelsOf(testY) },
  };

  test('domainShift keeps labels (as a copy) and applies the kind', () => {
    const inv = domainShift(ds.train, 'invert');
    assert.deepEqual(inv.labels.toArray(), trainY);
    assert.notEqual(inv.labels, ds.train.labels);
    assert.deepEqual(
      inv.images.toArray(),
      train.d.map((v) => 255 - v),
    );
    const rot = domainShift(ds.train, 'rotate', { degrees: 180 });
    assert.deepEqual(
      rot.images.toArray(),
      build([6, 1, 5, 5], (n, _c, i, j) => train.d[n * 25 + (4 - i) * 5 + (4 - j)] as number),
    );
    const tint = domainShift(ds.train, 'tint', { rgb: [0, 1, 0] });
    assert.deepEqual(tint.images.shape, [6, 3, 5, 5]);
    assert.deepEqual(tint.images.select(1, 1).toArray(), train.d);
    assert.throws(
      () => domainShift(ds.train, 'blur' as 'invert'),
      /domainShift: kind must be one of "rotate", "invert", "tint", "texture", got "blur" \(a string\)/,
    );
  });

  test('domainPair: source is the dataset, target keeps labels and classes; texture seeds differ per split', () => {
    const { source, target } = domainPair(ds, 'texture', { seed: 7 });
    assert.equal(source, ds);
    assert.equal(target.name, 'toy-texture');
    assert.deepEqual(target.classes, ['a', 'b', 'c']);
    assert.deepEqual(target.train.labels.toArray(), trainY);
    assert.deepEqual(target.test.labels.toArray(), testY);
    assert.deepEqual(target.train.images.toArray(), textureBackground(train.t, { seed: 7 }).toArray());
    assert.deepEqual(target.test.images.toArray(), textureBackground(test_.t, { seed: 8 }).toArray());
    const rot = domainPair(ds, 'rotate');
    assert.deepEqual(rot.target.test.images.toArray(), rotateImages(test_.t, 90).toArray());
    assert.deepEqual(rot.target.classes, ds.classes);
  });
});
