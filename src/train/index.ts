/** Training loops, run folders and checkpoints. */
export * from './checkpoint.ts';
export * from './collapse.ts';
export * from './encoder-factory.ts';
export * from './evaluate-encoder.ts';
export * from './fit-classifier.ts';
export * from './load-run.ts';
export * from './pretrain.ts';
export * from './pretrain-config.ts';
export * from './run-folder.ts';
