/**
 * An experiment is a named grid: axes of config overrides × seeds, the
 * evaluation run on every cell, derived quantities and the claims it tests.
 * Each cell is an ordinary pretraining run (its settings are the base
 * settings with the cell's overrides, and its seed), so every run-folder
 * command works on it. The same shape is what `specl experiment run FILE`
 * reads from YAML or JSON (see docs/experiments.md); the built-in
 * experiments are specs written in code.
 */
import { isPlainObject, OptionError, setPath, show } from '../options/index.ts';
import type { PretrainSettings } from '../train/index.ts';
import { CONNECTIVITY_METRICS, type ConnectivitySettings, DEFAULT_CONNECTIVITY } from './domain-connectivity.ts';

/** One value of an axis: its label (in cell names and tables) and the overrides it sets. */
export interface AxisValue {
  label: string;
  /** Dotted keys of the pretraining settings and their values (`{ batchSize: 64, 'method.outDim': 8 }`). */
  set: Record<string, unknown>;
  /** The x-coordinate of this value in figures (default: the value when it is a number, else its index). */
  x?: number;
}

export interface Axis {
  name: string;
  values: AxisValue[];
}

/** What is measured on each cell's frozen encoder. */
export interface CellEvaluation {
  /** Linear probe (L-BFGS on standardized features), trained on the full training split: metric `probe`. */
  probe: boolean;
  /** Weighted kNN (k = 200, τ = 0.1): metric `knn`. */
  knn: boolean;
  /** Probe with m labels per class (mean over `seeds` draws): metrics `probe@m`. */
  labelEfficiency: { perClass: (number | 'all')[]; seeds: number[] } | null;
  /**
   * Other datasets the same frozen features are probed on (the run's pixel
   * normalization): a list, giving metrics `probe:DATASET` (and
   * `knn:DATASET`); or a mapping from a cell's dataset to the one it is
   * probed on (MNIST cells on Fashion-MNIST and the reverse), giving
   * `probe:transfer` for every cell.
   */
  transfer: string[] | Record<string, string>;
  /**
   * The dataset the probe, kNN and label-efficiency fits are trained and
   * scored on, in place of each cell's own (the rare-class test probes every
   * cell on the balanced rare-class set `two-part-probe:…`); null: the
   * cell's own dataset, its full training split and its test split.
   */
  dataset: string | null;
  /**
   * Transfer across domains (Shen et al. 2022; HaoChen et al. 2022), for
   * cells on a dataset with domains (`union:SOURCE+TARGET`, `subpop:…`; or
   * `dataset` when set): a linear probe fitted on the labeled source
   * training images (member 0) and scored on the source test images
   * (metric `source`) and on the target test images (member 1, `target`);
   * and a linear domain classifier on the same frozen features, fitted on
   * equal numbers of source and target training images and scored on equal
   * numbers of test images (`domain`: 0.5 when the domains are
   * indistinguishable, 1 when they are apart — "not collapse").
   */
  domains: boolean;
  /**
   * The graph connectivity that explains domain transfer (Shen et al. 2022),
   * for cells on a dataset with domains, under the cell's own augmentation:
   * ρ, α, β, γ of the positive-pair graph of a seeded sample of training
   * images, (α − γ)/(α + γ), and the distinguishing classifiers' dist-α,
   * dist-β, dist-γ (see domain-connectivity.ts); null: not measured.
   */
  connectivity: ConnectivitySettings | null;
  /**
   * Evaluate on a balanced seeded subset instead of the full splits (quick
   * looks, the `--quick` grids): this many images per class of each
   * dataset's training and test split. null: the full splits (the protocol).
   */
  subset: { trainPerClass: number; testPerClass: number } | null;
}

/** A quantity derived from a metric across one axis: the relative gap (A(ref) − A(v)) / A(ref) per seed. */
export interface DerivedGap {
  name: string;
  metric: string;
  axis: string;
  /** The label of the reference value on `axis` (the balanced set, r = 1). */
  reference: string;
}

