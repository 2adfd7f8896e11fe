/**
 * From the finished cells to an experiment's results: per group of cells
 * (the same axis labels, every seed) the mean, sample sd and 95 % interval of
 * each metric; the derived gaps; and each claim's verdict from the paired
 * difference over seeds. Pure: the same cells give the same results, in
 * whatever order and wherever they ran (results hold no timings).
 */
import type { CellResult } from './cell.ts';
import { type Cell, type ExperimentSpec, measuredMetrics, type Relation, type Selector } from './grid.ts';
import { formatSpread, pairedDifference, type Spread, spearman, spread } from './stats.ts';

/** One metric over the seeds of a group: the values by seed and their spread. */
export interface MetricSpread extends Spread {
  values: Record<string, number>;
}

export interface GroupResult {
  labels: Record<string, string>;
  metrics: Record<string, MetricSpread>;
}

export type Verdict = 'holds' | 'does not hold' | 'inconclusive' | 'not measured';

export interface ClaimResult {
  text: string;
  metric: string;
  a: Selector;
  b: Selector;
  expect: 'a>b' | 'a<b';
  /** The paired difference a − b over the seeds both sides have (null when none). */
  difference: (Spread & { seeds: number[] }) | null;
  verdict: Verdict;
  /** One line stating what was measured and the verdict. */
  line: string;
}

export interface RelationResult extends Relation {
  /** One point per group of cells with both metrics: their means over seeds. */
  points: { labels: Record<string, string>; x: number; y: number }[];
  /** Spearman's ρ_s over the points, with its 95 % interval (null with fewer than 4 points). */
  spearman: { n: number; rho: number; low: number | null; high: number | null } | null;
  verdict: Verdict;
  line: string;
}

export interface ExperimentResults {
  experiment: string;
  description: string;
  axes: { name: string; labels: string[]; x: number[] }[];
  seeds: number[];
  /** Measured metrics, then derived ones. */
  metrics: string[];
  cells: {
    id: string;
    labels: Record<string, string>;
    seed: number;
    kind: Cell['kind'];
    steps: number;
    metrics: Record<string, number>;
  }[];
  groups: GroupResult[];
  claims: ClaimResult[];
  relations: RelationResult[];
  /** Cells of the grid that have not finished (results are over the rest). */
  missing: string[];
}

const groupKey = (labels: Record<string, string>, axes: readonly string[]) =>
  axes.map((a) => `${a}=${labels[a]}`).join(',');

/** Whether a metric is an accuracy (shown in points) rather than a relative gap (shown in %). */
const isGap = (spec: ExperimentSpec, metric: string) => spec.derived.some((d) => d.name === metric);

/** The derived gaps of every cell (per seed): (A(reference) − A(v)) / A(reference); the reference cells get none. */
function withDerived(spec: ExperimentSpec, cells: CellResult[]): CellResult[] {
  if (spec.derived.length === 0) return cells;
  const axes = spec.axes.map((a) => a.name);
  const byKey = new Map(cells.map((c) => [`${groupKey(c.labels, axes)},seed=${c.seed}`, c]));
  return cells.map((c) => {
    const extra: Record<string, number> = {};
    for (const d of spec.derived) {
      if (c.labels[d.axis] === d.reference) continue;
      const ref = byKey.get(`${groupKey({ ...c.labels, [d.axis]: d.reference }, axes)},seed=${c.seed}`);
      const a = ref?.metrics[d.metric];
      const v = c.metrics[d.metric];
      if (a === undefined || v === undefined) continue;
      extra[d.name] = (a - v) / a;
    }
    return { ...c, metrics: { ...c.metrics, ...extra } };
  });
}

/** Per seed, the mean of `metric` over the groups `selector` picks. */
function selection(
  groups: GroupResult[],
  selector: Selector,
  metric: string,
): { values: Map<number, number>; groups: number } {
  const picked = groups.filter(
    (g) => Object.entries(selector).every(([axis, label]) => g.labels[axis] === label) && g.metrics[metric],
  );
  const sums = new Map<number, { sum: number; n: number }>();
  for (const g of picked)
    for (const [seed, v] of Object.entries((g.metrics[metric] as MetricSpread).values)) {
      const s = sums.get(Number(seed)) ?? { sum: 0, n: 0 };
      s.sum += v;
      s.n++;
      sums.set(Number(seed), s);
    }
  // A seed counts only where every picked group has it, so that each seed's mean is over the same groups.
  const values = new Map<number, number>();
  for (const [seed, s] of sums) if (s.n === picked.length) values.set(seed, s.sum / s.n);
  return { values, groups: picked.length };
}

const describeSelector = (s: Selector) =>
  Object.keys(s).length === 0
    ? 'all cells'
    : Object.entries(s)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ');

/**
 * The verdict of a claim from the 95 % interval of the paired difference:
 * holds when it excludes 0 on the expected side, does not hold when it
 * excludes 0 on the other side, inconclusive when it contains 0 (or when one
 * seed gives no interval).
 */
export function verdictOf(d: Spread, expect: 'a>b' | 'a<b'): Verdict {
  if (d.n < 2) return 'inconclusive';
  const sign = expect === 'a>b' ? 1 : -1;
  if (sign * d.low > 0 && sign * d.high > 0) return 'holds';
  if (sign * d.low < 0 && sign * d.high < 0) return 'does not hold';
  return 'inconclusive';
}

