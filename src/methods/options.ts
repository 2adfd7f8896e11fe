/**
 * Method options: resolving defaults and checking values, so a run file with
 * a typo or a bad value fails at once with a message that names the method,
 * the option and what was expected. Also the optimizer part every method's
 * config shares, and the batch-size scaling of its learning rate.
 */
import type { EncoderScale } from '../nn/index.ts';
import type { MethodName, MethodRecipe } from './method.ts';

/** How one option is defaulted and checked. */
export interface OptionSpec<T> {
  default: T;
  /** What a valid value is, for the error message ("a positive integer"). */
  expect: string;
  check: (v: unknown) => boolean;
}

export type OptionSpecs<T> = { [K in keyof T]: OptionSpec<T[K]> };

/**
 * `given` with every missing option filled from `specs`. Throws on an option
 * `specs` does not know, on a bad value, and on a `name` other than `method`.
 */
export function resolveOptions<T extends object>(
  method: MethodName,
  given: Record<string, unknown>,
  specs: OptionSpecs<T>,
): T {
  const known = Object.keys(specs);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(given)) {
    if (k === 'name') {
      if (v !== method) throw new Error(`${method}: option 'name' must be '${method}', got ${JSON.stringify(v)}`);
      continue;
    }
    if (!known.includes(k)) {
      throw new Error(`${method}: unknown option '${k}': expected one of ${known.join(', ')}`);
    }
  }
  for (const [k, spec] of Object.entries(specs) as [string, OptionSpec<unknown>][]) {
    const v = given[k] === undefined ? spec.default : given[k];
    if (!spec.check(v)) {
      throw new Error(`${method}: option '${k}' must be ${spec.expect}, got ${JSON.stringify(v)}`);
    }
    out[k] = v;
  }
  return out as T;
}

// ---- value checks --------------------------------------------------------------------------------------

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export const positive = (d: number): OptionSpec<number> => ({
  default: d,
  expect: 'a finite number > 0',
  check: (v) => isNum(v) && v > 0,
});
export const nonNegative = (d: number): OptionSpec<number> => ({
  default: d,
  expect: 'a finite number ≥ 0',
  check: (v) => isNum(v) && v >= 0,
});
export const positiveInt = (d: number): OptionSpec<number> => ({
  default: d,
  expect: 'a positive integer',
  check: (v) => isNum(v) && Number.isInteger(v) && v > 0,
});
export const nonNegativeInt = (d: number): OptionSpec<number> => ({
  default: d,
  expect: 'a non-negative integer',
  check: (v) => isNum(v) && Number.isInteger(v) && v >= 0,
});
/** A number in [0, 1) (momentum coefficients, fractions of a run). */
export const unitInterval = (d: number): OptionSpec<number> => ({
  default: d,
  expect: 'a number in [0, 1)',
  check: (v) => isNum(v) && v >= 0 && v < 1,
});
export const boolean = (d: boolean): OptionSpec<boolean> => ({
  default: d,
  expect: 'true or false',
  check: (v) => typeof v === 'boolean',
});
export const oneOf = <T extends string | number>(d: T, values: readonly T[]): OptionSpec<T> => ({
  default: d,
  expect: `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`,
  check: (v) => values.includes(v as T),
});

// ---- the optimizer recipe ------------------------------------------------------------------------------

/** Optimizer options every method carries (the authors' recipe, overridable per run). */
export type RecipeOptions = {
  /** 'sgd' or 'lars' (LARS as in the papers: η = 0.001, no clipping, biases and BN excluded). */
  optimizer: 'sgd' | 'lars';
  /** Learning rate at batch size 256; the recipe scales it linearly, lr = baseLr·B/256 (Goyal et al. 2017). */
  baseLr: number;
  weightDecay: number;
  /** Momentum of SGD/LARS (not the momentum encoder's). */
  optimizerMomentum: number;
  /** Linear warm-up as a fraction of the run (10 of 800 epochs = 0.0125 in the spectral recipe). */
  warmupFraction: number;
};

/** Specs of the optimizer options with a method's defaults. */
export function recipeSpecs(d: RecipeOptions): OptionSpecs<RecipeOptions> {
  return {
    optimizer: oneOf(d.optimizer, ['sgd', 'lars'] as const),
    baseLr: positive(d.baseLr),
    weightDecay: nonNegative(d.weightDecay),
    optimizerMomentum: unitInterval(d.optimizerMomentum),
    warmupFraction: unitInterval(d.warmupFraction),
  };
}

/** The recipe at `batchSize`: lr = baseLr·batchSize/256. */
export function scaledRecipe(method: MethodName, o: RecipeOptions, batchSize: number): MethodRecipe {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`${method}: recipe batch size must be a positive integer, got ${batchSize}`);
  }
  return {
    optimizer: o.optimizer,
    lr: (o.baseLr * batchSize) / 256,
    weightDecay: o.weightDecay,
    momentum: o.optimizerMomentum,
    warmupFraction: o.warmupFraction,
  };
}

/**
 * Whether heads default to the small sizes: true for a small encoder (the
 * ConvNet, `EncoderScale`), whose narrow heads suit short CPU runs; false
 * for the papers' backbones and their published head sizes.
 */
export const isSmallScale = (scale: EncoderScale): boolean => {
  if (scale !== 'small' && scale !== 'large')
    throw new Error(`methods: encoder scale must be 'small' or 'large', got ${JSON.stringify(scale)}`);
  return scale === 'small';
};
