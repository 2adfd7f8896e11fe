/**
 * The one set of value checks every option in specl uses (in the spirit of
 * sharp's `is.js`), with one message style: the owner and the option, what
 * was expected, what was given —
 * `pretrain: batchSize must be an integer ≥ 2, got "128" (a string)`.
 * A check also knows how to read its value from a command-line string, so a
 * flag and a config file reach the same test.
 */

/** A test of a value, the words for what it expects, and how to read one from a string. */
export interface Check<T> {
  /** What a valid value is, completing "must be …" ("a positive integer"). */
  readonly expect: string;
  /** Whether `v` is a valid value. */
  test(v: unknown): boolean;
  /** The value a command-line string denotes (it is tested afterwards); strings stay strings by default. */
  fromString?(s: string): unknown;
  /** Allowed values, for checks over a fixed set (help texts and "did you mean"). */
  readonly values?: readonly unknown[];
}

/** The error of a bad option value or an unknown option (a plain Error, so callers need no special case). */
export class OptionError extends Error {
  override name = 'OptionError';
}

/** A value as the message shows it: JSON, with the type said where JSON hides it. */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return `${JSON.stringify(v)} (a string)`;
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'function') return 'a function';
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 120 ? `${s.slice(0, 117)}…` : s;
  } catch {
    return String(v);
  }
}

/**
 * Throws the one message style: `owner: key must be expect, got show(got)`
 * (no `owner: ` when owner is ''; a command-line flag names itself).
 */
export function fail(owner: string, key: string, expect: string, got: unknown, hint = ''): never {
  throw new OptionError(`${owner ? `${owner}: ` : ''}${key} must be ${expect}, got ${show(got)}${hint}`);
}

/**
 * `v` if it passes `check`, else the error naming owner, key, expectation and
 * value (with the nearest allowed value suggested for a mistyped name).
 */
