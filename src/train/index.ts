/** Training loops. */
export * from './fit-classifier.ts';
