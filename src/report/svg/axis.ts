/**
 * Axes: "nice" tick positions (1-2-5 steps on linear axes, powers of ten on
 * log axes) and the scales that map data values to pixels.
 */
import { exponentOf, formatLinearTicks, formatLogTick, pow10 } from './format.ts';

/** Tick positions and their labels over an axis domain. */
export interface Ticks {
  /** The axis domain [lo, hi]: the data range widened to whole ticks, or the fixed range as given. */
  domain: [number, number];
  values: number[];
  labels: string[];
}

/** Relative slack when testing whether a value sits on a tick (absorbs v/step rounding). */
const EPS = 1e-9;

/** A 1-2-5 step m·10ᵖ (m ∈ {1, 2, 5}) close to `raw`, as mantissa and exponent so tick values can be formed exactly. */
export function niceStep(raw: number): { mantissa: 1 | 2 | 5; exponent: number; step: number } {
  if (!(raw > 0) || !Number.isFinite(raw))
    throw new Error(`niceStep: raw step must be a positive finite number, got ${raw}`);
  let exponent = exponentOf(raw);
  const norm = raw / pow10(exponent);
  // Geometric midpoints between 1, 2, 5 and 10 decide which step is closest.
  let mantissa: 1 | 2 | 5;
  if (norm < Math.SQRT2) mantissa = 1;
  else if (norm < Math.sqrt(10)) mantissa = 2;
  else if (norm < Math.sqrt(50)) mantissa = 5;
  else {
    mantissa = 1;
    exponent += 1;
  }
  return { mantissa, exponent, step: stepValue(1, mantissa, exponent) };
}

/** k·m·10ᵖ, dividing by an exact power of ten for p < 0 so that 3·10⁻¹ is the double nearest 0.3. */
function stepValue(k: number, m: number, p: number): number {
  const v = p >= 0 ? k * m * pow10(p) : (k * m) / pow10(-p);
  return v === 0 ? 0 : v; // no −0
}

/**
 * Linear ticks for data in [min, max] with about `count` intervals, on a
 * 1-2-5 step. With `nice` (default) the domain widens to the enclosing ticks
 * (d3's `.nice()`); otherwise the domain is [min, max] exactly and only the
 * ticks inside it are kept. A zero-width range is widened around its value.
 *
 * Example: (0, 1, 5) → domain [0, 1], ticks 0, 0.2, 0.4, 0.6, 0.8, 1.
 */
export function linearTicks(min: number, max: number, count = 5, nice = true): Ticks {
  if (!Number.isFinite(min) || !Number.isFinite(max))
    throw new Error(`linearTicks: min and max must be finite, got ${min} and ${max}`);
  if (min > max) throw new Error(`linearTicks: min must be ≤ max, got ${min} > ${max}`);
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`linearTicks: count must be a positive integer, got ${count}`);
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const { mantissa, exponent, step } = niceStep((max - min) / count);
  let lo = min;
  let hi = max;
  if (nice) {
    lo = stepValue(Math.floor(min / step + EPS), mantissa, exponent);
    hi = stepValue(Math.ceil(max / step - EPS), mantissa, exponent);
  }
  const values: number[] = [];
  for (let k = Math.ceil(lo / step - EPS); k <= Math.floor(hi / step + EPS); k++)
    values.push(stepValue(k, mantissa, exponent));
  return { domain: [lo, hi], values, labels: formatLinearTicks(values, exponent) };
}

/** log₁₀ rounded to an integer when within rounding noise of one. */
function log10(v: number): number {
  const l = Math.log10(v);
  const r = Math.round(l);
  return Math.abs(l - r) < 1e-10 ? r : l;
}

/**
 * Log-axis ticks for positive data in [min, max]: powers of ten (every
 * `stride`-th decade when more than `maxTicks` decades), plus 2× and 5×
 * ticks when the domain spans at most two decades. With `nice` the domain
 * widens to whole decades.
 *
 * Example: (0.001, 1000) → domain [10⁻³, 10³], ticks 10⁻³, 10⁻², …, 10³.
 */
