/** The typed tensor API over libtorch. */
export * from './autograd.ts';
export * from './creation.ts';
export * from './dtype.ts';
export * from './functional.ts';
export * as linalg from './linalg.ts';
export * as nnf from './nnf.ts';
export { Generator, manualSeed, seedEverything } from './random.ts';
export * from './runtime.ts';
export * from './safetensors.ts';
export { keep, scopeDepth, tidy } from './scope.ts';
export * as sparse from './sparse.ts';
export { op, opSchema, opT, type Scalar, Tensor } from './tensor.ts';
