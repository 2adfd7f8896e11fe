/**
 * Bad options fail at construction with the one message style of
 * src/options: `Transform: option must be <expectation>, got <value>`, and
 * unknown option names get a "did you mean". The preset options are declared
 * once (PRESET_OPTIONS) and resolve with per-channel defaults.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  applyTransform,
  ColorJitter,
  checkPresetOptions,
  GaussianBlur,
  GaussianNoise,
  Normalize,
  PRESET_OPTIONS,
  presetFromName,
  RandomAffine,
  RandomGrayscale,
  RandomHorizontalFlip,
  RandomResizedCrop,
  RandomSolarize,
  type ResolvedPresetOptions,
  transformFromSpec,
} from '../../src/augment/index.ts';
import { asPair, checkKeys, either, interval, orPair, readOption } from '../../src/augment/options.ts';
import { flatten, nonNegative, numberIn, OptionError, positiveInt, resolve } from '../../src/options/index.ts';
import { Generator, tidy, zeros } from '../../src/tensor/index.ts';

type Make = () => unknown;

/** Each bad option with the whole message it must give: the transform, the option, the expectation, the value. */
const bad: [string, Make, string][] = [
  [
    'crop size 0',
    () => new RandomResizedCrop({ size: 0 }),
    'RandomResizedCrop: size must be a positive integer or [height, width] of positive integers, got 0',
  ],
  [
    'crop size 2.5',
    () => new RandomResizedCrop({ size: [2.5, 3] as [number, number] }),
    'RandomResizedCrop: size must be a positive integer or [height, width] of positive integers, got [2.5,3]',
  ],
  [
    'crop size of 3',
    () => new RandomResizedCrop({ size: [2, 3, 4] as never }),
    'RandomResizedCrop: size must be a positive integer or [height, width] of positive integers, got [2,3,4]',
  ],
  [
    'crop no size',
    () => new RandomResizedCrop({} as never),
    'RandomResizedCrop: size must be a positive integer or [height, width] of positive integers, got nothing',
  ],
  [
    'crop scale > 1',
    () => new RandomResizedCrop({ size: 8, scale: [0.5, 1.2] }),
    'RandomResizedCrop: scale must be [lo, hi] with 0 < lo ≤ hi ≤ 1, got [0.5,1.2]',
  ],
  [
    'crop scale 0',
    () => new RandomResizedCrop({ size: 8, scale: [0, 1] }),
    'RandomResizedCrop: scale must be [lo, hi] with 0 < lo ≤ hi ≤ 1, got [0,1]',
  ],
  [
    'crop scale reversed',
    () => new RandomResizedCrop({ size: 8, scale: [0.9, 0.5] }),
    'RandomResizedCrop: scale must be [lo, hi] with 0 < lo ≤ hi ≤ 1, got [0.9,0.5]',
  ],
  [
    'crop ratio',
    () => new RandomResizedCrop({ size: 8, ratio: [-1, 2] }),
    'RandomResizedCrop: ratio must be [lo, hi] with 0 < lo ≤ hi, got [-1,2]',
  ],
  [
    'crop unknown option',
    () => new RandomResizedCrop({ size: 8, scales: [0.2, 1] } as never),
    "RandomResizedCrop: unknown option 'scales' (did you mean 'scale'?); known: size, scale, ratio",
  ],
  [
    'crop options not an object',
    () => new RandomResizedCrop([8] as never),
    'RandomResizedCrop: options must be an object of options, got [8]',
  ],
  [
    'flip p',
    () => new RandomHorizontalFlip({ p: 1.5 }),
    'RandomHorizontalFlip: p must be a probability in [0, 1], got 1.5',
  ],
  [
    'flip p NaN',
    () => new RandomHorizontalFlip({ p: Number.NaN }),
    'RandomHorizontalFlip: p must be a probability in [0, 1], got NaN',
  ],
  [
    'flip p null',
    () => new RandomHorizontalFlip({ p: null as never }),
    'RandomHorizontalFlip: p must be a probability in [0, 1], got null',
  ],
  [
    'flip unknown option without a near name',
    () => new RandomHorizontalFlip({ vertical: true } as never),
    "RandomHorizontalFlip: unknown option 'vertical'; known: p",
  ],
  [
    'jitter brightness < 0',
    () => new ColorJitter({ brightness: -0.1 }),
    'ColorJitter: brightness must be a finite number ≥ 0 or [lo, hi] with 0 ≤ lo ≤ hi, got -0.1',
  ],
  [
    'jitter contrast pair',
    () => new ColorJitter({ contrast: [-1, 1] }),
    'ColorJitter: contrast must be a finite number ≥ 0 or [lo, hi] with 0 ≤ lo ≤ hi, got [-1,1]',
  ],
  [
    'jitter hue 0.6',
    () => new ColorJitter({ hue: 0.6 }),
    'ColorJitter: hue must be a number in [0, 0.5] or [lo, hi] with -0.5 ≤ lo ≤ hi ≤ 0.5, got 0.6',
  ],
  [
    'jitter hue pair',
    () => new ColorJitter({ hue: [-0.6, 0] }),
    'ColorJitter: hue must be a number in [0, 0.5] or [lo, hi] with -0.5 ≤ lo ≤ hi ≤ 0.5, got [-0.6,0]',
  ],
  ['jitter p', () => new ColorJitter({ p: -0.1 }), 'ColorJitter: p must be a probability in [0, 1], got -0.1'],
  [
    'jitter string',
    () => new ColorJitter({ saturation: '0.4' as never }),
    'ColorJitter: saturation must be a finite number ≥ 0 or [lo, hi] with 0 ≤ lo ≤ hi, got "0.4" (a string)',
  ],
  [
    'jitter typo',
    () => new ColorJitter({ brightnes: 0.4 } as never),
    "ColorJitter: unknown option 'brightnes' (did you mean 'brightness'?); known: brightness, contrast, saturation, hue, p",
  ],
  ['grayscale p', () => new RandomGrayscale({ p: 2 }), 'RandomGrayscale: p must be a probability in [0, 1], got 2'],
  [
    'blur even kernel',
    () => new GaussianBlur({ kernelSize: 4 }),
    'GaussianBlur: kernelSize must be an odd positive integer, got 4',
  ],
  [
    'blur no kernel',
    () => new GaussianBlur({} as never),
    'GaussianBlur: kernelSize must be an odd positive integer, got nothing',
  ],
  [
    'blur sigma 0',
    () => new GaussianBlur({ kernelSize: 3, sigma: 0 }),
    'GaussianBlur: sigma must be a finite number > 0 or [lo, hi] with 0 < lo ≤ hi, got 0',
  ],
  [
    'blur sigma pair',
    () => new GaussianBlur({ kernelSize: 3, sigma: [0, 1] }),
    'GaussianBlur: sigma must be a finite number > 0 or [lo, hi] with 0 < lo ≤ hi, got [0,1]',
  ],
  [
    'blur kernel typo',
    () => new GaussianBlur({ kernel_size: 3 } as never),
    "GaussianBlur: unknown option 'kernel_size' (did you mean 'kernelSize'?); known: kernelSize, sigma, p",
  ],
  [
    'solarize threshold',
    () => new RandomSolarize({ threshold: 1.5 }),
    'RandomSolarize: threshold must be a number in [0, 1], got 1.5',
  ],
  ['solarize p', () => new RandomSolarize({ p: 2 }), 'RandomSolarize: p must be a probability in [0, 1], got 2'],
  [
    'affine degrees',
    () => new RandomAffine({ degrees: -10 }),
    'RandomAffine: degrees must be a number in [0, 360] or [lo, hi] with -360 ≤ lo ≤ hi ≤ 360, got -10',
  ],
  [
    'affine degrees pair',
    () => new RandomAffine({ degrees: [10, -10] }),
    'RandomAffine: degrees must be a number in [0, 360] or [lo, hi] with -360 ≤ lo ≤ hi ≤ 360, got [10,-10]',
  ],
  [
    'affine translate',
    () => new RandomAffine({ translate: [0.1, 1.5] }),
    'RandomAffine: translate must be a number in [0, 1] or a pair of them, got [0.1,1.5]',
  ],
  [
    'affine scale',
    () => new RandomAffine({ scale: [0, 1] }),
    'RandomAffine: scale must be [lo, hi] with 0 < lo ≤ hi, got [0,1]',
  ],
  [
    'affine fill',
    () => new RandomAffine({ fill: [] }),
    'RandomAffine: fill must be a finite number or one finite number per channel, got []',
  ],
  [
    'affine interpolation',
    () => new RandomAffine({ interpolation: 'bicubic' as never }),
    'RandomAffine: interpolation must be one of "bilinear", "nearest", got "bicubic" (a string)',
  ],
  [
    'affine typo',
    () => new RandomAffine({ degree: 10 } as never),
    "RandomAffine: unknown option 'degree' (did you mean 'degrees'?); known: degrees, translate, scale, fill, interpolation",
  ],
  ['noise sigma', () => new GaussianNoise({ sigma: -1 }), 'GaussianNoise: sigma must be a finite number ≥ 0, got -1'],
  [
    'noise no sigma',
    () => new GaussianNoise({} as never),
    'GaussianNoise: sigma must be a finite number ≥ 0, got nothing',
  ],
  [
    'noise clamp',
    () => new GaussianNoise({ sigma: 1, clamp: 1 as never }),
    'GaussianNoise: clamp must be true or false, got 1',
  ],
  [
    'normalize std 0',
    () => new Normalize({ mean: [0.5], std: [0] }),
    'Normalize: std must be a non-empty list of finite numbers > 0, got [0]',
  ],
  [
    'normalize mean empty',
    () => new Normalize({ mean: [], std: [1] }),
    'Normalize: mean must be a non-empty list of finite numbers, got []',
  ],
  [
    'normalize lengths',
    () => new Normalize({ mean: [0.5, 0.5], std: [1] }),
    'Normalize: std must be a list as long as mean (2 values), got [1]',
  ],
  [
    'spec with bad option',
    () => transformFromSpec({ kind: 'randomHorizontalFlip', p: 3 }),
    'RandomHorizontalFlip: p must be a probability in [0, 1], got 3',
  ],
  [
    'options of another kind',
    () => new RandomHorizontalFlip({ kind: 'randomGrayscale', p: 0.5 } as never),
    'RandomHorizontalFlip: kind must be "randomHorizontalFlip", got "randomGrayscale" (a string)',
  ],
];

