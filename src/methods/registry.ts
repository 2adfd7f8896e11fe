/** Methods by name, so a run's JSON config rebuilds its method. */
import type { EncoderScale } from '../nn/index.ts';
import { byol, byolDefaults } from './byol.ts';
import type { Method, MethodConfig, MethodDeps, MethodName } from './method.ts';
import { mocov2, mocov2Defaults } from './mocov2.ts';
import { isSmallScale } from './options.ts';
import { simclr, simclrDefaults } from './simclr.ts';
import { simsiam, simsiamDefaults } from './simsiam.ts';
import { spectral, spectralDefaults } from './spectral.ts';
import { supervised, supervisedDefaults } from './supervised.ts';
import { swav, swavDefaults } from './swav.ts';

type Options = Record<string, unknown>;

const METHODS: Record<
  MethodName,
  { create: (o: Options, deps: MethodDeps) => Method; defaults: (scale: EncoderScale) => MethodConfig }
> = {
  spectral: { create: spectral, defaults: spectralDefaults },
  simclr: { create: simclr, defaults: simclrDefaults },
  mocov2: { create: mocov2, defaults: mocov2Defaults },
  byol: { create: byol, defaults: byolDefaults },
  simsiam: { create: simsiam, defaults: simsiamDefaults },
  swav: { create: swav, defaults: swavDefaults },
  supervised: { create: supervised, defaults: supervisedDefaults },
};

/** Every method specl implements, spectral first. */
export const METHOD_NAMES: readonly MethodName[] = Object.keys(METHODS) as MethodName[];

function entry(name: unknown) {
  const m = typeof name === 'string' && Object.hasOwn(METHODS, name) ? METHODS[name as MethodName] : undefined;
  if (!m)
    throw new Error(`methods: unknown method ${JSON.stringify(name)}: expected one of ${METHOD_NAMES.join(', ')}`);
  return m;
}

/**
 * The method `config.name` with the options in `config` (missing ones take
 * their defaults for `deps.encoder`). Unknown names, unknown options and bad
 * values throw an Error naming the method, the option and what was expected.
 */
export function createMethod(config: MethodConfig, deps: MethodDeps): Method {
  return entry(config?.name).create(config, deps);
}

/**
 * The default batch size of method `name` for an encoder of `scale`: 256,
 * except spectral on the small ConvNet, 128 (measured in docs/results.md: under a time budget on
 * 2 cores, batch 128 gave spectral +0.5 to +0.9 points of linear probe on Fashion-MNIST and MoCo v2
 * nothing; the learning rate still follows the recipe's lr = baseLr·B/256).
 */
export function defaultBatchSize(name: MethodName, scale: EncoderScale): number {
  entry(name);
  return name === 'spectral' && isSmallScale(scale) ? 128 : 256;
}

/** The resolved default config of method `name` for an encoder of `scale` ('small': the ConvNet; 'large': ResNet-18). */
export function defaultConfig(name: MethodName, scale: EncoderScale): MethodConfig {
  const m = entry(name);
  isSmallScale(scale); // checks the value
  return m.defaults(scale);
}
