/**
 * Spectral contrastive pretraining on unlabeled MNIST, then the frozen
 * encoder evaluated by a linear probe and kNN.
 * Run: npx tsx examples/pretrain.ts [epochs] [train-size] [out]
 */
import { pretrain } from '../src/train/index.ts';

const epochs = Number(process.argv[2] ?? 3);
const trainSize = Number(process.argv[3] ?? 60000);
const out = process.argv[4] ?? `runs/example-spectral-${Date.now()}`;

const run = await pretrain({
  // any part of a config: the same keys as `specl pretrain --set` and config files
  settings: {
    method: { name: 'spectral', mu: 1 }, // or 'simclr', 'vicreg', { name: 'barlowtwins', lambda: 0.005 }, …
    dataset: 'mnist',
    trainSize,
    epochs,
    seed: 0,
  },
  out,
  onEvent: (e) => {
    if (e.type === 'epoch') console.log(`epoch ${e.epoch + 1}: kNN monitor ${((e.knn ?? 0) * 100).toFixed(1)}%`);
  },
});
const ev = run.summary?.evaluation;
console.log(`linear probe ${((ev?.linearProbe ?? 0) * 100).toFixed(2)}%, kNN ${((ev?.knn ?? 0) * 100).toFixed(2)}%`);
console.log(`run folder ${run.dir}`);
run.encoder.dispose();
run.method.dispose();
