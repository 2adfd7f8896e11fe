/** Encoders by name, so a run's config can rebuild its backbone. */
import { ConvNet, type EncoderScale, type ImageEncoder, ResNet18 } from '../nn/index.ts';
import type { Generator } from '../tensor/index.ts';

/** The backbones by config name; each class knows its scale statically. */
const ENCODERS = { convnet: ConvNet, resnet18: ResNet18 } as const;

export type EncoderName = keyof typeof ENCODERS;
export const ENCODER_NAMES = Object.keys(ENCODERS) as EncoderName[];

export interface EncoderConfig {
  name: EncoderName;
  inChannels: number;
  /** Channels-last weights and inputs (faster on CPU: bench/train-step). */
  channelsLast: boolean;
  /** ConvNet stage widths (null for ResNet-18). */
  widths: number[] | null;
}

/** The scale of encoder `name` (what the methods' default heads depend on), without building one. */
export function encoderScale(name: EncoderName): EncoderScale {
  const e = ENCODERS[name];
  if (!e) throw new Error(`encoder: unknown name '${name}': expected one of ${ENCODER_NAMES.join(', ')}`);
  return e.scale;
}

/** A fresh encoder for `config`, initialized from `generator` when given. */
export function createEncoder(config: EncoderConfig, generator?: Generator): ImageEncoder {
  const o = { inChannels: config.inChannels, generator };
  let e: ImageEncoder;
  if (config.name === 'convnet') e = new ConvNet({ ...o, widths: config.widths ?? undefined });
  else if (config.name === 'resnet18') e = new ResNet18(o);
  else throw new Error(`encoder: unknown name '${config.name}': expected one of ${ENCODER_NAMES.join(', ')}`);
  return config.channelsLast ? e.channelsLast() : e;
}
