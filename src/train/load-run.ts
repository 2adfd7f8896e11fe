/**
 * A finished (or stopped) run, read back: its config, its dataset and its
 * encoder — from `encoder.safetensors` when the run ended, else from its
 * latest checkpoint.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type LabeledDataset, type LoadProgress, loadDataset } from '../data/index.ts';
import { entriesUnder, type ImageEncoder, loadModule, type Module } from '../nn/index.ts';
import { flatten, getPath, OptionError } from '../options/index.ts';
import { isFloating, loadSafetensors, tidy } from '../tensor/index.ts';
import { latestCheckpoint } from './checkpoint.ts';
import { createEncoder } from './encoder-factory.ts';
import {
  type PretrainConfig,
  type PretrainSettings,
  pretrainSchema,
  resolvePretrainConfig,
  upgradeConfig,
} from './pretrain-config.ts';
import { RunFolder } from './run-folder.ts';
import { sourcesOf } from './settings-file.ts';

export interface LoadedRun {
  folder: RunFolder;
  config: PretrainConfig;
  /** Where the weights came from. */
  weights: string;
  encoder: ImageEncoder;
}

/**
 * The config.json of the run in `dir`, with fields added since it was written
 * filled in. One written by this specl (version 2) is checked against the
 * declarations, as its own settings (it resolves to itself), so that a damaged
 * file fails here, naming itself and the field, rather than later inside the
 * encoder or the trainer.
 */
export function loadRunConfig(dir: string, o: { complete?: boolean } = {}): PretrainConfig {
  const folder = new RunFolder(dir);
  const raw = folder.readConfig<unknown>();
  const config = upgradeConfig(raw);
  // Any config but an explicit version 1 (a damaged "version" key must not switch the check off).
  const version = (raw as { version?: unknown }).version;
  if (version !== 1) checkRunConfig(config, version, folder.configPath, o.complete === true);
  return config;
}

/**
 * What a run's config must state itself: a default would silently name other data (mnist) or build an
 * encoder other than the one whose weights the run saved.
 */
const RUN_IDENTITY = ['dataset', 'method.name', 'encoder.name', 'encoder.inChannels'];

/**
 * Throws an OptionError naming `path` where `config` does not resolve (see
 * {@link loadRunConfig}); with `complete`, also where a declared setting is
 * missing (resume reruns the run exactly: a default in place of a lost value
 * would be another run).
 */
function checkRunConfig(config: PretrainConfig, version: unknown, path: string, complete: boolean): void {
  const required = getPath(config, 'encoder.name') === 'convnet' ? [...RUN_IDENTITY, 'encoder.widths'] : RUN_IDENTITY;
  const missing = required.filter((k) => getPath(config, k) === undefined);
  if (missing.length > 0)
    throw new OptionError(
      `${path}: ${missing.join(', ')} missing: a run's config.json states its dataset, method and encoder`,
    );
  const { version: _, ...rest } = config;
  const settings = version === undefined ? rest : { ...rest, version };
  // The data facts the config was resolved with are in the config itself (and are checked there).
  const facts = { channels: config.encoder?.inChannels, mean: config.augment?.mean, std: config.augment?.std };
  try {
    resolvePretrainConfig(settings as PretrainSettings, facts, { sources: sourcesOf(settings, path) });
  } catch (e) {
    const m = e instanceof RangeError ? 'nested too deeply to be a run config' : (e as Error).message;
    throw new OptionError(m.startsWith(path) ? m : `${path}: ${m}`);
  }
  if (!complete) return;
  const lost = flatten(pretrainSchema(config.method.name))
    .map(([k]) => k)
    .filter((k) => getPath(config, k) === undefined);
  if (lost.length > 0)
    throw new OptionError(`${path}: ${lost.join(', ')} missing: a run's config.json holds every setting it ran with`);
}

/**
 * Throws, naming `path` (the file the weights came from), when a parameter or
 * buffer of `module` holds NaN or ±∞ — what a diverged run leaves: such an
 * encoder maps every image to NaN, so no evaluation of it means anything.
 * The message counts the bad values ("512 of 23,456 parameters are NaN") and
 * names the first tensors holding them.
 */
