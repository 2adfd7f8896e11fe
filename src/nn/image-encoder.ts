/**
 * What every image backbone shares: N×C×H×W images in, N×featureDim pooled
 * features out, the input check, and the channels-last switch (conv weights
 * and inputs in NHWC, so libtorch runs its NHWC kernels end to end).
 */
import type { Tensor } from '../tensor/index.ts';
import { Module, type ModuleOptions } from './module.ts';

export interface ImageEncoderOptions extends ModuleOptions {
  /** Image channels. */
  inChannels?: number;
  /** Store conv weights channels-last and convert inputs to it. */
  channelsLast?: boolean;
}

/**
 * How big a backbone is, for the methods' default heads: 'small' is a
 * CPU-sized backbone (the ConvNet, at any width), whose heads default to
 * narrow layers sized for short runs; 'large' is a papers' backbone
 * (ResNet-18), whose heads default to the papers' sizes.
 */
export type EncoderScale = 'small' | 'large';

export abstract class ImageEncoder extends Module {
  /** Size of the pooled feature vector. */
  abstract readonly featureDim: number;
  /** Sizes the methods' default heads (see `EncoderScale`). */
  abstract readonly scale: EncoderScale;
  readonly inChannels: number;
  #channelsLastInput = false;

  protected constructor(name: string, inChannels: number) {
    super();
    if (!Number.isInteger(inChannels) || inChannels < 1) {
      throw new Error(`${name}: inChannels must be a positive integer, got ${inChannels}`);
    }
    this.inChannels = inChannels;
  }

  override channelsLast(): this {
    this.#channelsLastInput = true;
    return super.channelsLast();
  }

  /** Checks N×inChannels×H×W and returns the input in the encoder's memory format. */
  protected imageInput(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== this.inChannels) {
      throw new Error(`${this.constructor.name}: expected input N×${this.inChannels}×H×W, got shape [${x.shape}]`);
    }
    return this.#channelsLastInput ? x.channelsLast() : x;
  }
}
