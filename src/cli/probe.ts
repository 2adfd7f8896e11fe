/**
 * `specl probe RUN` and `specl knn RUN`: evaluate a run's frozen encoder by a
 * linear probe (and optionally label-efficiency curves) or by weighted kNN,
 * always beside raw pixels and a random-init encoder of the same architecture.
 * The numbers are also written to the run folder (probe.json / knn.json).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { LabeledDataset } from '../data/index.ts';
import {
  accuracy,
  extractFeatures,
  knnClassify,
  labelEfficiency,
  linearProbe,
  rawPixelFeatures,
} from '../eval/index.ts';
import type { ImageEncoder } from '../nn/index.ts';
import { Generator, type Tensor, tidy } from '../tensor/index.ts';
import { createEncoder, loadRunDataset, loadRunEncoder } from '../train/index.ts';
import { writeJsonAtomic } from '../util/atomic-write.ts';
import { finiteNumber, positiveInt } from './args.ts';
import { formatTable, pct } from './table.ts';

type Features = { name: string; train: Tensor; test: Tensor };

/** Train/test features of the run's encoder, a random-init encoder and raw pixels. */
function featureSets(
  encoder: ImageEncoder,
  random: ImageEncoder,
  data: LabeledDataset,
  norm: { mean: number[]; std: number[] },
  method: string,
): Features[] {
  return [
    {
      name: 'raw pixels',
      train: rawPixelFeatures(data.train.images, norm),
      test: rawPixelFeatures(data.test.images, norm),
    },
    {
      name: 'random encoder',
      train: extractFeatures(random, data.train.images, norm),
      test: extractFeatures(random, data.test.images, norm),
    },
    {
      name: `${method} (this run)`,
      train: extractFeatures(encoder, data.train.images, norm),
      test: extractFeatures(encoder, data.test.images, norm),
    },
  ];
}

async function prepare(dir: string) {
  const run = loadRunEncoder(dir);
  const data = await loadRunDataset(run.config);
  const random = createEncoder(run.config.encoder, new Generator(run.config.seed));
  return { run, data, random };
}

export async function probeCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'label-efficiency': { type: 'boolean', default: false },
      seeds: { type: 'string', default: '3' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || positionals.length !== 1) {
    console.log(
      'usage: specl probe RUN_DIR [--label-efficiency] [--seeds 3]\n  linear probe (L-BFGS logistic regression on standardized frozen features) of the run, raw pixels and a random encoder',
    );
    if (!values.help) process.exitCode = 2;
    return;
  }
  const dir = positionals[0] as string;
  const seeds = positiveInt(values.seeds, '--seeds');
  const { run, data, random } = await prepare(dir);
  const norm = run.config.augment;
  const k = data.classes.length;
  const result = tidy(() => {
    const sets = featureSets(run.encoder, random, data, norm, run.config.method.name);
    return sets.map((f) => {
      const probe = linearProbe({
        trainFeatures: f.train,
        trainLabels: data.train.labels,
        testFeatures: f.test,
        testLabels: data.test.labels,
        numClasses: k,
      });
      const curve = values['label-efficiency']
        ? labelEfficiency({
            trainFeatures: f.train,
            trainLabels: data.train.labels,
            testFeatures: f.test,
            testLabels: data.test.labels,
            numClasses: k,
            seeds: Array.from({ length: seeds }, (_, i) => i),
          })
        : null;
      return { features: f.name, linearProbe: probe.top1, trainAccuracy: probe.trainTop1, labelEfficiency: curve };
    });
  });
  run.encoder.dispose();
  random.dispose();
  console.log(`${run.config.method.name} on ${run.config.dataset} (${run.weights})\n`);
  console.log(
    formatTable(
      ['features', 'linear probe', 'train'],
      result.map((r) => [r.features, pct(r.linearProbe), pct(r.trainAccuracy)]),
    ),
  );
  if (values['label-efficiency']) {
    const ms = (result[0]?.labelEfficiency ?? []).map((p) => String(p.perClass));
    console.log(`\nlabel efficiency: linear-probe accuracy with m labels per class (mean ± std over ${seeds} seeds)`);
    console.log(
      formatTable(
        ['features', ...ms.map((m) => `m=${m}`)],
        result.map((r) => [
          r.features,
          ...(r.labelEfficiency ?? []).map((p) => `${(p.mean * 100).toFixed(1)} ± ${(p.std * 100).toFixed(1)}`),
        ]),
      ),
    );
  }
  const out = join(dir, 'probe.json');
  writeJsonAtomic(out, { run: dir, dataset: run.config.dataset, method: run.config.method.name, results: result });
  console.log(`\nwrote ${out}`);
}

export async function knnCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      k: { type: 'string', default: '200' },
      temperature: { type: 'string', default: '0.1' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || positionals.length !== 1) {
    console.log(
      'usage: specl knn RUN_DIR [--k 200] [--temperature 0.1]\n  weighted kNN (cosine, exp(sim/τ) votes) of the run, raw pixels and a random encoder; bank = all training images',
    );
    if (!values.help) process.exitCode = 2;
    return;
  }
  const dir = positionals[0] as string;
  const kk = positiveInt(values.k, '--k');
  const temperature = finiteNumber(values.temperature, '--temperature', Number.MIN_VALUE);
  const { run, data, random } = await prepare(dir);
  const result = tidy(() =>
    featureSets(run.encoder, random, data, run.config.augment, run.config.method.name).map((f) => ({
      features: f.name,
      knn: accuracy(
        knnClassify(f.train, data.train.labels, f.test, { k: kk, temperature, numClasses: data.classes.length }),
        data.test.labels,
      ),
    })),
  );
  run.encoder.dispose();
  random.dispose();
  console.log(`${run.config.method.name} on ${run.config.dataset}: kNN, k = ${kk}, τ = ${temperature}\n`);
  console.log(
    formatTable(
      ['features', 'kNN'],
      result.map((r) => [r.features, pct(r.knn)]),
    ),
  );
  const out = join(dir, 'knn.json');
  writeJsonAtomic(out, { run: dir, k: kk, temperature, results: result });
  console.log(`\nwrote ${out}`);
}