export function logTicks(min: number, max: number, maxTicks = 10, nice = true): Ticks {
  if (!(min > 0) || !(max > 0) || !Number.isFinite(min) || !Number.isFinite(max))
    throw new Error(`logTicks: min and max must be positive and finite for a log axis, got ${min} and ${max}`);
  if (min > max) throw new Error(`logTicks: min must be ≤ max, got ${min} > ${max}`);
  let lo = Math.floor(log10(min));
  let hi = Math.ceil(log10(max));
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  const domain: [number, number] = nice ? [pow10(lo), pow10(hi)] : [min, max];
  const [dLo, dHi] = [log10(domain[0]), log10(domain[1])];
  const decades = dHi - dLo;
  const stride = Math.max(1, Math.ceil(decades / maxTicks));
  const values: number[] = [];
  const inside = (v: number) => v >= domain[0] * (1 - EPS) && v <= domain[1] * (1 + EPS);
  const multiples = decades <= 2 ? [1, 2, 5] : [1];
  for (let e = Math.floor(dLo); e <= Math.ceil(dHi); e++) {
    if (e % stride !== 0) continue;
    for (const m of multiples) {
      const v = stepValue(1, m, e);
      if (inside(v)) values.push(v);
    }
  }
  // A narrow fixed range may hold fewer than two 1-2-5 ticks; fall back to linear ticks inside it.
  if (values.length < 2) {
    const lin = linearTicks(domain[0], domain[1], 4, false);
    return { domain, values: lin.values, labels: lin.labels };
  }
  const plain = values.every((v) => v >= 0.01 && v <= 1e4);
  return { domain, values, labels: values.map((v) => formatLogTick(v, plain)) };
}

/** A map from data values to pixels along one axis, with its ticks. */
export interface Scale extends Ticks {
  kind: 'linear' | 'log';
  /** Pixel positions of domain[0] and domain[1] (for a y axis the first is the bottom, so range[0] > range[1]). */
  range: [number, number];
  /** Pixel position of a data value (not clamped). */
  map(v: number): number;
}

export interface ScaleOptions {
  log?: boolean;
  /** Fixed domain: no widening to nice ticks. */
  fixed?: [number, number];
  /** About how many tick intervals (linear) or at most how many decade ticks (log). */
  count?: number;
  /** What the axis is, for error messages ("x", "y"). */
  name?: string;
}

/**
 * The scale for data spanning [min, max] drawn between pixels range[0]
 * and range[1]: p = r₀ + (t(v) − t(d₀))/(t(d₁) − t(d₀))·(r₁ − r₀), with
 * t = identity (linear) or log₁₀ (log).
 */
export function makeScale(min: number, max: number, range: [number, number], o: ScaleOptions = {}): Scale {
  const name = o.name ?? 'axis';
  const log = o.log ?? false;
  let ticks: Ticks;
  if (o.fixed) {
    const [a, b] = o.fixed;
    if (!Number.isFinite(a) || !Number.isFinite(b) || !(a < b))
      throw new Error(`${name} range must be two finite numbers [lo, hi] with lo < hi, got [${a}, ${b}]`);
    if (log && !(a > 0)) throw new Error(`${name} range must be positive on a log axis, got [${a}, ${b}]`);
    ticks = log ? logTicks(a, b, o.count ?? 10, false) : linearTicks(a, b, o.count ?? 5, false);
  } else {
    ticks = log ? logTicks(min, max, o.count ?? 10) : linearTicks(min, max, o.count ?? 5);
  }
  const t = log ? log10 : (v: number) => v;
  const t0 = t(ticks.domain[0]);
  const t1 = t(ticks.domain[1]);
  const [r0, r1] = range;
  return { kind: log ? 'log' : 'linear', ...ticks, range, map: (v) => r0 + ((t(v) - t0) / (t1 - t0)) * (r1 - r0) };
}
