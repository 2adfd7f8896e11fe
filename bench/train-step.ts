/**
 * train-step: images/s of one supervised SGD step — forward, cross-entropy,
 * backward, SGD (lr 0.1, momentum 0.9, weight decay 5e-4) — at batch 256 on
 * a backbone plus a linear classifier head (10 classes): ConvNet on 1×28×28
 * and the CIFAR ResNet-18 on 3×32×32. The reference is the identical model
 * and step in PyTorch (reference/train_step.py). Each model runs in NCHW and
 * in channels-last (weights and input) and is compared to PyTorch in the same
 * format; `<model>-best` compares each side's faster format.
 */
import { ConvNet, Linear, type Module, ResNet18 } from '../src/nn/index.ts';
import { SGD } from '../src/optim/index.ts';
import { manualSeed, nnf, randint, randn, type Tensor, tidy } from '../src/tensor/index.ts';
import { alternate } from './lib/alternate.ts';
import { positive, type Reference, withReference } from './lib/reference.ts';
import { benchThreads } from './lib/threads.ts';
import { median, timePerStep } from './lib/timing.ts';
import type { BenchContext, Benchmark } from './lib/types.ts';

const BATCH = 256;
const CLASSES = 10;
const HYPER = { lr: 0.1, momentum: 0.9, weightDecay: 5e-4 };
const FORMATS = ['nchw', 'channels-last'] as const;
type Format = (typeof FORMATS)[number];

interface ModelSpec {
  name: 'convnet' | 'resnet18';
  input: [number, number, number];
  build(): Module & { featureDim: number };
  /** Untimed steps before a side's first timed run of a case (momentum buffers, allocator). */
  warmup: number;
  /** Untimed steps before each later run (caches after the other side ran). */
  rewarm: number;
  steps: number;
  repeats: number;
}

// ResNet-18 takes seconds per step on 2 cores: few steps keep the benchmark under 5 minutes.
const MODELS: readonly ModelSpec[] = [
  { name: 'convnet', input: [1, 28, 28], build: () => new ConvNet(), warmup: 10, rewarm: 2, steps: 20, repeats: 3 },
  { name: 'resnet18', input: [3, 32, 32], build: () => new ResNet18(), warmup: 1, rewarm: 0, steps: 2, repeats: 2 },
];

/** The specl side of one case: model, head, optimizer and a fixed batch, freed by `dispose`. */
class SpeclCase {
  readonly #backbone: Module & { featureDim: number };
  readonly #head: Linear;
  readonly #opt: SGD;
  readonly #x: Tensor;
  readonly #y: Tensor;
  loss = Number.NaN;

  constructor(spec: ModelSpec, format: Format) {
    manualSeed(0);
    this.#backbone = spec.build();
    this.#head = new Linear(this.#backbone.featureDim, CLASSES);
    if (format === 'channels-last') this.#backbone.channelsLast();
    this.#opt = new SGD([...this.#backbone.parameters(), ...this.#head.parameters()], HYPER);
    this.#x = tidy(() => {
      const x = randn([BATCH, ...spec.input]);
      return format === 'channels-last' ? x.channelsLast() : x;
    }).keep();
    this.#y = randint(0, CLASSES, [BATCH]).keep();
  }

  /** One training step; every temporary is freed when it returns. */
  step = (): void => {
    tidy(() => {
      this.#opt.zeroGrad();
      const loss = nnf.crossEntropy(this.#head.forward(this.#backbone.forward(this.#x)), this.#y);
      loss.backward();
      this.#opt.step();
      this.loss = loss.item();
    });
  };

  dispose(): void {
    this.#opt.dispose();
    this.#backbone.dispose();
    this.#head.dispose();
    this.#x.dispose();
    this.#y.dispose();
  }
}

/** Median seconds per step of each side for one model in one memory format. */
async function measure(
  ctx: BenchContext,
  ref: Reference,
  spec: ModelSpec,
  format: Format,
): Promise<{ specl: number; reference: number }> {
  const repeats = ctx.options.repeats ?? spec.repeats;
  const sp = new SpeclCase(spec, format);
  try {
    let speclRuns = 0;
    let refRuns = 0;
    const t = await alternate(
      repeats,
      () => timePerStep(sp.step, { warmup: speclRuns++ === 0 ? spec.warmup : spec.rewarm, steps: spec.steps }),
      async () => {
        const warmup = refRuns++ === 0 ? spec.warmup : spec.rewarm;
        const req = { model: spec.name, format, batch: BATCH, warmup, steps: spec.steps };
        const reply = await ref.request<{ loss: number }>(req);
        if (refRuns === 1)
          ctx.log(`${spec.name}-${format}: first losses specl ${sp.loss.toFixed(4)}, torch ${reply.loss.toFixed(4)}`);
        return positive(reply, 'seconds_per_step', 'train_step.py');
      },
      {
        onRepeat: (r, s, p) =>
          ctx.log(
            `${spec.name}-${format} ${r + 1}/${repeats}: specl ${(BATCH / s).toFixed(1)}, torch ${(BATCH / p).toFixed(1)} images/s`,
          ),
      },
    );
    return { specl: median(t.specl), reference: median(t.reference) };
  } finally {
    sp.dispose();
  }
}

export const trainStep: Benchmark = {
  name: 'train-step',
  quick: true,
  description: `SGD step (fwd+bwd+update), batch ${BATCH}: ConvNet 28×28, ResNet-18 32×32; NCHW and channels-last, images/s`,
  async run(ctx) {
    const threads = benchThreads(ctx.options);
    const wanted = (c: string): boolean => ctx.options.case === undefined || c.includes(ctx.options.case);
    await withReference(
      'train_step.py',
      threads,
      async (ref) => {
        for (const spec of MODELS) {
          const best = { specl: 0, reference: 0 };
          let measured = 0;
          for (const format of FORMATS) {
            const name = `${spec.name}-${format}`;
            if (!wanted(name) && !wanted(`${spec.name}-best`)) continue;
            const s = await measure(ctx, ref, spec, format);
            const r = { case: name, specl: BATCH / s.specl, reference: BATCH / s.reference, unit: 'images/s' };
            if (wanted(name)) ctx.emit(r);
            best.specl = Math.max(best.specl, r.specl);
            best.reference = Math.max(best.reference, r.reference);
            measured++;
          }
          // Each side at its own faster format: what a user of either gets at best.
          if (measured === FORMATS.length) ctx.emit({ case: `${spec.name}-best`, ...best, unit: 'images/s' });
        }
      },
      ctx.log,
    );
  },
};