export function checked<T>(owner: string, key: string, check: Check<T>, v: unknown): T {
  if (!check.test(v)) {
    const hint = check.values && typeof v === 'string' ? didYouMean(v, check.values.map(String)) : '';
    fail(owner, key, check.expect, v, hint);
  }
  return v as T;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/** Number(s), but '' and whitespace are not 0. */
const toNumber = (s: string): unknown => {
  const n = Number(s);
  return s.trim() === '' || Number.isNaN(n) ? s : n;
};

function numberCheck(expect: string, ok: (x: number) => boolean): Check<number> {
  return { expect, test: (v) => isNum(v) && ok(v), fromString: toNumber };
}

/** A finite number. */
export const finite = numberCheck('a finite number', () => true);
/** A finite number > 0. */
export const positive = numberCheck('a finite number > 0', (x) => x > 0);
/** A finite number ≥ 0. */
export const nonNegative = numberCheck('a finite number ≥ 0', (x) => x >= 0);
/** An integer ≥ 1. */
export const positiveInt = numberCheck('a positive integer', (x) => Number.isSafeInteger(x) && x >= 1);
/** An integer ≥ 0. */
export const nonNegativeInt = numberCheck('a non-negative integer', (x) => Number.isSafeInteger(x) && x >= 0);
/** A seed: an integer in [0, 2⁵³). */
export const seed = numberCheck('a non-negative integer (a seed)', (x) => Number.isSafeInteger(x) && x >= 0);
/** A probability in [0, 1]. */
export const probability = numberCheck('a probability in [0, 1]', (x) => x >= 0 && x <= 1);
/** A number in [0, 1): momentum coefficients, fractions of a run. */
export const unitInterval = numberCheck('a number in [0, 1)', (x) => x >= 0 && x < 1);

/** An integer ≥ `min`. */
export const intAtLeast = (min: number): Check<number> =>
  numberCheck(`an integer ≥ ${min}`, (x) => Number.isSafeInteger(x) && x >= min);

/** An integer in [min, max]. */
export const intIn = (min: number, max: number): Check<number> =>
  numberCheck(`an integer in [${min}, ${max}]`, (x) => Number.isSafeInteger(x) && x >= min && x <= max);

/**
 * A finite number in an interval; `open` makes the lower, upper or both ends
 * strict ("a number in (0, 1]").
 */
export function numberIn(min: number, max: number, open: 'none' | 'lower' | 'upper' | 'both' = 'none'): Check<number> {
  const lo = open === 'lower' || open === 'both';
  const hi = open === 'upper' || open === 'both';
  const fmt = (x: number) => (x === Number.POSITIVE_INFINITY ? '∞' : x === Number.NEGATIVE_INFINITY ? '−∞' : `${x}`);
  return numberCheck(
    `a number in ${lo ? '(' : '['}${fmt(min)}, ${fmt(max)}${hi ? ')' : ']'}`,
    (x) => (lo ? x > min : x >= min) && (hi ? x < max : x <= max),
  );
}

/** A number > `min` (strict), e.g. a scale that must stay above 0 but has no upper bound. */
export const greaterThan = (min: number): Check<number> => numberCheck(`a finite number > ${min}`, (x) => x > min);

/** true or false (from the command line: true, false, yes, no, 1, 0). */
export const boolean: Check<boolean> = {
  expect: 'true or false',
  test: (v) => typeof v === 'boolean',
  fromString: (s) => {
    const t = s.trim().toLowerCase();
    return ['true', 'yes', '1'].includes(t) ? true : ['false', 'no', '0'].includes(t) ? false : s;
  },
};

/** A non-empty string. */
export const nonEmptyString: Check<string> = {
  expect: 'a non-empty string',
  test: (v) => typeof v === 'string' && v.length > 0,
};

/** One of a fixed set of values (strings or numbers). */
export function oneOf<T extends string | number>(values: readonly T[]): Check<T> {
  const numeric = values.every((x) => typeof x === 'number');
  return {
    expect: `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`,
    test: (v) => values.includes(v as T),
    fromString: numeric ? toNumber : undefined,
    values,
  };
}

/** A value that passes `check`, or null (an optional setting that is off). */
export function nullable<T>(check: Check<T>, what = 'null'): Check<T | null> {
  return {
    expect: `${check.expect}, or ${what}`,
    test: (v) => v === null || check.test(v),
    fromString: (s) => (s.trim() === 'null' || s.trim() === 'none' ? null : (check.fromString?.(s) ?? s)),
    values: check.values,
  };
}

/** A value that passes `check`, or one of a few words ('auto'). */
export function orWord<T, W extends string>(check: Check<T>, words: readonly W[]): Check<T | W> {
  return {
    expect: `${check.expect}, or ${words.map((w) => JSON.stringify(w)).join(' or ')}`,
    test: (v) => words.includes(v as W) || check.test(v),
    fromString: (s) => (words.includes(s.trim() as W) ? s.trim() : (check.fromString?.(s) ?? s)),
  };
}

/**
 * A list of values that each pass `item`, of length in [min, max]; from the
 * command line, comma-separated (brackets optional): `32,64,256` or `[32,64,256]`.
 */
export function listOf<T>(item: Check<T>, o: { min?: number; max?: number; noun?: string } = {}): Check<T[]> {
  const min = o.min ?? 1;
  const max = o.max ?? Number.POSITIVE_INFINITY;
  const count =
    min === max ? `${min}` : max === Number.POSITIVE_INFINITY ? (min <= 1 ? 'a non-empty list' : `${min} or more`) : '';
  const length = count === 'a non-empty list' ? count : count ? `a list of ${count}` : `a list of ${min} to ${max}`;
  return {
    expect: `${length} of ${o.noun ?? plural(item.expect)}`,
    test: (v) => Array.isArray(v) && v.length >= min && v.length <= max && v.every((x) => item.test(x)),
    fromString: (s) => {
      const body = s.trim().replace(/^\[/, '').replace(/\]$/, '').trim();
      if (body === '') return [];
      return body.split(',').map((x) => item.fromString?.(x.trim()) ?? x.trim());
    },
  };
}

/** "a positive integer" → "positive integers", for list messages. */
function plural(expect: string): string {
  const m = /^an? (.*)$/.exec(expect);
  if (!m) return `values that are ${expect}`;
  const [first, ...rest] = (m[1] as string).split(' ');
  const head = rest.length ? `${first} ${rest.join(' ')}` : (first as string);
  // pluralize the noun before any qualifier: "integer ≥ 2" → "integers ≥ 2"
  return head.replace(/^((?:[\w-]+ )*?)(number|integer|string|probability)\b/, (_, pre: string, noun: string) =>
    noun === 'probability' ? `${pre}probabilities` : `${pre}${noun}s`,
  );
}

/** A check of `base` with a further condition and its own words ("an integer ≥ 2 and even"). */
export function refine<T>(base: Check<T>, expect: string, ok: (v: T) => boolean): Check<T> {
  return { ...base, expect, test: (v) => base.test(v) && ok(v as T) };
}

/** Levenshtein distance, for "did you mean". */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0] as number;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j] as number;
      d[j] = Math.min((d[j] as number) + 1, (d[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length] as number;
}

/**
 * The known names closest to `name`, best first: case-insensitive edit
 * distance of the whole dotted name or of its last part (at most 0.4 of
 * its length), keeping only those about as close as the best.
 */
export function suggest(name: string, known: readonly string[], max = 3): string[] {
  const lower = name.toLowerCase();
  const leaf = (s: string) => s.slice(s.lastIndexOf('.') + 1).toLowerCase();
  const limit = Math.max(1.5, Math.ceil(leaf(name).length * 0.4));
  const scored = known
    .map((k) => ({ k, d: Math.min(editDistance(lower, k.toLowerCase()), editDistance(leaf(name), leaf(k)) + 0.5) }))
    .filter(({ d }) => d <= limit)
    .sort((a, b) => a.d - b.d || a.k.localeCompare(b.k));
  const best = scored[0]?.d ?? 0;
  return scored
    .filter(({ d }) => d <= best + 0.5)
    .slice(0, max)
    .map((s) => s.k);
}

/** ", did you mean 'a' or 'b'?" or "" — appended to unknown-name messages. */
export function didYouMean(name: string, known: readonly string[]): string {
  const s = suggest(name, known);
  if (s.length === 0) return '';
  return ` (did you mean ${s.map((x) => `'${x}'`).join(' or ')}?)`;
}
