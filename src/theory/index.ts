/**
 * The theory lab's primitives (HaoChen, Wei, Gaidon, Ma 2021): mixtures of
 * manifolds, augmentation and proximity graphs, their top eigenpairs, the
 * spectral embedding, conductance, the positive-pair graph of real data, and
 * the tools that compare a learned representation with the spectral one
 * (Nyström kernel, principal angles, orthogonal Procrustes).
 */
export * from './augmentation-graph.ts';
export * from './block-graph.ts';
export * from './conductance.ts';
export * from './eigs.ts';
export * from './graph.ts';
export * from './group-masses.ts';
export * from './knn.ts';
export * from './knn-graph.ts';
export * from './manifolds.ts';
export * from './nystrom.ts';
export * from './positive-pair-graph.ts';
export * from './principal-angles.ts';
export * from './procrustes.ts';
export * from './spectral-embedding.ts';
