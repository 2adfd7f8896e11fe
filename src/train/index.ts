/** Training loops, run folders (and the evaluation written into them) and checkpoints. */
export * from './checkpoint.ts';
export * from './collapse.ts';
export * from './encoder-factory.ts';
export * from './load-run.ts';
export * from './pretrain.ts';
export * from './pretrain-config.ts';
export * from './run-evaluation.ts';
export * from './run-folder.ts';
export * from './run-status.ts';
export * from './settings-file.ts';
