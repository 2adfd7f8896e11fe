/** Modules: layers, containers and the encoders (ConvNet, ResNet-18) with PyTorch-compatible names. */
export * from './activation.ts';
export { BatchNorm1d, BatchNorm2d, type BatchNormOptions } from './batchnorm.ts';
export * from './conv2d.ts';
export * from './convnet.ts';
export * from './flatten.ts';
export * from './gradient-reversal.ts';
export * from './image-encoder.ts';
export * as init from './init.ts';
export * from './linear.ts';
export * from './mlp.ts';
export * from './module.ts';
export * from './pooling.ts';
export * from './resnet18.ts';
export * from './sequential.ts';
export * from './state-dict.ts';
export * from './state-file.ts';