/** Picks cells by axis labels (every axis not named matches all). */
export type Selector = Record<string, string>;

/**
 * A claim the experiment tests: the paired difference a − b of `metric`
 * between two selections, over the seeds both have; it holds when the 95 %
 * interval of that difference lies on the `expect` side of 0, does not hold
 * when it lies on the other side, and is inconclusive when it straddles 0.
 */
export interface Claim {
  text: string;
  metric: string;
  a: Selector;
  b: Selector;
  expect: 'a>b' | 'a<b';
}

/**
 * A relation the experiment tests across its groups of cells (each axis
 * combination, averaged over seeds): that metric `y` rises (or falls) with
 * metric `x`, by Spearman's rank correlation ρ_s over the groups; it holds
 * when the 95 % interval of ρ_s lies on the `expect` side of 0.
 */
export interface Relation {
  text: string;
  x: string;
  y: string;
  expect: 'increasing' | 'decreasing';
}

/** How results.md and the figures lay the grid out. */
export interface ReportLayout {
  /** The axis along the x-axis of the figures (default: the first axis with more than one value). */
  x?: string;
  /** The axis drawn as separate series (default: the first other axis with more than one value). */
  series?: string;
  /** The metrics drawn (default: every metric measured). */
  metrics?: string[];
  /** A log-scaled x-axis (batch sizes, dimensions, labels per class). */
  logX?: boolean;
}

export interface ExperimentSpec {
  name: string;
  /** One paragraph: what the experiment tests and where the claim comes from. */
  description: string;
  /** Pretraining settings shared by every cell (as a `--config` file holds them). */
  base: PretrainSettings;
  axes: Axis[];
  seeds: number[];
  evaluation: CellEvaluation;
  derived: DerivedGap[];
  claims: Claim[];
  /** Relations between two metrics across the groups (absent when none). */
  relations?: Relation[];
  report: ReportLayout;
}

/** One cell: a pretraining run with the base settings, this cell's overrides and its seed. */
export interface Cell {
  /** `method=spectral,batch=64,seed=0`: unique in the grid, the folder name under cells/. */
  id: string;
  /** The label of each axis's value. */
  labels: Record<string, string>;
  seed: number;
  /** What the cell is: a pretraining run, or an evaluation of raw pixels or a random-init encoder. */
  kind: 'run' | 'pixels' | 'random';
  settings: PretrainSettings;
}

/** Method names that are references evaluated without pretraining. */
export const REFERENCE_METHODS = ['pixels', 'random'] as const;

/** Labels name folders: letters, digits, '.', '_', '+', '-' (a leading '-' only for negative numbers). */
const SAFE_LABEL = /^(-(?=[0-9.]))?[A-Za-z0-9.][A-Za-z0-9._+-]*$/;

/** The settings with each dotted override applied (`method: NAME` sets the method's name, keeping its options). */
export function applyOverrides(base: PretrainSettings, set: Record<string, unknown>): PretrainSettings {
  let out = structuredClone(base) as Record<string, unknown>;
  // A method given by name becomes {name}, so that a dotted `method.*` override keeps the name.
  if (typeof out.method === 'string') out.method = { name: out.method };
  for (const [key, value] of Object.entries(set)) {
    if (key === 'method' && typeof value === 'string') {
      out = setPath(out, 'method', isPlainObject(out.method) ? { ...out.method, name: value } : { name: value });
    } else out = setPath(out, key, value);
  }
  return out as PretrainSettings;
}

/** The method name a cell's settings name (`method` may be a name or an object with one). */
export function methodOf(settings: PretrainSettings): string {
  const m = settings.method;
  return typeof m === 'string' ? m : typeof m?.name === 'string' ? m.name : 'spectral';
}

