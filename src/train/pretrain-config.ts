/**
 * The configuration of a pretraining run: everything needed to rerun it,
 * written to the run's config.json. `resolvePretrainConfig` fills in the
 * defaults (the method's published recipe scaled to the batch size) and
 * checks every field, naming it in the error.
 */
import type { MethodConfig, MethodName } from '../methods/method.ts';
import { CONVNET_WIDTHS, checkConvNetWidths } from '../nn/index.ts';
import { ENCODER_NAMES, type EncoderConfig, type EncoderName } from './encoder-factory.ts';

export interface MonitorConfig {
  /** Training images in the kNN bank (a fixed seeded subset). */
  bankSize: number;
  /** Test images classified by the monitor. */
  querySize: number;
  k: number;
  temperature: number;
}

export interface PretrainConfig {
  version: 1;
  method: MethodConfig;
  /** `loadDataset` name (`mnist`, `fashion-mnist`, `cifar10:DIR`, `folder:DIR`…). */
  dataset: string;
  /** Pretrain on a seeded random subset of this many training images (null: all). */
  trainSize: number | null;
  encoder: EncoderConfig;
  augment: { preset: string; sigma?: number; mean: number[]; std: number[] };
  batchSize: number;
  /** Exactly one of epochs and minutes. */
  epochs: number | null;
  minutes: number | null;
  optimizer: { name: 'sgd' | 'lars'; lr: number; weightDecay: number; momentum: number; warmupFraction: number };
  seed: number;
  monitor: MonitorConfig | null;
  /** Seconds between checkpoints (also written at every epoch end). */
  checkpointSeconds: number;
  /** Steps between metrics lines. */
  logEvery: number;
  /** Prepare views on a worker thread. */
  worker: boolean;
}

/** What a user gives; everything but method and dataset has a default. */
export interface PretrainSettings {
  method: MethodName | MethodConfig;
  dataset: string;
  trainSize?: number;
  encoder?: EncoderName;
  /** ConvNet stage widths (default `CONVNET_WIDTHS`, [32, 64, 512]); the last is the feature width. */
  widths?: number[];
  preset?: string;
  sigma?: number;
  batchSize?: number;
  epochs?: number;
  minutes?: number;
  lr?: number;
  weightDecay?: number;
  optimizer?: 'sgd' | 'lars';
  warmupFraction?: number;
  seed?: number;
  monitor?: Partial<MonitorConfig> | false;
  checkpointSeconds?: number;
  logEvery?: number;
  worker?: boolean;
  channelsLast?: boolean;
}

export const DEFAULT_MONITOR: MonitorConfig = { bankSize: 10000, querySize: 2000, k: 200, temperature: 0.1 };

function check(ok: boolean, field: string, expected: string, got: unknown): void {
  if (!ok) throw new Error(`pretrain: ${field} must be ${expected}, got ${JSON.stringify(got)}`);
}
const isPosInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
const isPos = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;

/** Checks the settings that do not depend on the data (the rest is resolved by the trainer). */
export function checkSettings(s: PretrainSettings): void {
  check(s.epochs === undefined || s.minutes === undefined, 'epochs/minutes', 'given one at a time', {
    epochs: s.epochs,
    minutes: s.minutes,
  });
  if (s.epochs !== undefined) check(isPosInt(s.epochs), 'epochs', 'a positive integer', s.epochs);
  if (s.minutes !== undefined) check(isPos(s.minutes), 'minutes', 'a positive number', s.minutes);
  if (s.batchSize !== undefined)
    check(isPosInt(s.batchSize) && s.batchSize >= 2, 'batchSize', 'an integer ≥ 2', s.batchSize);
  if (s.lr !== undefined) check(isPos(s.lr), 'lr', 'a positive number', s.lr);
  if (s.weightDecay !== undefined)
    check(typeof s.weightDecay === 'number' && s.weightDecay >= 0, 'weightDecay', 'a number ≥ 0', s.weightDecay);
  if (s.warmupFraction !== undefined)
    check(
      typeof s.warmupFraction === 'number' && s.warmupFraction >= 0 && s.warmupFraction < 1,
      'warmupFraction',
      'in [0, 1)',
      s.warmupFraction,
    );
  if (s.optimizer !== undefined)
    check(s.optimizer === 'sgd' || s.optimizer === 'lars', 'optimizer', "'sgd' or 'lars'", s.optimizer);
  if (s.encoder !== undefined)
    check(ENCODER_NAMES.includes(s.encoder), 'encoder', ENCODER_NAMES.join(' or '), s.encoder);
  if (s.widths !== undefined) {
    checkConvNetWidths(s.widths, 'pretrain: widths');
    check((s.encoder ?? 'convnet') === 'convnet', 'widths', "given only with encoder 'convnet'", s.encoder);
  }
  if (s.seed !== undefined)
    check(Number.isSafeInteger(s.seed) && s.seed >= 0, 'seed', 'a non-negative integer', s.seed);
  if (s.checkpointSeconds !== undefined)
    check(isPos(s.checkpointSeconds), 'checkpointSeconds', 'a positive number', s.checkpointSeconds);
  if (s.logEvery !== undefined) check(isPosInt(s.logEvery), 'logEvery', 'a positive integer', s.logEvery);
  if (s.trainSize !== undefined) check(isPosInt(s.trainSize), 'trainSize', 'a positive integer', s.trainSize);
  if (s.sigma !== undefined) check(typeof s.sigma === 'number' && s.sigma >= 0, 'sigma', 'a number ≥ 0', s.sigma);
}

/**
 * The ConvNet widths of run folders written before config.json recorded them
 * (the ConvNet was [32, 64, 128] then), so those runs still load and resume.
 */
const UNRECORDED_CONVNET_WIDTHS = [32, 64, 128];

/** A config read from a run folder, with fields added since it was written filled in. */
export function upgradeConfig(config: PretrainConfig): PretrainConfig {
  if (config.encoder?.name !== 'convnet' || config.encoder.widths !== undefined) return config;
  return { ...config, encoder: { ...config.encoder, widths: [...UNRECORDED_CONVNET_WIDTHS] } };
}

/** The resolved encoder config: ConvNet widths always recorded. */
export function resolveEncoder(s: PretrainSettings, inChannels: number): EncoderConfig {
  const name = s.encoder ?? 'convnet';
  const base = { name, inChannels, channelsLast: s.channelsLast ?? true };
  return name === 'convnet' ? { ...base, widths: [...(s.widths ?? CONVNET_WIDTHS)] } : base;
}
