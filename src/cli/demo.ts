/**
 * `specl demo`: the README's main job. Pretrains the small ConvNet with the
 * spectral contrastive loss on the 60,000 MNIST digits *without their labels*
 * (a time budget, 2 cores), then fits linear probes and kNN on the frozen
 * features and prints them beside raw pixels and a random-init encoder.
 */
import { parseArgs } from 'node:util';
import { mnist, normalizationStats } from '../data/index.ts';
import { Generator } from '../tensor/index.ts';
import { createEncoder, evaluateEncoder, evaluatePixels, loadRunConfig } from '../train/index.ts';
import { finiteNumber, positiveInt } from './args.ts';
import { runPretrainCli } from './pretrain.ts';
import { formatTable, pct } from './table.ts';

export async function demo(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      minutes: { type: 'string', default: '3.5' },
      seed: { type: 'string', default: '0' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(
      'usage: specl demo [--minutes 3.5] [--seed 0] [--out DIR]\n' +
        '  pretrain a ConvNet with the spectral contrastive loss on unlabeled MNIST for --minutes,\n' +
        '  then compare linear probe and kNN accuracy with raw pixels and a random encoder',
    );
    return;
  }
  const minutes = finiteNumber(values.minutes, '--minutes', Number.MIN_VALUE);
  const seed = positiveInt(values.seed, '--seed', true);
  const t0 = performance.now();
  const data = mnist();
  console.log(
    `MNIST: ${data.train.images.shape[0]} training images (labels unused for pretraining), ${data.test.images.shape[0]} test`,
  );
  const args = ['--method', 'spectral', '--dataset', 'mnist', '--minutes', String(minutes), '--seed', String(seed)];
  const result = await runPretrainCli([...args, ...(values.out ? ['--out', values.out] : []), '--skip-evaluation']);
  if (!result || result.interrupted) return;
  console.log(
    '\nevaluating frozen features on the 10,000 test digits (linear probe: L-BFGS logistic regression; kNN: k = 200)…',
  );
  const norm = normalizationStats('mnist', data.train);
  // The floor is the same architecture, untrained: widths from the run's config.
  const random = createEncoder(loadRunConfig(result.dir).encoder, new Generator(seed));
  const d = result.encoder.featureDim;
  const rows = [
    ['raw pixels (784)', evaluatePixels(data, norm)],
    [`random ConvNet (${d})`, evaluateEncoder(random, data, norm)],
    [`spectral ConvNet (${d})`, evaluateEncoder(result.encoder, data, norm)],
  ] as const;
  random.dispose();
  result.encoder.dispose();
  result.method.dispose();
  console.log(
    `\n${formatTable(
      ['features', 'linear probe', 'kNN'],
      rows.map(([n, e]) => [n, pct(e.linearProbe), pct(e.knn)]),
    )}`,
  );
  console.log(`\ntotal ${((performance.now() - t0) / 60000).toFixed(1)} minutes; run folder ${result.dir}`);
}
