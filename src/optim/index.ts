/** Optimizers (SGD, LARS, Adam, AdamW), parameter groups and learning-rate schedules. */
export * from './adam.ts';
export * from './lars.ts';
export * from './optimizer.ts';
export * from './param-groups.ts';
export * from './schedule.ts';
export * from './sgd.ts';
export * from './state-file.ts';