/** `make` throws an OptionError with exactly `message`. */
function throwsExactly(make: Make, message: string): void {
  assert.throws(make, (e: unknown) => {
    assert.ok(e instanceof OptionError, `${String(e)} is not an OptionError`);
    assert.equal(e.message, message);
    return true;
  });
}

describe('bad options', () => {
  for (const [name, make, message] of bad) test(name, () => throwsExactly(make, message));

  test('images that do not fit the transform are rejected with the reason', () => {
    tidy(() => {
      const g = new Generator(0);
      assert.throws(
        () => applyTransform(new ColorJitter({ hue: 0.1 }), zeros([2, 2, 5, 5]), g),
        /ColorJitter: images must have 1 or 3 channels, got 2/,
      );
      assert.throws(
        () => applyTransform(new GaussianBlur({ kernelSize: 9 }), zeros([2, 3, 4, 4]), g),
        /GaussianBlur: reflect padding/,
      );
      assert.throws(
        () => applyTransform(new Normalize({ mean: [0, 0], std: [1, 1] }), zeros([2, 3, 4, 4]), g),
        /Normalize: 2 means/,
      );
      assert.throws(() => applyTransform(new RandomHorizontalFlip(), zeros([2, 4, 4]), g), /float32 B×C×H×W/);
      const crop = new RandomResizedCrop({ size: 4 });
      const p = crop.sample({ batch: 3, channels: 1, height: 8, width: 8 }, g);
      assert.throws(() => crop.applyWith(zeros([2, 1, 8, 8]), p), /drawn for 3 samples, the batch has 2/);
      p.top[0] = 7;
      assert.throws(() => crop.applyWith(zeros([3, 1, 8, 8]), p), /crop 0 .* outside the 8×8 image/);
    });
  });
});

