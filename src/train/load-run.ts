/**
 * A finished (or stopped) run, read back: its config, its dataset and its
 * encoder — from `encoder.safetensors` when the run ended, else from its
 * latest checkpoint.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type LabeledDataset, loadDataset } from '../data/index.ts';
import { entriesUnder, type ImageEncoder, loadModule } from '../nn/index.ts';
import { loadSafetensors, tidy } from '../tensor/index.ts';
import { latestCheckpoint } from './checkpoint.ts';
import { createEncoder } from './encoder-factory.ts';
import { type PretrainConfig, upgradeConfig } from './pretrain-config.ts';
import { RunFolder } from './run-folder.ts';

export interface LoadedRun {
  folder: RunFolder;
  config: PretrainConfig;
  /** Where the weights came from. */
  weights: string;
  encoder: ImageEncoder;
}

/** The config.json of the run in `dir`, with fields added since it was written filled in. */
export function loadRunConfig(dir: string): PretrainConfig {
  return upgradeConfig(new RunFolder(dir).readConfig<PretrainConfig>());
}

/** Reads the run in `dir` and rebuilds its trained encoder. */
export function loadRunEncoder(dir: string): LoadedRun {
  const folder = new RunFolder(dir);
  const config = loadRunConfig(dir);
  const encoder = createEncoder(config.encoder);
  try {
    if (existsSync(folder.encoderPath)) {
      loadModule(folder.encoderPath, encoder, { strict: true });
      return { folder, config, weights: folder.encoderPath, encoder };
    }
    const sub = latestCheckpoint(folder.checkpointsDir);
    if (!sub) throw new Error(`${dir}: the run has no encoder.safetensors and no checkpoint yet`);
    const path = join(sub, 'model.safetensors');
    tidy(() => {
      const { tensors } = loadSafetensors(path);
      const sd = entriesUnder(tensors, 'encoder.');
      try {
        encoder.loadStateDict(sd, { strict: true });
      } catch (e) {
        throw new Error(`${path}: ${(e as Error).message}`);
      }
    });
    return { folder, config, weights: path, encoder };
  } catch (e) {
    encoder.dispose();
    throw e;
  }
}

/** The run's dataset, loaded by the name its config recorded. */
export function loadRunDataset(config: PretrainConfig): Promise<LabeledDataset> {
  return loadDataset(config.dataset);
}
