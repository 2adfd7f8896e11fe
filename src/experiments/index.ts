/** Experiments over the lower layers: the theory lab's theorem checks (more experiments follow). */
export * from './theory/connectivity.ts';
export * from './theory/learned.ts';
export * from './theory/optimum.ts';
export * from './theory/real.ts';
export * from './theory/separability.ts';
