/**
 * `specl augment`: a PNG grid of dataset images and the two views an
 * augmentation recipe makes of each — the positive pairs of the theory, seen.
 */
import { Pipeline, PRESET_OPTIONS, type PresetName } from '../augment/index.ts';
import { loadDataset } from '../data/index.ts';
import { nonEmptyString, nullable, oneOf, option, positive, positiveInt, seed } from '../options/index.ts';
import { imageGrid, writePng } from '../report/image-grid.ts';
import { Generator, randperm, type Tensor, tidy } from '../tensor/index.ts';
import { viewPipeline } from '../train/pretrain.ts';
import { type CommandSpec, commandHelp, parseCommand } from './option-flags.ts';

/** The command's options, declared once: flags, defaults and --help come from here. */
export const AUGMENT_COMMAND = {
  name: 'specl augment',
  usage: [
    'usage: specl augment [--dataset mnist] [--preset mnist|cifar|gaussian] [--count 8] --out views.png',
    '  a PNG grid: each row is a dataset image and two augmented views of it (a positive pair of the theory)',
  ].join('\n'),
  options: {
    dataset: option(
      nonEmptyString,
      'mnist',
      'mnist, fashion-mnist, cifar10[:DIR], cifar100[:DIR] or folder:DIR (specl data info --help lists them)',
    ),
    dataDir: option(nullable(nonEmptyString), null, 'the folder of cifar10/cifar100 when the name has no :DIR'),
    preset: PRESET_OPTIONS.preset,
    sigma: option(
      positive,
      0.1,
      'σ of the gaussian preset’s noise, on the 0–1 pixel scale (used with preset gaussian)',
    ),
    count: option(positiveInt, 8, 'images: the rows of the grid'),
    seed: option(seed, 0, 'which images and which views'),
    split: option(oneOf(['train', 'test'] as const), 'train', 'the split the images come from'),
    scale: option(nullable(positiveInt), null, 'pixels per image pixel; none: about 96 pixels per image'),
    out: option(nullable(nonEmptyString), null, 'the PNG file to write (required)'),
  },
} satisfies CommandSpec;

type AugmentCommandOptions = {
  dataset: string;
  dataDir: string | null;
  preset: string;
  sigma: number;
  count: number;
  seed: number;
  split: 'train' | 'test';
  scale: number | null;
  out: string | null;
};

export async function augment(argv: string[]): Promise<void> {
  const parsed = parseCommand<AugmentCommandOptions>(AUGMENT_COMMAND, argv);
  if (!parsed) return;
  const { dataset, dataDir, out } = parsed.resolve({ channels: 1 }); // the preset waits for the data's channels
  if (!out) throw new Error(`--out is required (the PNG file to write)\n${commandHelp(AUGMENT_COMMAND)}`);
  const data = await loadDataset(dataset, { root: dataDir ?? undefined });
  const [, c] = data.train.images.shape as [number, number];
  const o = parsed.resolve({ channels: c });
  const split = data[o.split];
  const [n, , h] = split.images.shape as [number, number, number, number];
  const { count, seed: s } = o;
  if (count > n) throw new Error(`--count ${count} exceeds the ${n} images of ${data.name} ${o.split}`);
  const full = viewPipeline(
    { preset: o.preset as PresetName, sigma: o.preset === 'gaussian' ? o.sigma : null, mean: null, std: null },
    data,
  );
  // Views are shown in pixel space: drop the final normalization, keep every random transform.
  const shown = new Pipeline(full.transforms.filter((t) => t.spec.kind !== 'normalize'));
  const scale = o.scale ?? Math.max(1, Math.round(96 / h));
  const raster = tidy(() => {
    const pick = randperm(n, { generator: new Generator(s) }).narrow(0, 0, count);
    const images = split.images.indexSelect(0, pick);
    const [v1, v2] = shown.views(images, new Generator(s + 1), 2) as [Tensor, Tensor];
    const rows = Array.from({ length: count }, (_, i) => [images.select(0, i), v1.select(0, i), v2.select(0, i)]);
    return imageGrid(rows, { scale, gap: 4 });
  });
  await writePng(out, raster);
  console.log(`wrote ${out}: ${count} ${data.name} images (left) and two views each, preset ${o.preset}`);
}
