/**
 * `specl demo`: the README's main job. Pretrains the small ConvNet with the
 * spectral contrastive loss on the 60,000 MNIST digits *without their labels*
 * (a time budget on 2 cores, or a fixed number of epochs), then fits linear probes and kNN on the frozen
 * features (a probe on all labels and one on 10 labels per class) and prints them beside raw pixels and a random-init encoder —
 * and writes them into the run folder exactly as `specl probe` and
 * `specl knn` do (probe.json, knn.json, summary.json's evaluation).
 */
import { mnist } from '../data/index.ts';
import { DEFAULT_KNN } from '../eval/index.ts';
import { nonEmptyString, nullable, OptionError, option, positive, positiveInt, seed } from '../options/index.ts';
import { evaluateRunCli } from './evaluation.ts';
import { type CommandSpec, parseCommand } from './option-flags.ts';
import { runPretrainCli } from './pretrain.ts';

/** The demo's options, declared once: flags, defaults and --help come from here. */
export const DEMO_COMMAND = {
  name: 'specl demo',
  usage: [
    'usage: specl demo [--minutes 3.5 | --epochs N] [--train-size N] [--seed 0] [--labels-per-class 10] [--out DIR]',
    '  pretrain a ConvNet with the spectral contrastive loss on unlabeled MNIST for --minutes (or --epochs),',
    '  then compare linear probe (all labels, and --labels-per-class) and kNN accuracy with raw pixels and a',
    '  random encoder',
    '  (written to the run folder: probe.json, knn.json, summary.json)',
  ].join('\n'),
  options: {
    minutes: option(
      positive,
      3.5,
      'pretraining budget: the schedule is planned to end in it (evaluation comes after); not used with --epochs',
      {
        unit: 'minutes',
      },
    ),
    epochs: option(
      nullable(positiveInt),
      null,
      'pretrain for this many epochs instead of --minutes: a fixed number of steps, whatever the machine’s speed',
    ),
    trainSize: option(
      nullable(positiveInt),
      null,
      'pretrain on a seeded random subset of this many of the 60,000 digits (steps per epoch = size/128); none: all',
      { unit: 'images' },
    ),
    seed: option(seed, 0, 'seeds the weights, the data order and every augmentation'),
    labelsPerClass: option(
      positiveInt,
      10,
      'a second linear probe is fitted on this many labeled digits per class (mean over 3 draws): where pretraining pays',
      { unit: 'images' },
    ),
    out: option(nullable(nonEmptyString), null, 'run folder; none: runs/spectral-mnist-<time>'),
  },
} satisfies CommandSpec;

export async function demo(argv: string[]): Promise<void> {
  const parsed = parseCommand<{
    minutes: number;
    epochs: number | null;
    trainSize: number | null;
    seed: number;
    labelsPerClass: number;
    out: string | null;
  }>(DEMO_COMMAND, argv);
  if (!parsed) return;
  const { minutes, epochs, trainSize, seed: s, labelsPerClass, out } = parsed.resolve();
  if (epochs !== null && parsed.given.minutes !== undefined) {
    throw new OptionError(
      `${DEMO_COMMAND.name}: give one of --minutes and --epochs, got --minutes ${minutes} and --epochs ${epochs}`,
    );
  }
  const t0 = performance.now();
  const data = mnist();
  try {
    console.log(
      `MNIST: ${data.train.images.shape[0]} training images (labels unused for pretraining), ${data.test.images.shape[0]} test`,
    );
    const length = epochs !== null ? ['--epochs', String(epochs)] : ['--minutes', String(minutes)];
    const subset = trainSize !== null ? ['--train-size', String(trainSize)] : [];
    const args = ['--method', 'spectral', '--dataset', 'mnist', ...length, ...subset, '--seed', String(s)];
    // The evaluation below replaces the trainer's own (it adds the baselines and writes the same files as `specl probe`).
    const result = await runPretrainCli([...args, ...(out ? ['--out', out] : []), '--no-evaluate']);
    if (!result || result.interrupted) return;
    result.method.dispose();
    console.log(
      `\nevaluating frozen features on the ${data.test.images.shape[0]} test digits ` +
        `(linear probe: L-BFGS logistic regression; kNN: k = ${DEFAULT_KNN.k}, τ = ${DEFAULT_KNN.temperature})…`,
    );
    try {
      // The talk's first claim beside the full-label probe: with 10 labels per class the pretrained features
      // pull ahead of pixels and the random ConvNet, which with all 60,000 labels are close behind.
      await evaluateRunCli({
        dir: result.dir,
        encoder: result.encoder,
        data,
        labelEfficiency: { perClass: [labelsPerClass], seeds: [0, 1, 2] },
      });
    } finally {
      result.encoder.dispose();
    }
    console.log(`\ntotal ${((performance.now() - t0) / 60000).toFixed(1)} minutes; run folder ${result.dir}`);
  } finally {
    for (const s of [data.train, data.test]) for (const t of [s.images, s.labels]) t.dispose();
  }
}
