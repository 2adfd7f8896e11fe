/**
 * Subpopulation shift in the style of BREEDS (Santurkar, Tsipras, Madry 2021),
 * for "linear transferability to related subpopulations" (HaoChen, Wei,
 * Kumar, Ma, NeurIPS 2022, "Beyond separability: analyzing the linear
 * transferability of contrastive representations to related
 * subpopulations"): the base dataset's classes become *sub-classes* grouped
 * into a few *super-classes*; each super-class keeps some of its sub-classes
 * as the **source** and the rest as the **target**. Pretrain on all images
 * unlabeled, fit a linear probe for the super-class on source images only,
 * and measure it on target images, whose sub-classes the probe never saw.
 *
 *   subpop:BASE[?groups=G/G/…,source=S,part=all|source|target]
 *
 * - `groups`: the super-classes, separated by `/`, each a list of the base's
 *   class indices separated by `+` (`0+2+4+6/5+7+9/1+3+8`). Every sub-class
 *   of the base is in exactly one group; at least 2 groups of at least 2
 *   sub-classes each. Default: the built-in grouping of BASE (below); a BASE
 *   without one needs `groups`.
 * - `source`: the source sub-classes (`+`-separated). Default: the first
 *   ⌈n/2⌉ sub-classes of each group of n, in the order listed. Every group
 *   keeps at least one source and one target sub-class.
 * - `part`: `all` (default; both parts, a DomainUnion whose domain 0 is the
 *   source, 1 the target), `source` or `target` (those images only).
 *
 * Built-in groupings (super-class names in brackets):
 * - fashion-mnist: [tops] T-shirt/top 0, pullover 2, coat 4, shirt 6;
 *   [footwear] sandal 5, sneaker 7, ankle boot 9; [other] trouser 1, dress 3, bag 8.
 *   Default source 0, 2 / 5, 7 / 1, 3; target 4, 6 / 9 / 8.
 * - mnist: [loops] 0, 6, 8, 9; [straight] 1, 4, 7; [curves] 2, 3, 5.
 *   Default source 0, 6 / 1, 4 / 2, 3; target 8, 9 / 7 / 5.
 * Other groupings name their super-classes `group0`, `group1`, …
 *
 * The options follow the **last** `?` (as for `shift:`), so a BASE with
 * options of its own needs subpop's after them
 * (`subpop:shift:mnist?kind=invert?part=source`). The canonical spec
 * (`loadDataset`'s name) writes every option out, e.g.
 * `subpop:fashion-mnist?groups=0+2+4+6/5+7+9/1+3+8,source=0+2+5+7+1+3,part=all`;
 * because it holds `+`, a subpop spec cannot be a `union:` member.
 */
import { didYouMean } from '../options/index.ts';
import { type Tensor, tensor } from '../tensor/index.ts';
import type { ImageSplit, LabeledDataset } from './dataset.ts';
import { type DomainUnion, parseOptionList, splitSpec } from './domain-spec.ts';
import { FASHION_MNIST_CLASSES } from './fashion-mnist.ts';

/** Which images of a subpopulation set: both parts, or the source or target sub-classes only. */
export type SubpopPart = 'all' | 'source' | 'target';
/** The parts, in the order messages list them. */
export const SUBPOP_PARTS: readonly SubpopPart[] = ['all', 'source', 'target'];

/** A built-in grouping: the super-classes' names and sub-classes, for a base with exactly these class names. */
export interface BuiltInGrouping {
  names: readonly string[];
  groups: readonly (readonly number[])[];
  /** The base's class names this grouping is for (checked, so a grouping never lands on other classes). */
  classes: readonly string[];
}

/** The built-in groupings, by base dataset name (see the module comment). */
export const DEFAULT_GROUPINGS: Readonly<Record<string, BuiltInGrouping>> = {
  'fashion-mnist': {
    names: ['tops', 'footwear', 'other'],
    groups: [
      [0, 2, 4, 6],
      [5, 7, 9],
      [1, 3, 8],
    ],
    classes: FASHION_MNIST_CLASSES,
  },
  mnist: {
    names: ['loops', 'straight', 'curves'],
    groups: [
      [0, 6, 8, 9],
      [1, 4, 7],
      [2, 3, 5],
    ],
    classes: Array.from({ length: 10 }, (_, i) => String(i)),
  },
};

