/**
 * Evaluation of frozen encoders: features, linear probes (L-BFGS or SGD),
 * weighted kNN, label-efficiency curves, the comparison with raw pixels and a
 * random encoder, and the per-epoch kNN monitor. Knows nothing about files or
 * runs and prints nothing: progress goes to `onProgress` callbacks.
 */
export * from './accuracy.ts';
export * from './evaluate-encoder.ts';
export * from './features.ts';
export * from './finite.ts';
export * from './knn.ts';
export * from './knn-monitor.ts';
export * from './label-efficiency.ts';
export * from './lbfgs.ts';
export * from './linear-probe.ts';
export * from './logistic-regression.ts';
export * from './progress.ts';
export * from './softmax-sgd.ts';
export * from './standardize.ts';