/** Every cell of the grid: the product of the axes, then the seeds, in order (the first axis slowest). */
export function expandGrid(spec: ExperimentSpec): Cell[] {
  let partial: { labels: Record<string, string>; settings: PretrainSettings }[] = [{ labels: {}, settings: spec.base }];
  for (const axis of spec.axes)
    partial = partial.flatMap((p) =>
      axis.values.map((v) => ({
        labels: { ...p.labels, [axis.name]: v.label },
        settings: applyOverrides(p.settings, v.set),
      })),
    );
  const cells: Cell[] = [];
  for (const p of partial)
    for (const seed of spec.seeds) {
      const method = methodOf(p.settings);
      const kind = (REFERENCE_METHODS as readonly string[]).includes(method) ? (method as 'pixels' | 'random') : 'run';
      const id = [...Object.entries(p.labels).map(([k, v]) => `${k}=${v}`), `seed=${seed}`].join(',');
      cells.push({ id, labels: p.labels, seed, kind, settings: { ...p.settings, seed } });
    }
  return cells;
}

/** The cells a selector picks. */
export function select(cells: readonly Cell[], s: Selector): Cell[] {
  return cells.filter((c) => Object.entries(s).every(([axis, label]) => c.labels[axis] === label));
}

// ---- reading a spec (a YAML/JSON file, or a built-in's object) ------------------------------------

const fail = (where: string, key: string, expect: string, got: unknown): never => {
  throw new OptionError(`${where}: ${key} must be ${expect}, got ${show(got)}`);
};

const TOP_KEYS = [
  'name',
  'description',
  'base',
  'axes',
  'seeds',
  'evaluation',
  'derived',
  'claims',
  'relations',
  'report',
];

function axisFrom(raw: unknown, i: number, where: string): Axis {
  const at = `axes[${i}]`;
  if (!isPlainObject(raw)) fail(where, at, 'a mapping {name, values} (and optionally key)', raw);
  const a = raw as Record<string, unknown>;
  for (const k of Object.keys(a))
    if (!['name', 'key', 'values'].includes(k))
      fail(where, `${at}.${k}`, 'absent (an axis has name, key, values)', a[k]);
  if (typeof a.name !== 'string' || !SAFE_LABEL.test(a.name) || a.name === 'seed')
    fail(where, `${at}.name`, "a name of letters, digits, '.', '_', '+' or '-' (not 'seed')", a.name);
  const name = a.name as string;
  const key = a.key === undefined ? name : a.key;
  if (typeof key !== 'string' || key === '') fail(where, `${at}.key`, 'a dotted settings key', key);
  if (!Array.isArray(a.values) || a.values.length === 0) fail(where, `${at}.values`, 'a non-empty list', a.values);
  const values = (a.values as unknown[]).map((v, j): AxisValue => {
    const vat = `${at}.values[${j}]`;
    if (isPlainObject(v)) {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o))
        if (!['label', 'set', 'x'].includes(k)) fail(where, `${vat}.${k}`, 'absent (a value has label, set, x)', o[k]);
      if (!isPlainObject(o.set) || Object.keys(o.set as object).length === 0)
        fail(where, `${vat}.set`, 'a mapping of dotted settings keys to values', o.set);
      if (o.x !== undefined && (typeof o.x !== 'number' || !Number.isFinite(o.x)))
        fail(where, `${vat}.x`, 'a finite number', o.x);
      const label = o.label;
      if (typeof label !== 'string' || !SAFE_LABEL.test(label))
        fail(where, `${vat}.label`, "a label of letters, digits, '.', '_', '+' or '-'", label);
      return {
        label: label as string,
        set: o.set as Record<string, unknown>,
        ...(o.x === undefined ? {} : { x: o.x as number }),
      };
    }
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean' && v !== null)
      fail(where, vat, 'a number, string, boolean or null, or a mapping {label, set}', v);
    const label = String(v);
    if (!SAFE_LABEL.test(label))
      fail(where, vat, "a value whose text is a label (letters, digits, '.', '_', '+', '-')", v);
    return { label, set: { [key as string]: v }, ...(typeof v === 'number' ? { x: v } : {}) };
  });
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v.label)) fail(where, `${at}.values`, 'distinct labels', v.label);
    seen.add(v.label);
  }
  return { name, values };
}

