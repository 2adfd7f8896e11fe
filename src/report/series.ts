/**
 * Curves of a run for charts: read out of metrics.jsonl lines, downsampled
 * for the screen and smoothed. Shared by the HTML report and the dashboard,
 * so both draw the same numbers.
 */
import type { MetricLine } from '../train/run-folder.ts';

/** One curve: x (the step) and y, of equal length, x ascending. */
export interface Series {
  x: number[];
  y: number[];
}

/** Fields of a step line that are bookkeeping, not curves. */
const NOT_CURVES = new Set(['type', 'step', 'epoch', 'seconds']);

/**
 * The curves of a run from its metrics.jsonl lines:
 * - every finite numeric field of the step lines (loss, its parts such as
 *   part1/part2, lr, spread, …) as a curve over `step`;
 * - `imagesPerSecond` between consecutive step lines,
 *   batch · Δstep / Δseconds, when `o.batch` is given (the step lines carry
 *   the wall seconds since the start; a resume restarts no clock, but a
 *   step line whose seconds do not grow is skipped);
 * - the epoch lines' `knn` (the kNN monitor, a fraction) and `spread` (the
 *   collapse monitor) as `knn` and `epoch:spread`.
 * Lines of a run that was resumed appear once: a later line for a step
 * already seen replaces the earlier one, so the x values stay ascending.
 */
export function seriesOf(lines: readonly MetricLine[], o: { batch?: number } = {}): Record<string, Series> {
  const points = new Map<string, Map<number, number>>();
  const put = (name: string, step: number, v: unknown) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return;
    const m = points.get(name) ?? new Map<number, number>();
    points.set(name, m);
    m.set(step, v);
  };
  let prev: { step: number; seconds: number } | null = null;
  for (const l of lines) {
    if (typeof l.step !== 'number' || !Number.isFinite(l.step)) continue;
    if (l.type === 'step') {
      for (const [k, v] of Object.entries(l)) if (!NOT_CURVES.has(k)) put(k, l.step, v);
      const seconds = l.seconds;
      if (o.batch !== undefined && typeof seconds === 'number') {
        if (prev && l.step > prev.step && seconds > prev.seconds)
          put('imagesPerSecond', l.step, (o.batch * (l.step - prev.step)) / (seconds - prev.seconds));
        prev = { step: l.step, seconds };
      }
    } else if (l.type === 'epoch') {
      put('knn', l.step, l.knn);
      put('epoch:spread', l.step, l.spread);
    } else if (l.type === 'event' && (l.event === 'resume' || l.event === 'restart')) {
      prev = null; // a new process: its clock restarted
    }
  }
  const out: Record<string, Series> = {};
  for (const [name, m] of points) {
    const x = [...m.keys()].sort((a, b) => a - b);
    out[name] = { x, y: x.map((s) => m.get(s) as number) };
  }
  return out;
}

/**
 * At most `maxPoints` points of a curve for a chart `maxPoints / 2` pixels
 * wide: the x range is cut into ⌊maxPoints / 2⌋ buckets of equal index
 * count, and each bucket keeps its minimum and its maximum, in x order
 * (min/max decimation, so no spike or dip disappears). The first and last
 * points are always kept. Points with a non-finite y are dropped. A curve
 * that already fits is returned as it is (its finite points).
 */
export function downsampleMinMax(x: readonly number[], y: readonly number[], maxPoints: number): Series {
  if (x.length !== y.length) throw new Error(`downsampleMinMax: ${x.length} x values but ${y.length} y values`);
  if (!Number.isInteger(maxPoints) || maxPoints < 2)
    throw new Error(`downsampleMinMax: maxPoints must be an integer ≥ 2 (got ${maxPoints})`);
  const idx: number[] = [];
  for (let i = 0; i < y.length; i++) if (Number.isFinite(y[i])) idx.push(i);
  if (idx.length <= maxPoints) return { x: idx.map((i) => x[i] as number), y: idx.map((i) => y[i] as number) };
  const keep = new Set<number>([idx[0] as number, idx[idx.length - 1] as number]);
  // Two slots go to the ends; each remaining pair of slots is one bucket.
  const buckets = Math.floor((maxPoints - 2) / 2);
  const n = idx.length;
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor((b * n) / buckets);
    const hi = Math.floor(((b + 1) * n) / buckets);
    let iMin = -1;
    let iMax = -1;
    for (let j = lo; j < hi; j++) {
      const i = idx[j] as number;
      if (iMin < 0 || (y[i] as number) < (y[iMin] as number)) iMin = i;
      if (iMax < 0 || (y[i] as number) > (y[iMax] as number)) iMax = i;
    }
    if (iMin >= 0) keep.add(iMin);
    if (iMax >= 0) keep.add(iMax);
  }
  // The ends can coincide with a bucket's extreme, so the count stays ≤ maxPoints.
  const kept = [...keep].sort((a, b) => a - b);
  return { x: kept.map((i) => x[i] as number), y: kept.map((i) => y[i] as number) };
}

/**
 * Exponential moving average with the start-up bias removed (Adam's
 * correction, Kingma & Ba 2015): m_t = w·m_{t−1} + (1−w)·y_t, m_0 = 0, and
 * the value shown is m_t / (1 − w^t), t counting the finite points so far.
 * Unlike TensorBoard's plain EMA, whose first values are pulled towards the
 * first point, the first smoothed value is y_1 itself and every value is a
 * weighted mean of the points so far. w = 0 returns the curve; w must be in
 * [0, 1). A non-finite y is passed through and does not enter the mean.
 */
export function smoothEma(y: readonly number[], weight: number): number[] {
  if (!(weight >= 0 && weight < 1)) throw new Error(`smoothEma: weight must be in [0, 1) (got ${weight})`);
  let m = 0;
  let t = 0;
  return y.map((v) => {
    if (!Number.isFinite(v)) return v;
    t++;
    m = weight * m + (1 - weight) * v;
    return m / (1 - weight ** t);
  });
}

/** Seeds of one configuration summarized step by step (see `meanBand`). */
export interface Band {
  x: number[];
  mean: number[];
  /** Sample standard deviation (n − 1); 0 where only one curve has the step. */
  sd: number[];
  min: number[];
  max: number[];
  /** How many curves have a point at this x. */
  n: number[];
}

/**
 * The mean ± sd band of several curves (one per seed) at every x that at
 * least `minCurves` of them have (default: all of them, so the band never
 * mixes a different set of seeds along the way).
 */
export function meanBand(curves: readonly Series[], o: { minCurves?: number } = {}): Band {
  const need = o.minCurves ?? curves.length;
  const at = new Map<number, number[]>();
  for (const c of curves)
    c.x.forEach((xi, i) => {
      const v = c.y[i] as number;
      if (!Number.isFinite(v)) return;
      const vs = at.get(xi);
      if (vs) vs.push(v);
      else at.set(xi, [v]);
    });
  const band: Band = { x: [], mean: [], sd: [], min: [], max: [], n: [] };
  for (const xi of [...at.keys()].sort((a, b) => a - b)) {
    const vs = at.get(xi) as number[];
    if (vs.length < need || vs.length === 0) continue;
    const mean = vs.reduce((s, v) => s + v, 0) / vs.length;
    const sd = vs.length > 1 ? Math.sqrt(vs.reduce((s, v) => s + (v - mean) ** 2, 0) / (vs.length - 1)) : 0;
    band.x.push(xi);
    band.mean.push(mean);
    band.sd.push(sd);
    band.min.push(Math.min(...vs));
    band.max.push(Math.max(...vs));
    band.n.push(vs.length);
  }
  return band;
}