describe('good options keep their meaning', () => {
  test('a number or a pair: crop size, jitter strengths and ranges, blur σ, affine degrees, translate and fill', () => {
    assert.deepEqual(new RandomResizedCrop({ size: 8 }).size, [8, 8]);
    assert.deepEqual(new RandomResizedCrop({ size: [6, 8] }).size, [6, 8]);
    assert.deepEqual(new RandomResizedCrop({ size: 8 }).scale, [0.08, 1]);
    const j = new ColorJitter({ brightness: 0.4, contrast: [0.5, 1.5], hue: 0.1 });
    assert.deepEqual(j.ranges, [
      [0.6, 1.4],
      [0.5, 1.5],
      [1, 1],
      [-0.1, 0.1],
    ]);
    assert.deepEqual(new ColorJitter({ brightness: 2 }).ranges[0], [0, 3]);
    assert.deepEqual(new ColorJitter({ hue: [-0.2, 0.1] }).ranges[3], [-0.2, 0.1]);
    assert.equal(j.p, 1);
    assert.deepEqual(new GaussianBlur({ kernelSize: 3, sigma: 0.5 }).sigma, [0.5, 0.5]);
    assert.deepEqual(new GaussianBlur({ kernelSize: 3 }).sigma, [0.1, 2]);
    const a = new RandomAffine({ degrees: 10, translate: 0.1, fill: 0.5 });
    assert.deepEqual(a.degrees, [-10, 10]);
    assert.deepEqual(a.translate, [0.1, 0.1]);
    assert.deepEqual(a.fill, [0.5]);
    assert.equal(a.interpolation, 'bilinear');
    const b = new RandomAffine({
      degrees: [-5, 20],
      translate: [0.1, 0.2],
      fill: [0, 0.5, 1],
      interpolation: 'nearest',
    });
    assert.deepEqual([b.degrees, b.translate, b.fill, b.interpolation], [[-5, 20], [0.1, 0.2], [0, 0.5, 1], 'nearest']);
    assert.equal(new GaussianNoise({ sigma: 0 }).clamp, false);
    assert.equal(new RandomGrayscale().p, 0.1);
    assert.equal(new RandomSolarize().threshold, 0.5);
  });

  test('every spec rebuilds its transform (a spec carries its own kind)', () => {
    const ts = [
      new RandomResizedCrop({ size: [6, 8], ratio: [0.5, 2] }),
      new ColorJitter({ brightness: [0.5, 1], hue: 0.1, p: 0.8 }),
      new GaussianBlur({ kernelSize: 5, sigma: 1 }),
      new RandomAffine({ degrees: 10, fill: [0, 1, 0] }),
      new GaussianNoise({ sigma: 0.1, clamp: true }),
      new Normalize({ mean: [0.5], std: [0.25] }),
    ];
    for (const t of ts) assert.deepEqual(transformFromSpec(t.spec).spec, t.spec);
    assert.deepEqual(new RandomAffine(new RandomAffine({ degrees: 3 }).spec as never).degrees, [-3, 3]);
  });
});

