/**
 * What is particular to augmentation options, built on the shared checks of
 * `src/options` (so every message has the one style, `RandomResizedCrop:
 * scale must be [lo, hi] with 0 < lo ≤ hi ≤ 1, got [0.5,1.2]`): intervals
 * [lo, hi], a value or a pair of values, a value or an interval, and the
 * check of a transform's option names.
 */
import {
  type Check,
  checked,
  didYouMean,
  fail,
  finite,
  isPlainObject,
  listOf,
  OptionError,
  refine,
  show,
} from '../options/index.ts';

/** Options as they arrive from JSON: any keys, any values. */
export type Options = Readonly<Record<string, unknown>>;

/**
 * Rejects option names the transform does not know (typos would otherwise be
 * ignored silently), with a "did you mean". A `kind` equal to the
 * transform's own kind is allowed, so a `spec` can be passed straight back to
 * the constructor.
 */
export function checkKeys(transform: string, kind: string, opts: unknown, known: readonly string[]): Options {
  if (opts === undefined) return {};
  if (!isPlainObject(opts)) {
    throw new OptionError(`${transform}: options must be an object of options, got ${show(opts)}`);
  }
  for (const [key, v] of Object.entries(opts)) {
    if (known.includes(key)) continue;
    if (key === 'kind') {
      if (v === kind) continue;
      fail(transform, 'kind', JSON.stringify(kind), v);
    }
    throw new OptionError(`${transform}: unknown option '${key}'${didYouMean(key, known)}; known: ${known.join(', ')}`);
  }
  return opts;
}

/** Option `key` of `o`, or `dflt` when absent (required options have none), checked by `check`. */
export function readOption<T>(transform: string, o: Options, key: string, check: Check<T>, dflt?: T): T {
  const v = o[key];
  return checked(transform, key, check, v === undefined ? dflt : v);
}

const bound = (x: number) => (x === Number.NEGATIVE_INFINITY ? '−∞' : `${x}`);

/**
 * An interval [lo, hi] of finite numbers with min ≤ lo ≤ hi ≤ max; `open`
 * makes the lower end strict (a scale or a ratio must stay above 0). An
 * infinite max is left out of the words ("[lo, hi] with 0 < lo ≤ hi").
 */
export function interval(min: number, max: number, open: 'none' | 'lower' = 'none'): Check<[number, number]> {
  const lower = open === 'lower' ? `${bound(min)} < lo` : `${bound(min)} ≤ lo`;
  const upper = max === Number.POSITIVE_INFINITY ? '' : ` ≤ ${max}`;
  return refine(listOf(finite, { min: 2, max: 2 }), `[lo, hi] with ${lower} ≤ hi${upper}`, (v) => {
    const [lo, hi] = v as [number, number];
    return (open === 'lower' ? lo > min : lo >= min) && hi <= max && lo <= hi;
  }) as unknown as Check<[number, number]>;
}

/** A value that passes `a` or one that passes `b` (a number or an interval); `expect` replaces the joined words. */
export function either<A, B>(a: Check<A>, b: Check<B>, expect = `${a.expect} or ${b.expect}`): Check<A | B> {
  return {
    expect,
    test: (v) => a.test(v) || b.test(v),
    fromString: (s) => {
      const x = a.fromString ? a.fromString(s) : s;
      return a.test(x) ? x : b.fromString ? b.fromString(s) : s;
    },
  };
}

/**
 * One value passing `item`, used for both, or a pair of them: `words` names
 * the pair ("[height, width] of positive integers"; default "a pair of them").
 */
export function orPair(item: Check<number>, words = 'a pair of them'): Check<number | [number, number]> {
  return either(
    item,
    listOf(item, { min: 2, max: 2 }) as unknown as Check<[number, number]>,
    `${item.expect} or ${words}`,
  );
}

/** `v` as a pair: a number n is [n, n]. */
export const asPair = (v: number | readonly number[]): [number, number] =>
  typeof v === 'number' ? [v, v] : [v[0] as number, v[1] as number];
