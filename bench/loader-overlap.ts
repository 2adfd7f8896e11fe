/**
 * loader-overlap: does preparing augmented views cost the training step time?
 * One spectral-contrastive step (ConvNet + MLP projector on two views of 256
 * MNIST digits, SGD) is timed three ways in this process:
 *   ready   — the views of every step were made beforehand (the reference;
 *             STEPS + 1 distinct batches, so each step sees new data as with the loader);
 *   worker  — each step's views come from ViewLoader, augmented with the digits
 *             recipe on its worker thread while the previous step runs (the
 *             worker at nice 10, the default: it takes the cycles the step leaves);
 *   worker-nice-0 — the same with the worker at the step's priority;
 *   inline  — the same loader with the worker off (views made between steps).
 * ratio = steps/s with the loader ÷ steps/s with ready tensors; the target for
 * `worker` is ≥ 0.90 (at most 10 % slower).
 */
import { presets } from '../src/augment/index.ts';
import { ViewLoader } from '../src/augment/view-loader.ts';
import { mnist } from '../src/data/index.ts';
import { spectralContrastiveLoss } from '../src/methods/index.ts';
import { CONVNET_WIDTHS, ConvNet, MLP, Sequential } from '../src/nn/index.ts';
import { SGD } from '../src/optim/index.ts';
import { Generator, manualSeed, type Tensor, tidy } from '../src/tensor/index.ts';
import { alternate } from './lib/alternate.ts';
import { benchThreads } from './lib/threads.ts';
import { median, now } from './lib/timing.ts';
import type { Benchmark } from './lib/types.ts';

const BATCH = 256;
const STEPS = 24;

class Step {
  readonly model = new Sequential(
    new ConvNet(),
    new MLP([CONVNET_WIDTHS.at(-1) as number, 256, 64], { batchNorm: true }),
  );
  readonly opt = new SGD(this.model.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 5e-4 });
  run(v1: Tensor, v2: Tensor): void {
    tidy(() => {
      this.opt.zeroGrad();
      const { loss } = spectralContrastiveLoss(this.model.forward(v1), this.model.forward(v2));
      loss.backward();
      this.opt.step();
    });
  }
}

export const loaderOverlap: Benchmark = {
  name: 'loader-overlap',
  quick: true,
  description: `spectral step on ConvNet, batch ${BATCH}×2 views, fed by ViewLoader (worker / inline) vs ready tensors, steps/s`,
  async run(ctx) {
    benchThreads(ctx.options);
    const repeats = ctx.options.repeats ?? 4;
    manualSeed(0);
    const data = mnist();
    const pipeline = presets.mnist();
    const step = new Step();
    const g = new Generator(0);
    const prepared = Array.from({ length: STEPS + 1 }, (_, k) =>
      tidy(() => pipeline.views(data.train.images.narrow(0, k * BATCH, BATCH), g, 2) as [Tensor, Tensor]),
    );
    // Same shape as the loader side: the first step is untimed, then STEPS timed steps.
    const ready = (): number => {
      let t0 = now();
      for (let i = 0; i <= STEPS; i++) {
        const [v1, v2] = prepared[i] as [Tensor, Tensor];
        step.run(v1, v2);
        if (i === 0) t0 = now();
      }
      return STEPS / (now() - t0);
    };
    const fed = (worker: boolean, workerNice?: number) => {
      const loader = new ViewLoader({ data: data.train, pipeline, batchSize: BATCH, seed: 0, worker, workerNice });
      let epoch = 0;
      const rate = async (): Promise<number> => {
        const it = loader.epoch(epoch++);
        // The first batch waits for a cold worker: start timing once it is here.
        let first = await it.next();
        if (first.done) throw new Error('loader-overlap: empty epoch');
        let t0 = now();
        let n = 0;
        for (;;) {
          const b = first.value;
          step.run(b.views[0] as Tensor, b.views[1] as Tensor);
          b.dispose();
          if (++n === 1) t0 = now(); // time STEPS steady-state steps after the first
          if (n > STEPS) break;
          const next = await it.next();
          if (next.done) throw new Error('loader-overlap: epoch shorter than the benchmark');
          first = next;
        }
        await it.return(undefined);
        return STEPS / (now() - t0);
      };
      return { loader, rate };
    };
    try {
      const modes = [
        { name: 'worker', worker: true },
        { name: 'worker-nice-0', worker: true, nice: 0 },
        { name: 'inline', worker: false },
      ];
      for (const { name, worker, nice } of modes) {
        if (ctx.options.case !== undefined && !name.includes(ctx.options.case)) continue;
        const { loader, rate } = fed(worker, nice);
        try {
          ready();
          await rate(); // warm-up of both paths
          const t = await alternate(repeats, ready, rate, {
            onRepeat: (i, a, b) =>
              ctx.log(`${name} ${i + 1}/${repeats}: ready ${a.toFixed(2)}, loader ${b.toFixed(2)} steps/s`),
          });
          // Here the loader side is "specl" and ready tensors are the reference: ratio = loader ÷ ready.
          ctx.emit({ case: name, specl: median(t.reference), reference: median(t.specl), unit: 'steps/s' });
        } finally {
          await loader.close();
        }
      }
    } finally {
      step.model.dispose();
      step.opt.dispose();
      for (const views of prepared) for (const v of views) v.dispose();
    }
  },
};