/** A parsed subpop spec: the base's spec and the options given (the rest default). */
export interface SubpopSpec {
  base: string;
  groups?: number[][];
  source?: number[];
  part?: SubpopPart;
}

/** Options of {@link subpopulationDataset}. */
export interface SubpopOptions {
  /** Sub-classes of each super-class (default: the built-in grouping, see `defaultGrouping`). */
  groups?: number[][];
  /** The source sub-classes (default: the first ⌈n/2⌉ of each group of n, in listed order). */
  source?: number[];
  /** Which images (default 'all'). */
  part?: SubpopPart;
  /**
   * The built-in grouping used without `groups`, and whose names the super-classes get when `groups` equals it:
   * a key of DEFAULT_GROUPINGS or a dataset spec (`fashion-mnist:DIR`, `shift:mnist?kind=invert` → mnist).
   * Default: the base's name.
   */
  defaultGrouping?: string;
  /** The result's name (default: the canonical spec with the base's name as BASE). */
  name?: string;
}

/** A grouping with every option resolved and checked against the base's classes. */
export interface SubpopGrouping {
  /** Sub-classes of each super-class, in the order listed. */
  groups: number[][];
  /** Super-class names (= the dataset's classes). */
  names: string[];
  /** Source sub-classes, in group order (then the order listed in the group). */
  source: number[];
  /** Target sub-classes (every other sub-class), in the same order. */
  target: number[];
  /** superClassOf[c]: the super-class of base class c. */
  superClassOf: number[];
  /** The base's class names (index = sub-class). */
  subClassNames: string[];
}

/** A subpopulation set: super-class labels, with each image's sub-class and the grouping. */
export interface SubpopulationDataset extends LabeledDataset {
  part: SubpopPart;
  /** Each image's sub-class (its label in the base). */
  subClasses: { train: Int32Array; test: Int32Array };
  grouping: SubpopGrouping;
}

/** `part=all`: both parts, domain 0 = 'source' (images of source sub-classes), 1 = 'target'. */
export type SubpopulationUnion = SubpopulationDataset & DomainUnion;

const specName = (s: string): string => {
  const colon = s.indexOf(':');
  return (colon < 0 ? s : s.slice(0, colon)).trim().toLowerCase();
};

/**
 * The key into DEFAULT_GROUPINGS of a dataset spec or name: its name before `:`, looking through `shift:` (a
 * shift keeps the classes): `fashion-mnist:DIR` → fashion-mnist, `shift:mnist?kind=invert` → mnist.
 */
export function defaultGroupingKey(spec: string): string {
  let s = spec.trim();
  while (specName(s) === 'shift' && s.includes(':')) s = splitSpec(s).base;
  return specName(s);
}

const KEYS = ['groups', 'source', 'part'];
const GROUPS_EXPECT =
  "sub-class lists separated by '/', each of class indices separated by '+' (e.g. 0+2+4+6/5+7+9/1+3+8)";
const SOURCE_EXPECT = "class indices separated by '+' (e.g. 0+2+5+7+1+3)";

/** `0+2+4` → [0, 2, 4]; anything else is an error saying `expect`. */
function parseIndices(text: string, key: string, spec: string, expect: string, whole: string): number[] {
  return text.split('+').map((p) => {
    const t = p.trim();
    if (!/^\d+$/.test(t) || !Number.isSafeInteger(Number(t)))
      throw new Error(`dataset '${spec}': ${key} must be ${expect}, got '${whole}' ('${t}' is not a class index)`);
    return Number(t);
  });
}

/**
 * The checks of a grouping that need no base: at least 2 groups, each of at least 2 sub-classes, each sub-class
 * integral, ≥ 0 and in one group only; source sub-classes distinct and in some group, every group keeping a
 * source and a target sub-class. `where` starts the messages; `names` name the groups in them.
 */
