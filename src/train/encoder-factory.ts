/** Encoders by name, so a run's config can rebuild its backbone. */
import { ConvNet, type ImageEncoder, ResNet18 } from '../nn/index.ts';
import type { Generator } from '../tensor/index.ts';

export type EncoderName = 'convnet' | 'resnet18';
export const ENCODER_NAMES: readonly EncoderName[] = ['convnet', 'resnet18'];

export interface EncoderConfig {
  name: EncoderName;
  inChannels: number;
  /** Channels-last weights and inputs (faster on CPU: bench/train-step). */
  channelsLast: boolean;
  /** ConvNet stage widths (resolved configs always record them; absent: the ConvNet's default). */
  widths?: number[];
}

/** A fresh encoder for `config`, initialized from `generator` when given. */
export function createEncoder(config: EncoderConfig, generator?: Generator): ImageEncoder {
  const o = { inChannels: config.inChannels, generator };
  let e: ImageEncoder;
  if (config.name === 'convnet') e = new ConvNet({ ...o, widths: config.widths });
  else if (config.name === 'resnet18') e = new ResNet18(o);
  else throw new Error(`encoder: unknown name '${config.name}': expected one of ${ENCODER_NAMES.join(', ')}`);
  return config.channelsLast ? e.channelsLast() : e;
}