const EVALUATION_KEYS = ['probe', 'knn', 'labelEfficiency', 'transfer', 'subset', 'dataset', 'domains', 'connectivity'];

/** `evaluation.connectivity`: false/null (off), true (the defaults) or a mapping of some of its settings. */
function connectivityFrom(raw: unknown, where: string): ConnectivitySettings | null {
  if (raw === undefined || raw === null || raw === false) return null;
  if (raw === true) return { ...DEFAULT_CONNECTIVITY };
  if (!isPlainObject(raw))
    return fail(
      where,
      'evaluation.connectivity',
      `true, false or a mapping of ${Object.keys(DEFAULT_CONNECTIVITY).join(', ')}`,
      raw,
    );
  const out = { ...DEFAULT_CONNECTIVITY };
  const min: Record<keyof ConnectivitySettings, number> = {
    imagesPerGroup: 2,
    augmentations: 2,
    k: 1,
    pairsPerKind: 1,
  };
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (!(k in DEFAULT_CONNECTIVITY))
      fail(
        where,
        `evaluation.connectivity.${k}`,
        `absent (the settings are ${Object.keys(DEFAULT_CONNECTIVITY).join(', ')})`,
        v,
      );
    const key = k as keyof ConnectivitySettings;
    if (!Number.isSafeInteger(v) || (v as number) < min[key])
      fail(where, `evaluation.connectivity.${k}`, `an integer ≥ ${min[key]}`, v);
    out[key] = v as number;
  }
  return out;
}

function evaluationFrom(raw: unknown, where: string): CellEvaluation {
  const e = raw === undefined ? {} : raw;
  if (!isPlainObject(e)) return fail(where, 'evaluation', 'a mapping {probe, knn, labelEfficiency, transfer}', raw);
  const o = e as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!EVALUATION_KEYS.includes(k))
      fail(where, `evaluation.${k}`, `absent (evaluation has ${EVALUATION_KEYS.join(', ')})`, o[k]);
  const bool = (k: string, d: boolean) => {
    const v = o[k] ?? d;
    if (typeof v !== 'boolean') fail(where, `evaluation.${k}`, 'true or false', v);
    return v as boolean;
  };
  let labelEfficiency: CellEvaluation['labelEfficiency'] = null;
  if (o.labelEfficiency !== undefined && o.labelEfficiency !== null && o.labelEfficiency !== false) {
    const le = o.labelEfficiency;
    if (!isPlainObject(le)) return fail(where, 'evaluation.labelEfficiency', 'a mapping {perClass, seeds}', le);
    const l = le as Record<string, unknown>;
    const perClass = l.perClass ?? [1, 5, 10, 100, 'all'];
    if (
      !Array.isArray(perClass) ||
      perClass.length === 0 ||
      !perClass.every((m) => m === 'all' || (Number.isSafeInteger(m) && (m as number) >= 1))
    )
      fail(where, 'evaluation.labelEfficiency.perClass', "a non-empty list of positive integers or 'all'", perClass);
    const seeds = l.seeds ?? [0, 1, 2];
    if (!Array.isArray(seeds) || seeds.length === 0 || !seeds.every((s) => Number.isSafeInteger(s) && s >= 0))
      fail(where, 'evaluation.labelEfficiency.seeds', 'a non-empty list of seeds (non-negative integers)', seeds);
    labelEfficiency = { perClass: perClass as (number | 'all')[], seeds: seeds as number[] };
  }
  const transfer = o.transfer ?? [];
  const names = Array.isArray(transfer) ? transfer : isPlainObject(transfer) ? Object.values(transfer) : null;
  if (!names?.every((d) => typeof d === 'string' && d !== ''))
    fail(
      where,
      'evaluation.transfer',
      "a list of dataset names, or a mapping from a cell's dataset to another",
      transfer,
    );
  let subset: CellEvaluation['subset'] = null;
  if (o.subset !== undefined && o.subset !== null) {
    const sub = o.subset as Record<string, unknown>;
    const ok = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 1;
    if (!isPlainObject(sub) || !ok(sub.trainPerClass) || !ok(sub.testPerClass) || Object.keys(sub).length !== 2)
      fail(where, 'evaluation.subset', 'null or {trainPerClass, testPerClass}, both positive integers', o.subset);
    subset = { trainPerClass: sub.trainPerClass as number, testPerClass: sub.testPerClass as number };
  }
  const dataset = o.dataset ?? null;
  if (dataset !== null && (typeof dataset !== 'string' || dataset.trim() === ''))
    fail(
      where,
      'evaluation.dataset',
      "null (each cell's own dataset) or a dataset spec such as two-part-probe:mnist",
      dataset,
    );
  const domains = bool('domains', false);
  const connectivity = connectivityFrom(o.connectivity, where);
  const out = {
    dataset: dataset as string | null,
    subset,
    probe: bool('probe', !domains),
    knn: bool('knn', false),
    labelEfficiency,
    transfer: transfer as CellEvaluation['transfer'],
    domains,
    connectivity,
  };
  if (!out.probe && !out.knn && !labelEfficiency && !domains && !connectivity)
    fail(where, 'evaluation', 'at least one of probe, knn, labelEfficiency, domains and connectivity', raw);
  return out;
}

