/**
 * Pipelines and presets: seeded determinism, independent views, rebuilding
 * from JSON specs, uint8 input, and the shapes and dtypes of the presets.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  applyTransform,
  ColorJitter,
  GaussianBlur,
  GaussianNoise,
  Normalize,
  Pipeline,
  presetFromName,
  presets,
  RandomAffine,
  RandomGrayscale,
  RandomHorizontalFlip,
  RandomResizedCrop,
  RandomSolarize,
  type Transform,
  transformFromSpec,
  twoViews,
} from '../../src/augment/index.ts';
import { Generator, type Tensor, tensor, tidy } from '../../src/tensor/index.ts';
import { assertClose } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';

const rng = new Rng(17);
function uint8Images(B: number, C: number, H: number, W: number): Tensor {
  return tensor(
    Uint8Array.from({ length: B * C * H * W }, () => rng.int(0, 256)),
    [B, C, H, W],
  );
}
const floats = (t: Tensor): number[] => Array.from(t.data() as Float32Array);
const same = (a: Tensor, b: Tensor): boolean =>
  a.shape.join() === b.shape.join() && floats(a).join() === floats(b).join();

const everyTransform = (): Transform[] => [
  new RandomResizedCrop({ size: [12, 10], scale: [0.3, 1], ratio: [0.5, 2] }),
  new RandomHorizontalFlip({ p: 0.5 }),
  new ColorJitter({ brightness: 0.4, contrast: [0.5, 1.5], saturation: 0.4, hue: [-0.2, 0.1], p: 0.8 }),
  new RandomGrayscale({ p: 0.3 }),
  new GaussianBlur({ kernelSize: 3, sigma: 0.7, p: 0.5 }),
  new RandomSolarize({ threshold: 0.6, p: 0.4 }),
  new RandomAffine({
    degrees: [-5, 20],
    translate: 0.1,
    scale: [0.9, 1.2],
    fill: [0.1, 0.2, 0.3],
    interpolation: 'nearest',
  }),
  new GaussianNoise({ sigma: 0.05, clamp: true }),
  new Normalize({ mean: [0.5], std: [0.25] }),
];

describe('Pipeline', () => {
  test('same seed ⇒ identical output; different seeds ⇒ different output', () => {
    tidy(() => {
      const x = uint8Images(8, 3, 16, 16);
      const p = new Pipeline(everyTransform());
      const a = p.apply(x, new Generator(1));
      const b = p.apply(x, new Generator(1));
      const c = p.apply(x, new Generator(2));
      assert.deepEqual(a.shape, [8, 3, 12, 10]);
      assert.equal(a.dtype, 'float32');
      assert.ok(same(a, b), 'same seed, same views');
      assert.ok(!same(a, c), 'different seeds, different views');
    });
  });

  test('every transform alone: same seed ⇒ same output, and transformFromSpec(spec) rebuilds it', () => {
    tidy(() => {
      const x = uint8Images(8, 3, 16, 16).float().div(255);
      for (const t of everyTransform()) {
        const kind = t.spec.kind;
        const json = JSON.parse(JSON.stringify(t.spec));
        const rebuilt = transformFromSpec(json);
        assert.deepEqual(rebuilt.spec, t.spec, `${kind}: spec round trip`);
        const a = applyTransform(t, x, new Generator(3));
        const b = applyTransform(rebuilt, x, new Generator(3));
        assert.ok(same(a, b), `${kind}: rebuilt transform differs`);
        if (kind !== 'normalize') {
          const c = applyTransform(t, x, new Generator(4));
          assert.ok(!same(a, c), `${kind}: different seeds give the same output`);
        }
      }
    });
  });

  test('views are independent draws; twoViews gives a pair; fromSpec(p.spec) reproduces them', () => {
    tidy(() => {
      const x = uint8Images(6, 3, 16, 16);
      const p = new Pipeline(everyTransform());
      const [v1, v2] = twoViews(p, x, new Generator(5));
      assert.ok(!same(v1, v2), 'the two views differ');
      const q = Pipeline.fromSpec(JSON.parse(JSON.stringify(p.spec)));
      assert.deepEqual(q.spec, p.spec);
      const [w1, w2] = q.views(x, new Generator(5), 2) as [Tensor, Tensor];
      assert.ok(same(v1, w1) && same(v2, w2), 'rebuilt pipeline, same views');
      assert.equal(p.views(x, new Generator(5), 3).length, 3);
      // The second view is what a second apply on the same generator gives.
      const g = new Generator(5);
      p.apply(x, g);
      assert.ok(same(p.apply(x, g), v2));
    });
  });

  test('uint8 input is scaled by 1/255; float input is used as is and left untouched', () => {
    tidy(() => {
      const x = uint8Images(2, 1, 4, 5);
      const scaled = Array.from(x.data() as Uint8Array, (v) => v / 255);
      assertClose(floats(new Pipeline([]).apply(x, new Generator(0))), scaled, { rtol: 1e-7, atol: 0 }, 'x/255');
      const f = tensor(Float32Array.from(scaled), [2, 1, 4, 5]);
      const norm = new Pipeline([new Normalize({ mean: [0.5], std: [2] })]).apply(f, new Generator(0));
      assertClose(
        floats(norm),
        scaled.map((v) => (v - 0.5) / 2),
        { rtol: 0, atol: 1e-6 },
        'normalize',
      );
      const y = new Pipeline([]).apply(f, new Generator(0));
      y.fill_(3);
      assertClose(floats(f), scaled, { rtol: 1e-7, atol: 0 }, 'input untouched');
    });
  });

  test('Pipeline.fromSpec and transformFromSpec reject unknown kinds, naming the known ones', () => {
    assert.throws(
      () => transformFromSpec({ kind: 'randomErasing' }),
      /unknown transform kind "randomErasing".*colorJitter/,
    );
    assert.throws(() => Pipeline.fromSpec({ kind: 'pipeline', transforms: [{ kind: 'nope' }] }), /known kinds/);
    assert.throws(() => Pipeline.fromSpec({} as never), /Pipeline.fromSpec/);
  });
});

describe('presets', () => {
  test('cifar: the authors’ recipe, 3×32×32 float32, normalized', () => {
    tidy(() => {
      const p = presets.cifar();
      assert.deepEqual(
        p.transforms.map((t) => t.spec),
        [
          { kind: 'randomResizedCrop', size: 32, scale: [0.2, 1], ratio: [3 / 4, 4 / 3] },
          { kind: 'randomHorizontalFlip', p: 0.5 },
          { kind: 'colorJitter', brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, p: 0.8 },
          { kind: 'randomGrayscale', p: 0.2 },
          { kind: 'normalize', mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] },
        ],
      );
      const [v1, v2] = twoViews(p, uint8Images(16, 3, 32, 32), new Generator(0));
      assert.deepEqual(v1.shape, [16, 3, 32, 32]);
      assert.equal(v2.dtype, 'float32');
      const vals = floats(v1);
      assert.ok(Math.min(...vals) < -1.5 && Math.max(...vals) > 1.5, 'normalized range');
      assert.deepEqual(
        presets.cifar({ size: 24 }).apply(uint8Images(2, 3, 32, 32), new Generator(0)).shape,
        [2, 3, 24, 24],
      );
    });
  });

  test('mnist: no flip; crop, affine, jitter, normalize; 1×28×28; Fashion-MNIST statistics as options', () => {
    tidy(() => {
      const p = presets.mnist();
      assert.deepEqual(
        p.transforms.map((t) => t.spec.kind),
        ['randomResizedCrop', 'randomAffine', 'colorJitter', 'normalize'],
      );
      const v = p.apply(uint8Images(8, 1, 28, 28), new Generator(1));
      assert.deepEqual(v.shape, [8, 1, 28, 28]);
      assert.equal(v.dtype, 'float32');
      const f = presets.mnist({ mean: [0.286], std: [0.353] });
      assert.deepEqual(f.transforms.at(-1)?.spec, { kind: 'normalize', mean: [0.286], std: [0.353] });
    });
  });

  test('gaussian: x + σ·ε only (+ Normalize when given); presetFromName', () => {
    tidy(() => {
      const g = presets.gaussian({ sigma: 0.1 });
      assert.deepEqual(g.spec, { kind: 'pipeline', transforms: [{ kind: 'gaussianNoise', sigma: 0.1, clamp: false }] });
      assert.equal(presets.gaussian({ sigma: 0.1, mean: [0.5], std: [0.5] }).transforms.length, 2);
      const v = g.apply(uint8Images(4, 1, 8, 8), new Generator(2));
      assert.deepEqual(v.shape, [4, 1, 8, 8]);
      assert.deepEqual(presetFromName('cifar').spec, presets.cifar().spec);
      assert.deepEqual(presetFromName('mnist', { size: 20 }).spec, presets.mnist({ size: 20 }).spec);
      assert.deepEqual(presetFromName('gaussian', { sigma: 0.2 }).spec, presets.gaussian({ sigma: 0.2 }).spec);
      assert.throws(() => presetFromName('imagenet'), /unknown preset 'imagenet'.*cifar, mnist, gaussian/);
      assert.throws(() => presetFromName('gaussian'), /sigma/);
    });
  });

  // Its speed is bench/augment.ts's business (a wall-clock bound fails on a loaded machine): timed here, not asserted.
  test('the CIFAR preset on 512 images of 3×32×32: one batched call, per-image draws, reproducible', (t) => {
    tidy(() => {
      const p = presets.cifar();
      // 256 distinct images, each twice: the copies must get views of their own (per-sample parameters)
      const half = uint8Images(256, 3, 32, 32);
      const x = tensor(
        new Uint8Array([...(half.data() as Uint8Array), ...(half.data() as Uint8Array)]),
        [512, 3, 32, 32],
      );
      const times: number[] = [];
      const runs: Tensor[] = [];
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        runs.push(p.apply(x, new Generator(11)));
        times.push(performance.now() - t0);
      }
      const v = runs[0] as Tensor;
      assert.deepEqual(v.shape, [512, 3, 32, 32]);
      assert.equal(v.dtype, 'float32');
      assert.ok(v.isfinite().all().item(), 'finite views');
      for (const r of runs.slice(1)) assert.ok(same(r, v), 'the same generator seed gives the same views');
      const first = v.narrow(0, 0, 256);
      const second = v.narrow(0, 256, 256);
      const differing = first.sub(second).abs().sum([1, 2, 3]).gt(1e-3).sum().item();
      assert.equal(differing, 256, 'both copies of every image get views of their own');
      t.diagnostic(
        `cifar preset, 512×3×32×32: best ${Math.min(...times).toFixed(1)} ms, all ${times.map((x) => x.toFixed(1))}`,
      );
    });
  });
});
