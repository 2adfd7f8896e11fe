/**
 * A long-tailed Fashion-MNIST subset fed as pairs of augmented views — the
 * input of the imbalance experiment. Run: npx tsx examples/long-tail-views.ts [batches]
 */
import { presets, ViewLoader } from '../src/augment/index.ts';
import { classCounts, fashionMnist, imbalanceRatio, longTailSubset } from '../src/data/index.ts';

const batches = Number(process.argv[2] ?? 10);
const data = fashionMnist(); // Debian's dataset-fashion-mnist: 60,000 training images
const { split, counts } = longTailSubset(data.train, { n: 20000, ratio: 0.1, seed: 0 }); // r = min/max = 0.1
console.log(`long-tailed subset: ${split.images.shape[0]} images, per class [${counts}]`);
console.log(`imbalance ratio of the drawn labels: ${imbalanceRatio(classCounts(split.labels, 10)).toFixed(3)}`);

const pipeline = presets.mnist({ mean: [0.286], std: [0.353] }); // the digits recipe, Fashion-MNIST statistics
const loader = new ViewLoader({ data: split, pipeline, batchSize: 256, seed: 0 });
let seen = 0;
for await (const { views, index, dispose } of loader.epoch(0)) {
  const [v1, v2] = views;
  if (index === 0) console.log(`views: ${v1?.dtype} [${v1?.shape}] and [${v2?.shape}]`);
  seen++;
  dispose();
  if (seen === batches) break;
}
await loader.close();
console.log(`${seen} batches of two views from the worker thread (${loader.batchesPerEpoch} per epoch)`);