function selectorFrom(raw: unknown, at: string, where: string, axes: Axis[]): Selector {
  if (!isPlainObject(raw)) return fail(where, at, 'a mapping of axis names to value labels', raw);
  const out: Selector = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    const axis = axes.find((a) => a.name === k);
    if (!axis) fail(where, `${at}.${k}`, `an axis of the grid (${axes.map((a) => a.name).join(', ')})`, k);
    const label = String(v);
    if (!axis?.values.some((x) => x.label === label))
      fail(where, `${at}.${k}`, `one of ${axis?.values.map((x) => x.label).join(', ')}`, v);
    out[k] = label;
  }
  return out;
}

/**
 * A spec from a plain object (a parsed YAML/JSON file, or a built-in's
 * literal), checked: errors name `where` (the file) and the field. Missing
 * parts get their defaults: seeds [0], evaluation {probe: true}, no derived
 * quantities or claims.
 */
export function specFrom(raw: unknown, where: string): ExperimentSpec {
  if (!isPlainObject(raw)) return fail(where, 'the file', 'a mapping with name, base, axes, seeds…', raw);
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r))
    if (!TOP_KEYS.includes(k)) fail(where, k, `absent (the keys are ${TOP_KEYS.join(', ')})`, r[k]);
  if (typeof r.name !== 'string' || !SAFE_LABEL.test(r.name))
    fail(where, 'name', "a name of letters, digits, '.', '_', '+' or '-'", r.name);
  const description = r.description ?? '';
  if (typeof description !== 'string') fail(where, 'description', 'a string', description);
  const base = r.base ?? {};
  if (!isPlainObject(base)) fail(where, 'base', 'a mapping of pretraining settings', base);
  for (const k of ['seed', 'out', 'resume'])
    if ((base as Record<string, unknown>)[k] !== undefined)
      fail(
        where,
        `base.${k}`,
        `absent (${k === 'seed' ? 'the seeds are the grid’s' : 'the runner places each cell'})`,
        (base as Record<string, unknown>)[k],
      );
  const axesRaw = r.axes ?? [];
  if (!Array.isArray(axesRaw)) fail(where, 'axes', 'a list of axes', axesRaw);
  const axes = (axesRaw as unknown[]).map((a, i) => axisFrom(a, i, where));
  const names = new Set<string>();
  for (const a of axes) {
    if (names.has(a.name)) fail(where, 'axes', 'axes with distinct names', a.name);
    names.add(a.name);
  }
  const seeds = r.seeds ?? [0];
  if (!Array.isArray(seeds) || seeds.length === 0 || !seeds.every((s) => Number.isSafeInteger(s) && s >= 0))
    fail(where, 'seeds', 'a non-empty list of seeds (non-negative integers)', seeds);
  if (new Set(seeds as number[]).size !== (seeds as number[]).length) fail(where, 'seeds', 'distinct seeds', seeds);
  const derivedRaw = r.derived ?? [];
  if (!Array.isArray(derivedRaw)) fail(where, 'derived', 'a list of gaps {name, metric, axis, reference}', derivedRaw);
  const derived = (derivedRaw as unknown[]).map((d, i): DerivedGap => {
    const at = `derived[${i}]`;
    if (!isPlainObject(d)) return fail(where, at, 'a mapping {name, metric, axis, reference}', d);
    const o = d as Record<string, unknown>;
    if (typeof o.name !== 'string' || !SAFE_LABEL.test(o.name)) fail(where, `${at}.name`, 'a metric name', o.name);
    if (typeof o.metric !== 'string') fail(where, `${at}.metric`, 'the name of a measured metric', o.metric);
    const axis = axes.find((a) => a.name === o.axis);
    if (!axis) return fail(where, `${at}.axis`, `an axis of the grid (${[...names].join(', ')})`, o.axis);
    const ref = String(o.reference);
    if (!axis.values.some((v) => v.label === ref))
      fail(where, `${at}.reference`, `one of ${axis.values.map((v) => v.label).join(', ')}`, o.reference);
    return { name: o.name as string, metric: o.metric as string, axis: axis.name, reference: ref };
  });
  const claimsRaw = r.claims ?? [];
  if (!Array.isArray(claimsRaw)) fail(where, 'claims', 'a list of claims {text, metric, a, b, expect}', claimsRaw);
  const claims = (claimsRaw as unknown[]).map((c, i): Claim => {
    const at = `claims[${i}]`;
    if (!isPlainObject(c)) return fail(where, at, 'a mapping {text, metric, a, b, expect}', c);
    const o = c as Record<string, unknown>;
    if (typeof o.text !== 'string' || o.text === '') fail(where, `${at}.text`, 'the claim in words', o.text);
    if (typeof o.metric !== 'string') fail(where, `${at}.metric`, 'the name of a metric', o.metric);
    if (o.expect !== 'a>b' && o.expect !== 'a<b') fail(where, `${at}.expect`, "'a>b' or 'a<b'", o.expect);
    return {
      text: o.text as string,
      metric: o.metric as string,
      a: selectorFrom(o.a, `${at}.a`, where, axes),
      b: selectorFrom(o.b, `${at}.b`, where, axes),
      expect: o.expect as Claim['expect'],
    };
  });
  const relationsRaw = r.relations ?? [];
  if (!Array.isArray(relationsRaw)) fail(where, 'relations', 'a list of relations {text, x, y, expect}', relationsRaw);
  const relations = (relationsRaw as unknown[]).map((c, i): Relation => {
    const at = `relations[${i}]`;
    if (!isPlainObject(c)) return fail(where, at, 'a mapping {text, x, y, expect}', c);
    const o = c as Record<string, unknown>;
    for (const k of Object.keys(o))
      if (!['text', 'x', 'y', 'expect'].includes(k))
        fail(where, `${at}.${k}`, 'absent (a relation has text, x, y, expect)', o[k]);
    if (typeof o.text !== 'string' || o.text === '') fail(where, `${at}.text`, 'the relation in words', o.text);
    for (const k of ['x', 'y'] as const)
      if (typeof o[k] !== 'string') fail(where, `${at}.${k}`, 'the name of a metric', o[k]);
    if (o.expect !== 'increasing' && o.expect !== 'decreasing')
      fail(where, `${at}.expect`, "'increasing' or 'decreasing'", o.expect);
    return { text: o.text as string, x: o.x as string, y: o.y as string, expect: o.expect as Relation['expect'] };
  });
  const rep = r.report ?? {};
  if (!isPlainObject(rep)) fail(where, 'report', 'a mapping {x, series, metrics, logX}', rep);
  const ro = rep as Record<string, unknown>;
  for (const k of ['x', 'series'] as const)
    if (ro[k] !== undefined && !names.has(ro[k] as string))
      fail(where, `report.${k}`, `an axis (${[...names].join(', ')})`, ro[k]);
  if (ro.metrics !== undefined && !(Array.isArray(ro.metrics) && ro.metrics.every((m) => typeof m === 'string')))
    fail(where, 'report.metrics', 'a list of metric names', ro.metrics);
  if (ro.logX !== undefined && typeof ro.logX !== 'boolean') fail(where, 'report.logX', 'true or false', ro.logX);
  const spec: ExperimentSpec = {
    name: r.name as string,
    description: description as string,
    base: base as PretrainSettings,
    axes,
    seeds: seeds as number[],
    evaluation: evaluationFrom(r.evaluation, where),
    derived,
    claims,
    ...(relations.length > 0 ? { relations } : {}),
    report: ro as ReportLayout,
  };
  if (!Array.isArray(spec.evaluation.transfer) && Object.keys(spec.evaluation.transfer).length > 0)
    for (const c of expandGrid(spec)) {
      const d = c.settings.dataset ?? 'mnist';
      if (!(d in spec.evaluation.transfer))
        fail(
          where,
          'evaluation.transfer',
          `a mapping with an entry for every dataset of the grid (cell ${c.id} is on ${d})`,
          spec.evaluation.transfer,
        );
    }
  const metrics = new Set([...measuredMetrics(spec.evaluation), ...derived.map((d) => d.name)]);
  for (const [i, d] of derived.entries())
    if (!measuredMetrics(spec.evaluation).includes(d.metric))
      fail(
        where,
        `derived[${i}].metric`,
        `a measured metric (${measuredMetrics(spec.evaluation).join(', ')})`,
        d.metric,
      );
  for (const [i, c] of claims.entries())
    if (!metrics.has(c.metric)) fail(where, `claims[${i}].metric`, `a metric (${[...metrics].join(', ')})`, c.metric);
  for (const [i, c] of relations.entries())
    for (const k of ['x', 'y'] as const)
      if (!metrics.has(c[k])) fail(where, `relations[${i}].${k}`, `a metric (${[...metrics].join(', ')})`, c[k]);
  return spec;
}

