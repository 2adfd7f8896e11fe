/**
 * Validation of the plain JSON options every augmentation is built from.
 * Each check throws a RangeError that names the transform, the option and the
 * range it expects, so a bad preset or a hand-written spec fails at once.
 */

/** Options as they arrive from JSON: any keys, any values. */
export type Options = Readonly<Record<string, unknown>>;

const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : (JSON.stringify(v) ?? String(v)));

function fail(transform: string, option: string, expected: string, got: unknown): never {
  throw new RangeError(`${transform}: option ${option} must be ${expected}, got ${show(got)}`);
}

/**
 * Rejects option names the transform does not know (typos would otherwise be
 * ignored silently). A `kind` equal to the transform's own kind is allowed, so
 * a `spec` can be passed straight back to the constructor.
 */
export function checkKeys(transform: string, kind: string, opts: unknown, known: readonly string[]): Options {
  if (opts === undefined) return {};
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
    throw new RangeError(`${transform}: options must be a plain object, got ${show(opts)}`);
  }
  const o = opts as Options;
  for (const key of Object.keys(o)) {
    if (key === 'kind' && o.kind === kind) continue;
    if (!known.includes(key)) {
      throw new RangeError(`${transform}: unknown option ${key} (known options: ${known.join(', ')})`);
    }
  }
  return o;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** A finite number in [min, max] (either bound may be open-ended). */
export function numberIn(
  transform: string,
  option: string,
  v: unknown,
  fallback: number | undefined,
  min = Number.NEGATIVE_INFINITY,
  max = Number.POSITIVE_INFINITY,
  expected = `a number in [${min}, ${max}]`,
): number {
  const x = v === undefined ? fallback : v;
  if (!isNum(x) || x < min || x > max) fail(transform, option, expected, v);
  return x;
}

/** A probability in [0, 1]. */
export const probability = (transform: string, option: string, v: unknown, fallback: number): number =>
  numberIn(transform, option, v, fallback, 0, 1, 'a probability in [0, 1]');

/** A positive integer (optionally odd). */
export function positiveInt(transform: string, option: string, v: unknown, odd = false): number {
  if (!isNum(v) || !Number.isInteger(v) || v < 1 || (odd && v % 2 === 0)) {
    fail(transform, option, odd ? 'an odd positive integer' : 'a positive integer', v);
  }
  return v;
}

/** `n` or `[n, n]`, both positive integers, as [height, width]. */
export function sizePair(transform: string, option: string, v: unknown): [number, number] {
  const pair = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((n) => isNum(n) && Number.isInteger(n) && n >= 1)) {
    fail(transform, option, 'a positive integer or [height, width] of positive integers', v);
  }
  return [pair[0] as number, pair[1] as number];
}

/**
 * An interval [lo, hi] with min ≤ lo ≤ hi ≤ max. `loMinExclusive` makes the
 * lower bound strict (scale and ratio must stay above 0).
 */
export function interval(
  transform: string,
  option: string,
  v: unknown,
  fallback: [number, number],
  min: number,
  max: number,
  loMinExclusive = false,
): [number, number] {
  const pair = v === undefined ? fallback : v;
  const lower = loMinExclusive ? `${min} < lo` : `${min} ≤ lo`;
  const expected = `[lo, hi] with ${lower} ≤ hi ≤ ${max}`;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every(isNum)) fail(transform, option, expected, v);
  const [lo, hi] = pair as [number, number];
  if ((loMinExclusive ? lo <= min : lo < min) || hi > max || lo > hi) fail(transform, option, expected, v);
  return [lo, hi];
}

/** A number used for both, or [a, b], each in [min, max]. */
export function pairIn(
  transform: string,
  option: string,
  v: unknown,
  fallback: [number, number],
  min: number,
  max: number,
): [number, number] {
  const pair = v === undefined ? fallback : typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((x) => isNum(x) && x >= min && x <= max)) {
    fail(transform, option, `a number in [${min}, ${max}] or a pair of them`, v);
  }
  return [pair[0] as number, pair[1] as number];
}

/** A non-empty list of finite numbers, each passing `ok`. */
export function numberList(
  transform: string,
  option: string,
  v: unknown,
  ok: (x: number) => boolean,
  expected: string,
): number[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => isNum(x) && ok(x))) fail(transform, option, expected, v);
  return [...(v as number[])];
}

/** One of a fixed set of strings. */
export function oneOf<T extends string>(
  transform: string,
  option: string,
  v: unknown,
  fallback: T,
  allowed: readonly T[],
): T {
  const x = v === undefined ? fallback : v;
  if (typeof x !== 'string' || !allowed.includes(x as T)) fail(transform, option, `one of ${allowed.join(', ')}`, v);
  return x as T;
}
