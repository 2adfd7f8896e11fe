/**
 * `specl pretrain`: pretrain an encoder with one method on one dataset, with a
 * live progress bar, a run folder, Ctrl-C to stop with a checkpoint, and
 * `--resume DIR` to continue.
 */
import { parseArgs } from 'node:util';
import { METHOD_NAMES } from '../methods/index.ts';
import type { MethodName } from '../methods/method.ts';
import { CONVNET_WIDTHS } from '../nn/index.ts';
import { ENCODER_NAMES, type EncoderName } from '../train/encoder-factory.ts';
import { type PretrainEvent, type PretrainResult, pretrain } from '../train/pretrain.ts';
import { finiteNumber, positiveInt } from './args.ts';
import { formatTime, ProgressBar } from './progress.ts';

const USAGE = `usage: specl pretrain --method spectral --dataset mnist [--epochs N | --minutes M] [options]
       specl pretrain --resume RUN_DIR
  --method          ${METHOD_NAMES.join(', ')} (default spectral)
  --dataset         mnist, fashion-mnist, cifar10[:DIR], cifar100[:DIR], folder:DIR (default mnist)
  --encoder         ${ENCODER_NAMES.join(', ')} (default convnet)
  --widths W,W,…    ConvNet stage widths; the last is the feature width (default ${CONVNET_WIDTHS.join(',')})
  --epochs N        epochs to train (default 10), or
  --minutes M       a wall-clock budget: the schedule is planned to end in it
  --batch-size B    images per batch (default 256; spectral on the ConvNet 128; each gives two views)
  --train-size N    pretrain on a seeded random subset of N training images (a quick try)
  --lr, --wd        learning rate and weight decay (default: the method's recipe at this batch size)
  --optimizer       sgd or lars (default: the method's recipe)
  --preset NAME     augmentation: mnist, cifar or gaussian (default by channels); --sigma for gaussian
  --seed S          everything is seeded (default 0)
  --out DIR         run folder (default runs/<method>-<dataset>-<time>)
  --no-monitor      skip the per-epoch kNN monitor
  --no-worker       augment on the main thread instead of a worker thread
  --skip-evaluation skip the final linear probe and kNN (specl probe RUN_DIR does them later)
Ctrl-C stops with a checkpoint; --resume RUN_DIR continues exactly where it stopped.`;