/** The metric names a cell evaluation yields, in table order. */
export function measuredMetrics(e: CellEvaluation): string[] {
  const out: string[] = [];
  if (e.probe) out.push('probe');
  if (e.knn) out.push('knn');
  for (const m of e.labelEfficiency?.perClass ?? []) out.push(`probe@${m}`);
  if (e.domains) out.push(...DOMAIN_METRICS);
  if (e.connectivity) out.push(...CONNECTIVITY_METRICS);
  for (const d of transferNames(e)) {
    if (e.probe) out.push(`probe:${d}`);
    if (e.knn) out.push(`knn:${d}`);
  }
  return out;
}

/** The metrics of `evaluation.domains`: source and target accuracy of the source-fitted probe, domain separability. */
export const DOMAIN_METRICS = ['source', 'target', 'domain'] as const;

/** The names transfer metrics carry: each listed dataset, or `transfer` for a mapping. */
export const transferNames = (e: CellEvaluation): string[] =>
  Array.isArray(e.transfer) ? e.transfer : Object.keys(e.transfer).length > 0 ? ['transfer'] : [];

/** The datasets a cell on `dataset` is probed on besides its own, with the metric suffix of each. */
export function transferTargets(e: CellEvaluation, dataset: string): { dataset: string; suffix: string }[] {
  if (Array.isArray(e.transfer)) return e.transfer.map((d) => ({ dataset: d, suffix: `:${d}` }));
  const to = e.transfer[dataset];
  if (to === undefined && Object.keys(e.transfer).length > 0)
    throw new Error(
      `experiment: evaluation.transfer maps no dataset for cells on ${dataset} (it maps ${Object.keys(e.transfer).join(', ')})`,
    );
  return to === undefined ? [] : [{ dataset: to, suffix: ':transfer' }];
}
