/** The small convolutional encoder for 28×28 images (MNIST, Fashion-MNIST). */
import { type Tensor, tidy } from '../tensor/index.ts';
import { ReLU } from './activation.ts';
import { BatchNorm2d } from './batchnorm.ts';
import { Conv2d } from './conv2d.ts';
import { ImageEncoder, type ImageEncoderOptions } from './image-encoder.ts';
import { MaxPool2d } from './pooling.ts';
import { Sequential } from './sequential.ts';

export interface ConvNetOptions extends ImageEncoderOptions {
  /** Output channels of the conv stages (default [32, 64, 128]). Image channels default to 1. */
  widths?: readonly number[];
}

/**
 * For each width w: conv3×3(→w, pad 1, no bias) + BatchNorm2d + ReLU, with a
 * 2×2 max-pool after every stage but the last; then a global average pool to
 * `featureDim` = last width. With the defaults on 28×28 inputs:
 * 28 → 14 → 7 spatially, 128 features. Children are one nn.Sequential named
 * `features` (features.0 conv, features.1 bn, features.2 relu, features.3
 * pool, features.4 conv, …), the layout a PyTorch mirror must use. No
 * classifier: heads are separate modules.
 */
export class ConvNet extends ImageEncoder {
  readonly featureDim: number;
  readonly features: Sequential;

  constructor(o: ConvNetOptions = {}) {
    const inChannels = o.inChannels ?? 1;
    super('ConvNet', inChannels);
    const widths = o.widths ?? [32, 64, 128];
    if (widths.length === 0 || !widths.every((w) => Number.isInteger(w) && w > 0)) {
      throw new Error(`ConvNet: widths must be a non-empty list of positive integers, got [${widths}]`);
    }
    this.featureDim = widths[widths.length - 1] as number;
    const f = new Sequential();
    let c = inChannels;
    widths.forEach((w, i) => {
      f.append(new Conv2d(c, w, 3, { padding: 1, bias: false, generator: o.generator }));
      f.append(new BatchNorm2d(w));
      f.append(new ReLU({ inplace: true })); // after BN, as torchvision does
      if (i + 1 < widths.length) f.append(new MaxPool2d(2));
      c = w;
    });
    this.features = this.registerModule('features', f);
    if (o.channelsLast) this.channelsLast();
  }

  /** N×C×H×W images → N×featureDim pooled features. */
  forward(x: Tensor): Tensor {
    return tidy(() => {
      return this.features.forward(this.imageInput(x)).mean([2, 3]);
    });
  }
}
