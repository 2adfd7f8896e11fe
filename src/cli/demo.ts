/** `specl demo`: the README's main job — train on real MNIST digits and report accuracy. */
import { parseArgs } from 'node:util';
import { mnist } from '../data/index.ts';
import { fitClassifier } from '../train/fit-classifier.ts';
import { positiveInt } from './args.ts';
import { formatTime, ProgressBar } from './progress.ts';

export function demo(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      steps: { type: 'string', default: '400' },
      seconds: { type: 'string', default: '90' },
      seed: { type: 'string', default: '0' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('usage: specl demo [--steps 400] [--seconds 90] [--seed 0]');
    return;
  }
  const steps = positiveInt(values.steps, '--steps');
  const seconds = positiveInt(values.seconds, '--seconds');
  const seed = positiveInt(values.seed, '--seed', true);
  const data = mnist();
  console.log(`MNIST: ${data.train.images.shape[0]} training and ${data.test.images.shape[0]} test images`);
  const bar = new ProgressBar('training ConvNet', steps);
  const r = fitClassifier({
    train: data.train,
    test: data.test,
    numClasses: 10,
    steps,
    maxSeconds: seconds,
    seed,
    onStep: (s) => bar.update(s.step, { loss: s.loss, 'img/s': s.imagesPerSecond }, s.totalSteps),
  });
  bar.done();
  console.log(
    `trained ${r.steps} steps (batch 256) in ${formatTime(r.seconds)} at ${r.imagesPerSecond.toFixed(0)} images/s`,
  );
  console.log(`final training loss ${r.trainLoss.toFixed(4)}`);
  console.log(`MNIST test accuracy ${(r.testAccuracy * 100).toFixed(2)}%`);
}
