/**
 * `specl augment`: a PNG grid of dataset images and the two views an
 * augmentation recipe makes of each — the positive pairs of the theory, seen.
 */
import { parseArgs } from 'node:util';
import { Pipeline, presetFromName } from '../augment/index.ts';
import { loadDataset } from '../data/index.ts';
import { imageGrid, writePng } from '../report/image-grid.ts';
import { Generator, randperm, type Tensor, tidy } from '../tensor/index.ts';
import { finiteNumber, positiveInt } from './args.ts';

const USAGE = `usage: specl augment [--dataset mnist] [--preset mnist|cifar|gaussian] [--sigma 0.1]
                     [--count 8] [--seed 0] [--split train|test] [--scale N] [--data-dir DIR] --out views.png
  --dataset   mnist, fashion-mnist, cifar10[:DIR], cifar100[:DIR] or folder:DIR (see specl data info --help)
  --preset    augmentation recipe (default: mnist for grey images, cifar for colour images)
  --sigma     noise standard deviation of the gaussian preset, in [0,1] pixel units (default 0.1)
  --count     images (rows of the grid); each row shows the image and two views of it`;

export async function augment(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: 'string', default: 'mnist' },
      'data-dir': { type: 'string' },
      preset: { type: 'string' },
      sigma: { type: 'string', default: '0.1' },
      count: { type: 'string', default: '8' },
      seed: { type: 'string', default: '0' },
      split: { type: 'string', default: 'train' },
      scale: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.out) throw new Error(`--out is required (the PNG file to write)\n${USAGE}`);
  if (values.split !== 'train' && values.split !== 'test')
    throw new Error(`--split expects train or test, got '${values.split}'`);
  const count = positiveInt(values.count, '--count');
  const seed = positiveInt(values.seed, '--seed', true);
  const sigma = finiteNumber(values.sigma, '--sigma', 0);
  const data = await loadDataset(values.dataset as string, { root: values['data-dir'] });
  const split = data[values.split];
  const [n, c, h] = split.images.shape as [number, number, number, number];
  if (count > n) throw new Error(`--count ${count} exceeds the ${n} images of ${data.name} ${values.split}`);
  const preset = values.preset ?? (c === 1 ? 'mnist' : 'cifar');
  const full = presetFromName(preset, { sigma });
  // Views are shown in pixel space: drop the final normalization, keep every random transform.
  const shown = new Pipeline(full.transforms.filter((t) => t.spec.kind !== 'normalize'));
  const scale = values.scale ? positiveInt(values.scale, '--scale') : Math.max(1, Math.round(96 / h));
  const raster = tidy(() => {
    const pick = randperm(n, { generator: new Generator(seed) }).narrow(0, 0, count);
    const images = split.images.indexSelect(0, pick);
    const [v1, v2] = shown.views(images, new Generator(seed + 1), 2) as [Tensor, Tensor];
    const rows = Array.from({ length: count }, (_, i) => [images.select(0, i), v1.select(0, i), v2.select(0, i)]);
    return imageGrid(rows, { scale, gap: 4 });
  });
  await writePng(values.out, raster);
  console.log(`wrote ${values.out}: ${count} ${data.name} images (left) and two views each, preset ${preset}`);
}