/** Runs a pretraining with a progress bar on stderr; returns the result (null encoder use after this is the caller's). */
export async function runPretrainCli(argv: string[]): Promise<PretrainResult | null> {
  const { values } = parseArgs({
    args: argv,
    options: {
      method: { type: 'string', default: 'spectral' },
      dataset: { type: 'string', default: 'mnist' },
      encoder: { type: 'string' },
      widths: { type: 'string' },
      epochs: { type: 'string' },
      minutes: { type: 'string' },
      'batch-size': { type: 'string' },
      'train-size': { type: 'string' },
      lr: { type: 'string' },
      wd: { type: 'string' },
      optimizer: { type: 'string' },
      preset: { type: 'string' },
      sigma: { type: 'string' },
      seed: { type: 'string', default: '0' },
      out: { type: 'string' },
      resume: { type: 'string' },
      'no-monitor': { type: 'boolean', default: false },
      'no-worker': { type: 'boolean', default: false },
      'skip-evaluation': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return null;
  }
  if (!METHOD_NAMES.includes(values.method as MethodName))
    throw new Error(`--method expects one of ${METHOD_NAMES.join(', ')}, got '${values.method}'`);
  if (values.encoder !== undefined && !ENCODER_NAMES.includes(values.encoder as EncoderName))
    throw new Error(`--encoder expects one of ${ENCODER_NAMES.join(', ')}, got '${values.encoder}'`);
  if (values.optimizer !== undefined && values.optimizer !== 'sgd' && values.optimizer !== 'lars')
    throw new Error(`--optimizer expects sgd or lars, got '${values.optimizer}'`);
  const opt = <T>(v: string | undefined, parse: (v: string) => T): T | undefined =>
    v === undefined ? undefined : parse(v);
  const controller = new AbortController();
  let stops = 0;
  const onSigint = () => {
    stops++;
    if (stops > 1) process.exit(130); // a second Ctrl-C: leave now (the last checkpoint stays)
    process.stderr.write('\nstopping: writing a checkpoint (Ctrl-C again to quit at once)…\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  let bar: ProgressBar | null = null;
  let knn: number | null = null;
  const onEvent = (e: PretrainEvent) => {
    if (e.type === 'start') {
      console.log(`run folder: ${e.dir}`);
      if (e.resumedAt !== null) console.log(`resuming at step ${e.resumedAt}`);
      const c = e.config;
      console.log(
        `${c.method.name} on ${c.dataset}, ${c.encoder.name}${c.encoder.widths ? ` [${c.encoder.widths.join(', ')}]` : ''}, batch ${c.batchSize}, ${c.optimizer.name} lr ${c.optimizer.lr}, ` +
          `${c.epochs !== null ? `${c.epochs} epochs` : `${c.minutes} minutes`} (${e.stepsPerEpoch} steps per epoch), seed ${c.seed}`,
      );
      bar = new ProgressBar(c.method.name, 1);
    } else if (e.type === 'step') {
      const fields: Record<string, string | number> = {
        epoch: e.epoch + 1,
        step: e.step,
        loss: e.loss,
        'img/s': Math.round(e.imagesPerSecond),
      };
      if (knn !== null) fields.knn = `${(knn * 100).toFixed(1)}%`;
      bar?.update(e.step, fields, e.totalSteps);
    } else if (e.type === 'epoch') {
      knn = e.knn;
      if (e.collapsed) {
        bar?.done();
        console.warn(
          `warning: the embedding looks collapsed after epoch ${e.epoch + 1} (spread ${e.spread.toFixed(3)}; 1 = spread out, 0 = one point)`,
        );
      }
    } else if (e.type === 'evaluate') {
      bar?.done();
      bar = null;
      console.log('evaluating: linear probe and kNN on frozen features…');
    }
  };
  try {
    const common = { signal: controller.signal, onEvent, skipEvaluation: values['skip-evaluation'] };
    const result = values.resume
      ? await pretrain({ method: 'spectral', dataset: '', out: values.resume, resume: true, ...common })
      : await pretrain({
          method: values.method as MethodName,
          dataset: values.dataset as string,
          encoder: values.encoder as EncoderName | undefined,
          widths: opt(values.widths, (v) =>
            v.split(',').map((w) => positiveInt(w.trim(), '--widths (comma-separated)')),
          ),
          epochs: opt(values.epochs, (v) => positiveInt(v, '--epochs')),
          minutes: opt(values.minutes, (v) => finiteNumber(v, '--minutes', Number.MIN_VALUE)),
          batchSize: opt(values['batch-size'], (v) => positiveInt(v, '--batch-size')),
          trainSize: opt(values['train-size'], (v) => positiveInt(v, '--train-size')),
          lr: opt(values.lr, (v) => finiteNumber(v, '--lr', Number.MIN_VALUE)),
          weightDecay: opt(values.wd, (v) => finiteNumber(v, '--wd', 0)),
          optimizer: values.optimizer as 'sgd' | 'lars' | undefined,
          preset: values.preset,
          sigma: opt(values.sigma, (v) => finiteNumber(v, '--sigma', 0)),
          seed: positiveInt(values.seed, '--seed', true),
          out: values.out,
          monitor: values['no-monitor'] ? false : undefined,
          worker: !values['no-worker'],
          ...common,
        });
    (bar as ProgressBar | null)?.done();
    if (result.interrupted) {
      console.log(`stopped with a checkpoint in ${result.dir}; continue with: specl pretrain --resume ${result.dir}`);
      process.exitCode = 130;
    } else if (result.summary) {
      const s = result.summary;
      console.log(
        `trained ${s.steps} steps (${s.epochs.toFixed(2)} epochs) in ${formatTime(s.seconds)} at ${Math.round(s.imagesPerSecond)} images/s`,
      );
      if (s.evaluation)
        console.log(
          `linear probe ${(s.evaluation.linearProbe * 100).toFixed(2)}%   kNN ${(s.evaluation.knn * 100).toFixed(2)}%   (${s.dataset} test)`,
        );
      console.log(`run folder: ${result.dir}`);
    }
    return result;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export async function pretrainCommand(argv: string[]): Promise<void> {
  const r = await runPretrainCli(argv);
  if (r) {
    r.encoder.dispose();
    r.method.dispose();
  }
}