/** The experiment's results from the cells that have finished (see the module comment). */
export function aggregate(
  spec: ExperimentSpec,
  grid: readonly Cell[],
  finished: readonly CellResult[],
): ExperimentResults {
  const axes = spec.axes.map((a) => a.name);
  const order = new Map(grid.map((c, i) => [c.id, i]));
  const cells = withDerived(
    spec,
    [...finished].sort((x, y) => (order.get(x.id) ?? 0) - (order.get(y.id) ?? 0)),
  );
  const metrics = [...measuredMetrics(spec.evaluation), ...spec.derived.map((d) => d.name)];
  const groups: GroupResult[] = [];
  const seen = new Map<string, GroupResult>();
  for (const c of grid) {
    const key = groupKey(c.labels, axes);
    if (seen.has(key)) continue;
    const members = cells.filter((x) => groupKey(x.labels, axes) === key);
    const g: GroupResult = { labels: c.labels, metrics: {} };
    for (const m of metrics) {
      const withM = members.filter((x) => x.metrics[m] !== undefined);
      if (withM.length === 0) continue;
      const values = Object.fromEntries(withM.map((x) => [String(x.seed), x.metrics[m] as number]));
      g.metrics[m] = { ...spread(withM.map((x) => x.metrics[m] as number)), values };
    }
    seen.set(key, g);
    groups.push(g);
  }
  const claims = spec.claims.map((c): ClaimResult => {
    const a = selection(groups, c.a, c.metric);
    const b = selection(groups, c.b, c.metric);
    const base = { text: c.text, metric: c.metric, a: c.a, b: c.b, expect: c.expect };
    let difference: ClaimResult['difference'] = null;
    try {
      difference = pairedDifference(a.values, b.values);
    } catch {
      // no seed measured on both sides yet
    }
    if (!difference)
      return {
        ...base,
        difference,
        verdict: 'not measured',
        line: `${c.text}: not measured yet (no seed with both sides finished)`,
      };
    const verdict = verdictOf(difference, c.expect);
    const gap = isGap(spec, c.metric);
    // One seed: the value alone (the seed count follows in brackets).
    const f = (s: Spread) =>
      s.n === 1
        ? `${(s.mean * 100).toFixed(2)}${gap ? ' %' : ' points'}`
        : formatSpread(s, { scale: 100, digits: 2, unit: gap ? ' %' : ' points' });
    const interval =
      difference.n > 1
        ? `, 95 % interval [${(difference.low * 100).toFixed(2)}, ${(difference.high * 100).toFixed(2)}]`
        : '';
    const pooled = (x: { groups: number }) => (x.groups > 1 ? ` (mean of ${x.groups} groups)` : '');
    const line =
      `${c.text}: ${c.metric} of ${describeSelector(c.a)}${pooled(a)} − ${describeSelector(c.b)}${pooled(b)} = ` +
      `${f(difference)} (${difference.n} seed${difference.n === 1 ? '' : 's'}${interval}; expected ${c.expect === 'a>b' ? '> 0' : '< 0'}): ${verdict}`;
    return { ...base, difference, verdict, line };
  });
  const done = new Set(finished.map((c) => c.id));
  return {
    experiment: spec.name,
    description: spec.description,
    axes: spec.axes.map((a) => ({
      name: a.name,
      labels: a.values.map((v) => v.label),
      x: a.values.map((v, i) => v.x ?? i),
    })),
    seeds: spec.seeds,
    metrics,
    cells: cells.map((c) => ({
      id: c.id,
      labels: c.labels,
      seed: c.seed,
      kind: c.kind,
      steps: c.steps,
      metrics: c.metrics,
    })),
    groups,
    claims,
    relations: (spec.relations ?? []).map((r) => relationResult(r, groups)),
    missing: grid.filter((c) => !done.has(c.id)).map((c) => c.id),
  };
}

/** A relation's points, Spearman's ρ_s and the verdict from its interval (see `Relation`). */
function relationResult(r: Relation, groups: GroupResult[]): RelationResult {
  const points = groups
    .filter((g) => g.metrics[r.x] && g.metrics[r.y])
    .map((g) => ({
      labels: g.labels,
      x: (g.metrics[r.x] as MetricSpread).mean,
      y: (g.metrics[r.y] as MetricSpread).mean,
    }));
  const expected = r.expect === 'increasing' ? '> 0' : '< 0';
  if (points.length < 2)
    return {
      ...r,
      points,
      spearman: null,
      verdict: 'not measured',
      line: `${r.text}: not measured yet (${points.length} group${points.length === 1 ? '' : 's'} with both ${r.x} and ${r.y})`,
    };
  const s = spearman(
    points.map((p) => p.x),
    points.map((p) => p.y),
  );
  let verdict: Verdict = 'inconclusive';
  if (s.low !== null && s.high !== null) {
    const sign = r.expect === 'increasing' ? 1 : -1;
    if (sign * s.low > 0 && sign * s.high > 0) verdict = 'holds';
    else if (sign * s.low < 0 && sign * s.high < 0) verdict = 'does not hold';
  }
  const interval =
    s.low === null || s.high === null
      ? '; no interval below 4 groups'
      : `, 95 % interval [${s.low.toFixed(2)}, ${s.high.toFixed(2)}] (Fisher z, se 1.03/√(n − 3))`;
  const line =
    `${r.text}: Spearman ρ_s(${r.x}, ${r.y}) = ${Number.isFinite(s.rho) ? s.rho.toFixed(2) : 'undefined (a constant metric)'} ` +
    `over ${s.n} groups (means over seeds)${interval}; expected ${expected}: ${verdict}`;
  return { ...r, points, spearman: s, verdict, line };
}