describe('augmentation checks', () => {
  test('interval: words, open lower end, order of the ends', () => {
    const i = interval(0, 1, 'lower');
    assert.equal(i.expect, '[lo, hi] with 0 < lo ≤ hi ≤ 1');
    assert.equal(interval(-0.5, 0.5).expect, '[lo, hi] with -0.5 ≤ lo ≤ hi ≤ 0.5');
    assert.equal(interval(0, Number.POSITIVE_INFINITY).expect, '[lo, hi] with 0 ≤ lo ≤ hi');
    assert.ok(i.test([0.2, 1]));
    for (const v of [[0, 1], [0.5, 0.2], [0.5, 1.1], [0.5], [0.1, 0.2, 0.3], 0.5, [0.1, Number.NaN], '0.2,1']) {
      assert.ok(!i.test(v), JSON.stringify(v));
    }
    assert.deepEqual(i.fromString?.('0.2,1'), [0.2, 1]);
  });

  test('either and orPair: the joined words, and how a command-line string is read', () => {
    const e = either(nonNegative, interval(0, 2));
    assert.equal(e.expect, 'a finite number ≥ 0 or [lo, hi] with 0 ≤ lo ≤ hi ≤ 2');
    assert.equal(e.fromString?.('0.4'), 0.4);
    assert.deepEqual(e.fromString?.('[0.5, 1.5]'), [0.5, 1.5]);
    const p = orPair(positiveInt, '[height, width] of positive integers');
    assert.equal(p.expect, 'a positive integer or [height, width] of positive integers');
    assert.ok(p.test(3) && p.test([3, 4]) && !p.test([3]) && !p.test(0));
    assert.equal(orPair(numberIn(0, 1)).expect, 'a number in [0, 1] or a pair of them');
    assert.deepEqual(asPair(3), [3, 3]);
    assert.deepEqual(asPair([3, 4]), [3, 4]);
  });

  test('readOption: the default when absent, the given value in the message otherwise', () => {
    assert.equal(readOption('T', {}, 'p', positiveInt, 3), 3);
    assert.equal(readOption('T', { p: 5 }, 'p', positiveInt, 3), 5);
    throwsExactly(() => readOption('T', { p: 0 }, 'p', positiveInt, 3), 'T: p must be a positive integer, got 0');
    throwsExactly(() => readOption('T', {}, 'p', positiveInt), 'T: p must be a positive integer, got nothing');
  });

  test('checkKeys: did you mean, the own kind allowed, non-objects rejected', () => {
    assert.deepEqual(checkKeys('T', 'tee', undefined, ['size']), {});
    assert.deepEqual(checkKeys('T', 'tee', { kind: 'tee', size: 1 }, ['size']), { kind: 'tee', size: 1 });
    throwsExactly(
      () => checkKeys('T', 'tee', { szie: 1 }, ['size', 'scale']),
      "T: unknown option 'szie' (did you mean 'size'?); known: size, scale",
    );
    throwsExactly(() => checkKeys('T', 'tee', null, ['size']), 'T: options must be an object of options, got null');
    throwsExactly(
      () => checkKeys('T', 'tee', 'x', ['size']),
      'T: options must be an object of options, got "x" (a string)',
    );
  });
});

