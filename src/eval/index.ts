/**
 * Evaluation of frozen encoders: features, linear probes (L-BFGS or SGD),
 * weighted kNN and label-efficiency curves. Knows nothing about files or runs
 * and prints nothing.
 */
export * from './accuracy.ts';
export * from './features.ts';
export * from './knn.ts';
export * from './label-efficiency.ts';
export * from './lbfgs.ts';
export * from './linear-probe.ts';
export * from './logistic-regression.ts';
export * from './softmax-sgd.ts';
export * from './standardize.ts';
