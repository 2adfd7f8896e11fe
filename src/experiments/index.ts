/** Experiments over the lower layers: the runner of grids, the talk's experiments and the theory lab's theorem checks. */
export * from './aggregate.ts';
export * from './builtin.ts';
export * from './cell.ts';
export * from './grid.ts';
export * from './runner.ts';
export * from './stats.ts';
export * from './theory/connectivity.ts';
export * from './theory/learned.ts';
export * from './theory/optimum.ts';
export * from './theory/real.ts';
export * from './theory/separability.ts';