function checkGrouping(groups: number[][], source: number[] | undefined, where: string, names?: string[]): void {
  const label = (g: number): string =>
    `super-class ${names?.[g] ?? `group${g}`} (${(groups[g] as number[]).join('+')})`;
  if (groups.length < 2)
    throw new Error(`${where}: groups needs at least 2 groups separated by '/', got ${groups.length}`);
  const groupOf = new Map<number, number>();
  groups.forEach((g, gi) => {
    if (g.length < 2)
      throw new Error(
        `${where}: groups: ${label(gi)} has ${g.length} sub-class; every group needs at least 2, so that it can ` +
          `keep one as source and one as target`,
      );
    for (const c of g) {
      if (!Number.isSafeInteger(c) || c < 0) throw new Error(`${where}: groups: ${c} is not a class index`);
      const before = groupOf.get(c);
      if (before !== undefined)
        throw new Error(
          before === gi
            ? `${where}: groups: sub-class ${c} is listed twice in ${label(gi)}`
            : `${where}: groups: sub-class ${c} is in two groups, ${label(before)} and ${label(gi)}`,
        );
      groupOf.set(c, gi);
    }
  });
  if (source === undefined) return;
  if (source.length === 0) throw new Error(`${where}: source is empty`);
  const seen = new Set<number>();
  for (const c of source) {
    if (seen.has(c)) throw new Error(`${where}: source: sub-class ${c} is listed twice`);
    seen.add(c);
    if (!groupOf.has(c)) throw new Error(`${where}: source: sub-class ${c} is in no group`);
  }
  groups.forEach((g, gi) => {
    const n = g.filter((c) => seen.has(c)).length;
    if (n === 0) throw new Error(`${where}: source has no sub-class of ${label(gi)}: every group needs one`);
    if (n === g.length)
      throw new Error(
        `${where}: source holds every sub-class of ${label(gi)}: every group needs a target sub-class too`,
      );
  });
}

/**
 * Parses `subpop:BASE[?groups=…,source=…,part=…]` (see the module comment).
 * @throws naming the spec and the field: no base, an unknown key (with the nearest one), a list that is not of
 *   class indices, fewer than 2 groups or a group of fewer than 2 sub-classes, a sub-class in two groups, a
 *   source sub-class in no group or listed twice, a group left without source or target, a part not one of
 *   all, source, target, a key given twice.
 */
export function parseSubpopSpec(spec: string): SubpopSpec {
  if (specName(spec) !== 'subpop' || !spec.includes(':'))
    throw new Error(`dataset '${spec}': expected subpop:BASE[?groups=…,source=…,part=…]`);
  const { base, options } = splitSpec(spec);
  if (base.length === 0)
    throw new Error(`dataset '${spec}': give the base dataset after 'subpop:', e.g. subpop:fashion-mnist`);
  const out: SubpopSpec = { base };
  if (options === undefined) return out;
  let given: Map<string, string>;
  try {
    given = parseOptionList(options, spec, 'subpop', KEYS);
  } catch (e) {
    // The options are those after the last '?': a BASE with options of its own swallows subpop's.
    const m = e instanceof Error ? e.message : String(e);
    if (!m.includes('unknown option') || !base.includes(':')) throw e;
    throw new Error(
      `${m} (subpop reads the options after the last '?'; a BASE with options of its own needs subpop's ` +
        `after them, e.g. subpop:${spec.slice(spec.indexOf(':') + 1)}?part=all)`,
      { cause: e },
    );
  }
  const where = `dataset '${spec}'`;
  const groupsText = given.get('groups');
  if (groupsText !== undefined)
    out.groups = groupsText.split('/').map((g) => parseIndices(g, 'groups', spec, GROUPS_EXPECT, groupsText));
  const sourceText = given.get('source');
  if (sourceText !== undefined) out.source = parseIndices(sourceText, 'source', spec, SOURCE_EXPECT, sourceText);
  const partText = given.get('part');
  if (partText !== undefined) {
    const p = partText.toLowerCase();
    if (!(SUBPOP_PARTS as readonly string[]).includes(p))
      throw new Error(
        `${where}: part must be one of ${SUBPOP_PARTS.join(', ')}, got '${partText}'${didYouMean(p, SUBPOP_PARTS)}`,
      );
    out.part = p as SubpopPart;
  }
  if (out.groups) checkGrouping(out.groups, out.source, where);
  else if (out.source) {
    // Without groups the grouping is BASE's built-in one: check the source against it now when it is known.
    const def = DEFAULT_GROUPINGS[defaultGroupingKey(base)];
    if (def) checkGrouping(copyGroups(def.groups), out.source, where, [...def.names]);
  }
  return out;
}

