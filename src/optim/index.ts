/** Optimizers (SGD, LARS, Adam, AdamW), parameter groups, learning-rate schedules and SAM's weight perturbation. */
export * from './adam.ts';
export * from './lars.ts';
export * from './optimizer.ts';
export * from './param-groups.ts';
export * from './sam.ts';
export * from './schedule.ts';
export * from './sgd.ts';
export * from './state-file.ts';
