/** Methods by name, so a run's JSON config rebuilds its method. */
import type { EncoderScale } from '../nn/index.ts';
import { didYouMean, OptionError } from '../options/index.ts';
import { barlowTwins } from './barlow-twins.ts';
import { byol } from './byol.ts';
import { dann } from './dann.ts';
import type { MethodDefinition } from './define.ts';
import type { Method, MethodConfig, MethodDeps, MethodName } from './method.ts';
import { mocov2 } from './mocov2.ts';
import { simclr } from './simclr.ts';
import { simsiam } from './simsiam.ts';
import { spectral } from './spectral.ts';
import { supervised } from './supervised.ts';
import { swav } from './swav.ts';
import { vicreg } from './vicreg.ts';

const METHODS: Record<MethodName, MethodDefinition> = {
  spectral,
  simclr,
  mocov2,
  byol,
  simsiam,
  swav,
  barlowtwins: barlowTwins,
  vicreg,
  supervised,
  dann,
};

/** Every method specl implements, spectral first. */
export const METHOD_NAMES: readonly MethodName[] = Object.keys(METHODS) as MethodName[];

/** The definition of method `name` (its options, recipe, default batch size); unknown names throw with a suggestion. */
export function methodDefinition(name: unknown, where = 'methods: method'): MethodDefinition {
  if (typeof name === 'string' && Object.hasOwn(METHODS, name)) return METHODS[name as MethodName];
  throw new OptionError(
    `${where} must be one of ${METHOD_NAMES.join(', ')}, got ${JSON.stringify(name)}${typeof name === 'string' ? didYouMean(name, METHOD_NAMES) : ''}`,
  );
}

/**
 * The method `config.name` with the options in `config` (missing ones take
 * their defaults for `deps.encoder`). Unknown names, unknown options and bad
 * values throw an Error naming the method, the option and what was expected.
 */
export function createMethod(config: Partial<MethodConfig> & { name: MethodName }, deps: MethodDeps): Method {
  return methodDefinition(config?.name).create(config, deps);
}

/** The default batch size of method `name` for an encoder of `scale`. */
export function defaultBatchSize(name: MethodName, scale: EncoderScale): number {
  return methodDefinition(name).batchSize(scale);
}

/** The resolved default config of method `name` for an encoder of `scale` ('small': the ConvNet; 'large': ResNet-18). */
export function defaultConfig(name: MethodName, scale: EncoderScale): MethodConfig {
  return methodDefinition(name).resolve({}, scale);
}
