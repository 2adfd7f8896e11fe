/**
 * Views of non-square images, the rare-class test's H×2W two-part images:
 * the presets crop at the image's own H×W with the aspect-ratio range
 * scaled by W/H (checked on sampled crop boxes against the area and ratio
 * ranges, by hand), and a run's view pipeline drops the horizontal flip on
 * two-part data, so the label half never changes sides (checked on images
 * whose left half is white and right half black; the same images under a
 * name that is not two-part do get flipped, so the check can fail).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { presetFromName, RandomResizedCrop } from '../../src/augment/index.ts';
import type { LabeledDataset } from '../../src/data/dataset.ts';
import { isTwoPartSpec } from '../../src/data/index.ts';
import { Generator, type Tensor, tensor, tidy } from '../../src/tensor/index.ts';
import { viewPipeline } from '../../src/train/pretrain.ts';

const kinds = (p: { spec: { transforms: { kind: string }[] } }) => p.spec.transforms.map((t) => t.kind);

test('presets at [H, W]: the crop has size [H, W] and its ratio range scaled by W/H; square sizes unchanged', () => {
  const wide = presetFromName('mnist', { size: [28, 56] }).transforms[0] as RandomResizedCrop;
  assert.ok(wide instanceof RandomResizedCrop);
  assert.deepEqual(wide.size, [28, 56]);
  assert.deepEqual(wide.ratio, [0.8 * 2, 1.25 * 2]);
  const square = presetFromName('mnist', { size: [28, 28] }).transforms[0] as RandomResizedCrop;
  assert.deepEqual(square.ratio, [0.8, 1.25]);
  assert.deepEqual(presetFromName('mnist', { size: 28 }).spec, presetFromName('mnist').spec);
  const cifar = presetFromName('cifar', { size: [32, 64] }).transforms[0] as RandomResizedCrop;
  assert.deepEqual(cifar.ratio, [(3 / 4) * 2, (4 / 3) * 2]);
  assert.deepEqual(presetFromName('cifar').spec, presetFromName('cifar', { size: 32, flip: true }).spec);
  assert.ok(kinds(presetFromName('cifar')).includes('randomHorizontalFlip'));
  assert.ok(!kinds(presetFromName('cifar', { flip: false })).includes('randomHorizontalFlip'));
});

test('crop boxes of a 28×56 image: area 50–100 %, width/height within the scaled range, rarely the fallback', () => {
  const [H, W] = [28, 56];
  const boxes = (ratio: [number, number]) =>
    new RandomResizedCrop({ size: [H, W], scale: [0.5, 1], ratio }).sample(
      { batch: 2000, channels: 1, height: H, width: W },
      new Generator(7),
    );
  const b = boxes([1.6, 2.5]);
  let fallback = 0;
  for (let i = 0; i < 2000; i++) {
    const [h, w] = [b.height[i] as number, b.width[i] as number];
    assert.ok(h <= H && w <= W && (b.top[i] as number) + h <= H && (b.left[i] as number) + w <= W);
    // Rounding w and h to integers moves the area and the ratio by at most half a pixel on each side.
    assert.ok((h + 0.5) * (w + 0.5) >= 0.5 * H * W, `box ${i}: ${h}×${w} is under half the image`);
    assert.ok((w + 0.5) / (h - 0.5) >= 1.6 && (w - 0.5) / (h + 0.5) <= 2.5, `box ${i}: ratio ${w / h}`);
    if (h === H && w === W) fallback++;
  }
  assert.ok(fallback < 400, `${fallback} of 2000 boxes are the whole image`);
  // torchvision's absolute ratio on the same image: after ten boxes too tall, nearly half fall back to the
  // central 28×35 crop, which cuts off 10 columns on each side (what the scaled ratio avoids).
  const absolute = boxes([0.8, 1.25]);
  let central = 0;
  for (let i = 0; i < 2000; i++) if (absolute.height[i] === 28 && absolute.width[i] === 35) central++;
  assert.ok(central > 600, `${central} of 2000 absolute-ratio boxes are the central 28×35 crop`);
});

/** `n` images whose left half is white and right half black, C channels, 28×56. */
function halves(name: string, n: number, C: number): LabeledDataset {
  const [H, W] = [28, 56];
  const px = new Uint8Array(n * C * H * W);
  for (let i = 0; i < n * C * H; i++) px.fill(255, i * W, i * W + W / 2);
  const split = { images: tensor(px, [n, C, H, W]), labels: tensor(new BigInt64Array(n), [n]) };
  return { name, classes: ['a'], train: split, test: split };
}

/** How many views have a brighter right quarter than left quarter: the halves changed sides. */
function swapped(data: LabeledDataset, preset: 'mnist' | 'cifar'): number {
  const p = viewPipeline({ preset, sigma: null, mean: [0.5], std: [0.25] }, data);
  return tidy(() => {
    const [v1, v2] = p.views(data.train.images, new Generator(3), 2) as [Tensor, Tensor];
    let n = 0;
    for (const v of [v1, v2]) {
      assert.deepEqual(v.shape.slice(2), [28, 56]);
      const left = v.narrow(3, 0, 14).mean([1, 2, 3]).toArray() as number[];
      const right = v.narrow(3, 42, 14).mean([1, 2, 3]).toArray() as number[];
      for (let i = 0; i < left.length; i++) if ((right[i] as number) > (left[i] as number) + 1e-4) n++;
    }
    return n;
  });
}

test('a run on two-part data makes H×2W views without the flip: the label half stays on its side', () => {
  assert.ok(isTwoPartSpec('two-part:mnist+fashion-mnist?seed=1'));
  assert.ok(isTwoPartSpec('Two-Part-Probe:mnist'));
  assert.ok(!isTwoPartSpec('mnist') && !isTwoPartSpec('folder:two-part') && !isTwoPartSpec('two-parts:x'));
  const two = halves('two-part:mnist?seed=0', 200, 3);
  const plain = halves('folder:halves', 200, 3);
  try {
    assert.ok(
      !kinds(viewPipeline({ preset: 'cifar', sigma: null, mean: null, std: null }, two)).includes(
        'randomHorizontalFlip',
      ),
    );
    assert.equal(swapped(two, 'cifar'), 0);
    const gray = halves('two-part:mnist', 200, 1);
    assert.equal(swapped(gray, 'mnist'), 0);
    for (const t of [gray.train.images, gray.train.labels]) t.dispose();
    // The same images under another name keep the cifar preset's flip: about half the views swap sides.
    const n = swapped(plain, 'cifar');
    assert.ok(n > 120 && n < 280, `${n} of 400 views swapped`);
  } finally {
    for (const t of [two.train.images, two.train.labels, plain.train.images, plain.train.labels]) t.dispose();
  }
});