export function checkFiniteWeights(module: Module, path: string): void {
  const count = { params: 0, nan: 0, infinite: 0, buffers: 0, nanBuffers: 0, infiniteBuffers: 0 };
  const bad: string[] = [];
  tidy(() => {
    for (const [kind, entries] of [
      ['param', module.namedParameters()],
      ['buffer', module.namedBuffers()],
    ] as const) {
      for (const [name, t] of entries) {
        if (!isFloating(t.dtype)) continue;
        const nan = t.isnan().sum().item();
        const notFinite = t.isfinite().logicalNot().sum().item();
        if (kind === 'param') {
          count.params += t.numel;
          count.nan += nan;
          count.infinite += notFinite - nan;
        } else {
          count.buffers += t.numel;
          count.nanBuffers += nan;
          count.infiniteBuffers += notFinite - nan;
        }
        if (notFinite > 0) bad.push(name);
      }
    }
  });
  if (bad.length === 0) return;
  const n = (x: number) => x.toLocaleString('en-US');
  const parts: string[] = [];
  if (count.nan + count.infinite > 0) {
    const what = [count.nan > 0 ? `${n(count.nan)} NaN` : '', count.infinite > 0 ? `${n(count.infinite)} infinite` : '']
      .filter(Boolean)
      .join(' and ');
    parts.push(`${what} of ${n(count.params)} parameters`);
  }
  if (count.nanBuffers + count.infiniteBuffers > 0)
    parts.push(`${n(count.nanBuffers + count.infiniteBuffers)} NaN or infinite of ${n(count.buffers)} buffer values`);
  const where = bad.length > 3 ? `${bad.slice(0, 3).join(', ')} and ${bad.length - 3} more` : bad.join(', ');
  throw new Error(
    `${path}: the weights are not finite: ${parts.join('; ')} (in ${where}); such an encoder's features are NaN, ` +
      'so it cannot be evaluated — the run diverged: train it again (e.g. with a lower learning rate)',
  );
}

/**
 * `e` from loading weights into an encoder built from `configPath`: where the
 * weights do not fit (loadStateDict's shape or key mismatch), the message says
 * that the two files disagree, for either may be the damaged one.
 */
function misfit(e: unknown, configPath: string): unknown {
  if (!(e instanceof Error) || !e.message.includes('loadStateDict')) return e;
  const [head, ...rest] = e.message.split('\n');
  const first = `${(head ?? '').replace(/:$/, '')}: the weights do not fit the encoder described by ${configPath}:`;
  return new Error([first, ...rest].join('\n'), { cause: e });
}

/**
 * Reads the run in `dir` and rebuilds its trained encoder; weights that are
 * not finite are an error naming their file (checkFiniteWeights).
 */
export function loadRunEncoder(dir: string): LoadedRun {
  const folder = new RunFolder(dir);
  const config = loadRunConfig(dir);
  let encoder: ImageEncoder;
  try {
    encoder = createEncoder(config.encoder);
  } catch (e) {
    // A config that passes its checks can still describe an encoder too large to allocate.
    throw new Error(`${folder.configPath}: cannot build its encoder: ${(e as Error).message}`, { cause: e });
  }
  try {
    if (existsSync(folder.encoderPath)) {
      try {
        loadModule(folder.encoderPath, encoder, { strict: true });
      } catch (e) {
        throw misfit(e, folder.configPath);
      }
      checkFiniteWeights(encoder, folder.encoderPath);
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
        throw misfit(new Error(`${path}: ${(e as Error).message}`), folder.configPath);
      }
    });
    checkFiniteWeights(encoder, path);
    return { folder, config, weights: path, encoder };
  } catch (e) {
    encoder.dispose();
    throw e;
  }
}

/** The run's dataset, loaded by the name its config recorded (progress: see loadDataset). */
export function loadRunDataset(
  config: PretrainConfig,
  onProgress?: (p: LoadProgress) => void,
): Promise<LabeledDataset> {
  return loadDataset(config.dataset, { onProgress });
}