describe('PRESET_OPTIONS', () => {
  const at = (channels: number, given: unknown = {}) =>
    resolve<ResolvedPresetOptions>(PRESET_OPTIONS, given, { owner: 'x', context: { channels } });

  test('defaults: mnist for 1-channel images, cifar for 3; sigma, mean and std none', () => {
    assert.deepEqual(at(1), { preset: 'mnist', sigma: null, mean: null, std: null });
    assert.deepEqual(at(3), { preset: 'cifar', sigma: null, mean: null, std: null });
    assert.deepEqual(at(1, { preset: 'gaussian', sigma: 0.2 }), {
      preset: 'gaussian',
      sigma: 0.2,
      mean: null,
      std: null,
    });
    assert.deepEqual(at(3, { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] }).mean, [0.5, 0.5, 0.5]);
    // with the dataset's statistics in the context, mean and std default to them
    const fashion = resolve<ResolvedPresetOptions>(
      PRESET_OPTIONS,
      {},
      { owner: 'x', context: { channels: 1, mean: [0.286], std: [0.353] } },
    );
    assert.deepEqual([fashion.mean, fashion.std], [[0.286], [0.353]]);
  });

  test('every option is declared once with its help, and the command line has --preset and --sigma', () => {
    const flat = flatten(PRESET_OPTIONS);
    assert.deepEqual(
      flat.map(([k]) => k),
      ['preset', 'sigma', 'mean', 'std'],
    );
    for (const [k, d] of flat) assert.ok(d.help.length > 20, k);
    assert.equal(PRESET_OPTIONS.preset.flag, 'preset');
    assert.equal(PRESET_OPTIONS.sigma.flag, 'sigma');
    assert.deepEqual(PRESET_OPTIONS.preset.check.values, ['cifar', 'mnist', 'gaussian']);
    assert.equal(PRESET_OPTIONS.sigma.check.fromString?.('0.1'), 0.1);
    assert.deepEqual(PRESET_OPTIONS.mean.check.fromString?.('0.5,0.25'), [0.5, 0.25]);
  });

  test('bad values and unknown names are rejected with the option named', () => {
    throwsExactly(
      () => at(1, { preset: 'imagenet' }),
      'x: preset must be one of "cifar", "mnist", "gaussian", got "imagenet" (a string)',
    );
    throwsExactly(() => at(1, { sigma: 0 }), 'x: sigma must be a finite number > 0, or null, got 0');
    throwsExactly(
      () => at(1, { std: [0] }),
      "x: std must be a non-empty list of finite numbers > 0, or null (the preset's own statistics), got [0]",
    );
    throwsExactly(
      () => at(1, { mean: 0.5 }),
      "x: mean must be a non-empty list of finite numbers, or null (the preset's own statistics), got 0.5",
    );
    assert.throws(() => at(1, { sigam: 0.1 }), /x: unknown option 'sigam' \(did you mean 'sigma'\?\)/);
  });

  test('checkPresetOptions: gaussian needs sigma, others refuse it, mean and std agree', () => {
    throwsExactly(
      () => checkPresetOptions(at(1, { preset: 'gaussian' }), { owner: 'x' }),
      'x: sigma must be a finite number > 0 with preset gaussian (the σ of its noise), got nothing',
    );
    throwsExactly(
      () => checkPresetOptions(at(3, { sigma: 0.1 }), { owner: 'pretrain', prefix: 'augment.' }),
      'pretrain: augment.sigma must be null with preset cifar (only the gaussian preset adds noise), got 0.1',
    );
    throwsExactly(
      () => checkPresetOptions(at(3, { mean: [0.5, 0.5, 0.5], std: [0.25] }), { owner: 'x' }),
      'x: std must be a list as long as mean (3 values), got [0.25]',
    );
    throwsExactly(
      () => checkPresetOptions(at(3, { mean: [0.5, 0.5] }), { owner: 'x', channels: 3 }),
      'x: mean must be one value or one per channel (3 for these images), got [0.5,0.5]',
    );
    const ok = at(1, { preset: 'gaussian', sigma: 0.1 });
    assert.equal(checkPresetOptions(ok, { channels: 1 }), ok);
    assert.doesNotThrow(() => checkPresetOptions(at(3, { mean: [0.5], std: [0.25] }), { channels: 3 }));
  });

  test('resolved options build their pipeline; null mean/std: the preset’s own statistics', () => {
    const o = at(1);
    assert.deepEqual(presetFromName(o.preset, { ...o, size: 28 }).spec, presetFromName('mnist').spec);
    const g = at(1, { preset: 'gaussian', sigma: 0.2 });
    assert.deepEqual(
      presetFromName(g.preset, g).spec.transforms.map((t) => t.kind),
      ['gaussianNoise'],
    );
    throwsExactly(
      () => presetFromName('gaussian', { sigma: null }),
      'presetFromName: sigma must be a finite number ≥ 0 with the gaussian preset (the σ of its noise), got null',
    );
    assert.throws(() => presetFromName('mnsit'), /unknown preset 'mnsit' \(did you mean 'mnist'\?\); known presets/);
  });
});
