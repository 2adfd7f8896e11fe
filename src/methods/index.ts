/** Pretraining methods: spectral contrastive learning, its peers and the supervised baseline; losses and heads. */
export * from './barlow-twins.ts';
export * from './byol.ts';
export * from './dann.ts';
export * from './define.ts';
export * from './ema.ts';
export * from './heads.ts';
export * from './losses.ts';
export type * from './method.ts';
export * from './mocov2.ts';
export * from './queue.ts';
export * from './registry.ts';
export * from './simclr.ts';
export * from './simsiam.ts';
export * from './spectral.ts';
export * from './supervised.ts';
export * from './swav.ts';
export * from './vicreg.ts';