const copyGroups = (g: readonly (readonly number[])[]): number[][] => g.map((x) => [...x]);

/**
 * The spec as text, options in the order groups, source, part (only those set): parsing it gives `s` back. With
 * every option set (as `loadDataset` names what it built) it does not depend on any default.
 */
export function formatSubpopSpec(s: SubpopSpec): string {
  const items: string[] = [];
  if (s.groups) items.push(`groups=${s.groups.map((g) => g.join('+')).join('/')}`);
  if (s.source) items.push(`source=${s.source.join('+')}`);
  if (s.part) items.push(`part=${s.part}`);
  return `subpop:${s.base}${items.length ? `?${items.join(',')}` : ''}`;
}

const sameSets = (a: readonly (readonly number[])[], b: readonly (readonly number[])[]): boolean =>
  a.length === b.length &&
  a.every((g, i) => {
    const h = b[i] as readonly number[];
    return g.length === h.length && g.every((c) => h.includes(c));
  });

/**
 * The grouping of `opts` resolved against a base with these class names: the built-in grouping when `groups` is
 * not given, the default source, the super-class names (built-in ones when the groups are the built-in grouping's,
 * as sets in the same order; else group0, group1, …), and checked: every sub-class of the base in exactly one
 * group, at least 2 groups of at least 2, every group with a source and a target sub-class.
 * @throws starting with `where`, naming the field (groups, source) and the sub-class or group.
 */
export function resolveSubpopGrouping(
  classes: readonly string[],
  opts: Pick<SubpopOptions, 'groups' | 'source' | 'defaultGrouping'>,
  where = 'subpopulationDataset',
): SubpopGrouping {
  const C = classes.length;
  const key = opts.defaultGrouping === undefined ? undefined : defaultGroupingKey(opts.defaultGrouping);
  const def = key === undefined ? undefined : DEFAULT_GROUPINGS[key];
  const defFits = def !== undefined && def.classes.length === C && def.classes.every((k, i) => k === classes[i]);
  let groups: number[][];
  if (opts.groups) groups = opts.groups.map((g) => [...g]);
  else if (def && defFits) groups = copyGroups(def.groups);
  else if (def)
    throw new Error(
      `${where}: the built-in ${key} grouping is for ${key}'s ${def.classes.length} classes ` +
        `(${def.classes.join(', ')}), but the base has ${C} classes (${classes.join(', ')}): give groups`,
    );
  else
    throw new Error(
      `${where}: ${key ?? 'the base'} has no built-in grouping (built in: ${Object.keys(DEFAULT_GROUPINGS).join(', ')}): ` +
        `give groups, e.g. groups=0+1/2+3 (sub-classes separated by '+', super-classes by '/')`,
    );
  const names = def && defFits && sameSets(groups, def.groups) ? [...def.names] : groups.map((_, g) => `group${g}`);
  for (const g of groups)
    for (const c of g)
      if (!Number.isSafeInteger(c) || c < 0 || c >= C)
        throw new Error(`${where}: groups has sub-class ${c}, but the base has ${C} classes (0…${C - 1})`);
  checkGrouping(groups, undefined, where, names);
  const superClassOf = new Array<number>(C).fill(-1);
  groups.forEach((g, gi) => {
    for (const c of g) superClassOf[c] = gi;
  });
  const missing = superClassOf.findIndex((g) => g < 0);
  if (missing >= 0)
    throw new Error(
      `${where}: groups leaves sub-class ${missing} (${classes[missing]}) in no group: every class of the base ` +
        `must be in exactly one group`,
    );
  if (opts.source)
    for (const c of opts.source)
      if (!Number.isSafeInteger(c) || c < 0 || c >= C)
        throw new Error(`${where}: source has sub-class ${c}, but the base has ${C} classes (0…${C - 1})`);
  const chosen = new Set(opts.source ?? groups.flatMap((g) => g.slice(0, Math.ceil(g.length / 2))));
  if (opts.source) checkGrouping(groups, opts.source, where, names);
  return {
    groups,
    names,
    source: groups.flatMap((g) => g.filter((c) => chosen.has(c))),
    target: groups.flatMap((g) => g.filter((c) => !chosen.has(c))),
    superClassOf,
    subClassNames: [...classes],
  };
}

