/**
 * specl: spectral contrastive learning and its theory on libtorch.
 * Layers are exported as namespaces (`tensor`, `nn`, `optim`, `data`, `augment`, `methods`,
 * `train`, `evaluate`, `theory`, `experiments`, `options`);
 * the Tensor API is also exported at the top level for convenience.
 */
export * as augment from './augment/index.ts';
export * as data from './data/index.ts';
export * as evaluate from './eval/index.ts';
export * as experiments from './experiments/index.ts';
export * as methods from './methods/index.ts';
export * as nn from './nn/index.ts';
export * as optim from './optim/index.ts';
export * as options from './options/index.ts';
export * as tensor from './tensor/index.ts';
export * from './tensor/index.ts';
export * as theory from './theory/index.ts';
export * as train from './train/index.ts';