const int64 = (xs: ArrayLike<number>): Tensor => tensor(BigInt64Array.from(Array.from(xs), BigInt), [xs.length]);

/**
 * A subpopulation set of `base` (HaoChen, Wei, Kumar, Ma 2022; BREEDS-style super-classes): labels are the
 * super-class of each image's base class, classes the super-class names; `part` 'source' / 'target' keeps only
 * the images of source / target sub-classes, 'all' (default) keeps every image and is a DomainUnion with domain 0
 * = 'source', 1 = 'target'. Images stay in the base's order. `subClasses` gives each image's base label, `grouping`
 * the resolved grouping (see {@link resolveSubpopGrouping}). New tensors: `base` stays intact.
 */
export function subpopulationDataset(
  base: LabeledDataset,
  opts?: Omit<SubpopOptions, 'part'> & { part?: 'all' },
): SubpopulationUnion;
export function subpopulationDataset(base: LabeledDataset, opts: SubpopOptions): SubpopulationDataset;
export function subpopulationDataset(base: LabeledDataset, opts: SubpopOptions = {}): SubpopulationDataset {
  const fn = 'subpopulationDataset';
  const part = opts.part ?? 'all';
  if (!(SUBPOP_PARTS as readonly string[]).includes(part))
    throw new Error(`${fn}: part must be one of ${SUBPOP_PARTS.join(', ')}, got '${String(part)}'`);
  const grouping = resolveSubpopGrouping(
    base.classes,
    { groups: opts.groups, source: opts.source, defaultGrouping: opts.defaultGrouping ?? base.name },
    fn,
  );
  const isSource = new Set(grouping.source);
  const keep = (c: number): boolean => part === 'all' || isSource.has(c) === (part === 'source');
  const made: Tensor[] = [];
  const build = (split: ImageSplit): { split: ImageSplit; sub: Int32Array } => {
    const ys = split.labels.toArray();
    const idx: number[] = [];
    ys.forEach((y, i) => {
      if (keep(y)) idx.push(i);
    });
    const sub = Int32Array.from(idx, (i) => ys[i] as number);
    let images: Tensor;
    if (part === 'all') images = split.images.clone();
    else {
      const at = int64(idx);
      try {
        images = split.images.indexSelect(0, at);
      } finally {
        at.dispose();
      }
    }
    made.push(images);
    const labels = int64(Array.from(sub, (c) => grouping.superClassOf[c] as number));
    made.push(labels);
    return { split: { images, labels }, sub };
  };
  let train: ReturnType<typeof build>;
  let test: ReturnType<typeof build>;
  try {
    train = build(base.train);
    test = build(base.test);
  } catch (e) {
    for (const t of made) t.dispose();
    throw e;
  }
  const name =
    opts.name ?? formatSubpopSpec({ base: base.name, groups: grouping.groups, source: grouping.source, part });
  const out: SubpopulationDataset = {
    name,
    classes: [...grouping.names],
    train: train.split,
    test: test.split,
    part,
    subClasses: { train: train.sub, test: test.sub },
    grouping,
  };
  if (part !== 'all') return out;
  const domainOf = (sub: Int32Array): Int32Array => Int32Array.from(sub, (c) => (isSource.has(c) ? 0 : 1));
  const union: SubpopulationUnion = {
    ...out,
    domains: { train: domainOf(train.sub), test: domainOf(test.sub), names: ['source', 'target'] },
  };
  return union;
}
