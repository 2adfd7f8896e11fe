/**
 * What the fuzz suite mutates: a valid file of every format specl reads, written by the
 * project's own writers (IDX, CIFAR, PNG/JPEG through sharp, a real tiny run folder from
 * `pretrain`, settings files), and for each format the loader a user reaches it through
 * — in process (the library call) and on the command line (`bin/specl.js`).
 *
 * Experiment files (src/experiments, once they have a file format): add a `Target` to
 * `TARGETS` with a fixture in `buildFixtures`, its mutation and its loader; nothing else
 * changes.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { runPretrainCli } from '../../src/cli/pretrain.ts';
import { describeSplit, type LabeledDataset, loadDataset } from '../../src/data/index.ts';
import { loadRunEncoder, pretrain, resume } from '../../src/train/index.ts';
import { writeCifar10, writeCifar100 } from '../data/cifar-writer.ts';
import { idx } from '../data/idx-writer.ts';
import { Rng } from '../helpers/prng.ts';
import {
  anyBytes,
  chance,
  idxHeader,
  insideGzip,
  jpegSegment,
  jsonFile,
  type Mutated,
  type Mutation,
  pick,
  pngChunk,
  safetensorsFile,
  textEdit,
  yamlFile,
} from './mutate.ts';

/** The valid files every case starts from (paths of folders and files under the fixtures root). */
export interface Fixtures {
  root: string;
  idxRaw: string;
  idxGz: string;
  cifar10: string;
  cifar100: string;
  images: string;
  /** A finished run: config.json, encoder.safetensors, summary.json, checkpoints/. */
  runDone: string;
  /** The same run as if killed after its last checkpoint (no encoder.safetensors, no summary.json). */
  runStopped: string;
  /** The checkpoint folder's name inside checkpoints/. */
  step: string;
  settings: string;
}

const IDX_FILES = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
];

/** Writes the fixtures under `root` (deterministic: fixed seeds) and returns their paths. */
export async function buildFixtures(root: string): Promise<Fixtures> {
  const rng = new Rng(1);
  const fx: Fixtures = {
    root,
    idxRaw: join(root, 'idx-raw'),
    idxGz: join(root, 'idx-gz'),
    cifar10: join(root, 'cifar10'),
    cifar100: join(root, 'cifar100'),
    images: join(root, 'images'),
    runDone: join(root, 'run-done'),
    runStopped: join(root, 'run-stopped'),
    step: '',
    settings: join(root, 'settings'),
  };
  // Fashion-MNIST layout: 16 train and 8 test images of 28×28 (the size the mnist augmentation expects).
  for (const d of [fx.idxRaw, fx.idxGz]) mkdirSync(d, { recursive: true });
  const split = (n: number) => ({
    images: idx(
      [n, 28, 28],
      Uint8Array.from({ length: n * 784 }, () => rng.int(0, 256)),
    ),
    labels: idx(
      [n],
      Uint8Array.from({ length: n }, (_, i) => i % 10),
    ),
  });
  const train = split(16);
  const test = split(8);
  [train.images, train.labels, test.images, test.labels].forEach((bytes, i) => {
    writeFileSync(join(fx.idxRaw, IDX_FILES[i] as string), bytes);
    writeFileSync(join(fx.idxGz, `${IDX_FILES[i]}.gz`), gzipSync(bytes));
  });
  writeCifar10(fx.cifar10, rng, { train: [2, 1, 1, 1, 1], test: 2 });
  writeCifar100(fx.cifar100, rng, { train: 3, test: 2 });
  // An image folder: two classes of 6×5 images, PNG and JPEG.
  for (const c of ['cat', 'dog']) {
    mkdirSync(join(fx.images, c), { recursive: true });
    for (let k = 0; k < 3; k++) {
      const raw = Buffer.from(Array.from({ length: 5 * 6 * 3 }, () => rng.int(0, 256)));
      const img = sharp(raw, { raw: { width: 6, height: 5, channels: 3 } });
      const ext = k === 1 ? 'jpg' : 'png';
      await (ext === 'jpg' ? img.jpeg({ quality: 90 }) : img.png()).toFile(join(fx.images, c, `${k}.${ext}`));
    }
  }
  // A real run on the IDX fixture: 2 steps, a checkpoint at the end.
  const r = await pretrain({
    settings: {
      method: 'spectral',
      dataset: `fashion-mnist:${fx.idxRaw}`,
      batchSize: 8,
      epochs: 1,
      seed: 0,
      encoder: { widths: [4, 8] },
      monitor: { enabled: false },
      evaluate: false,
      worker: false,
      logEvery: 1,
    },
    out: fx.runDone,
  });
  r.encoder.dispose();
  r.method.dispose();
  fx.step = readdirSync(join(fx.runDone, 'checkpoints')).find((n) => n.startsWith('step-')) as string;
  cpSync(fx.runDone, fx.runStopped, { recursive: true });
  rmSync(join(fx.runStopped, 'encoder.safetensors'));
  rmSync(join(fx.runStopped, 'summary.json'));
  mkdirSync(fx.settings, { recursive: true });
  const settings = {
    method: { name: 'spectral', mu: 1 },
    dataset: `fashion-mnist:${fx.idxRaw}`,
    batchSize: 8,
    epochs: 1,
    seed: 3,
    encoder: { widths: [4, 8], channelsLast: true },
    augment: { preset: 'mnist' },
    optimizer: { lr: 0.01, momentum: 0.9 },
    monitor: { enabled: false, bankSize: 64, k: 5 },
    worker: false,
  };
  writeFileSync(join(fx.settings, 'run.json'), `${JSON.stringify(settings, null, 2)}\n`);
  writeFileSync(
    join(fx.settings, 'run.yaml'),
    [
      '# spectral pretraining on the tiny IDX fixture',
      'method:',
      '  name: spectral',
      '  mu: 1',
      `dataset: "fashion-mnist:${fx.idxRaw}"`,
      'batchSize: 8',
      'epochs: 1',
      'seed: 3',
      'encoder:',
      '  widths: [4, 8]',
      '  channelsLast: true',
      'augment:',
      '  preset: mnist',
      'optimizer:',
      '  lr: 0.01',
      '  momentum: 0.9',
      'monitor:',
      '  enabled: false',
      '  bankSize: 64',
      '  k: 5',
      'worker: false',
      '',
    ].join('\n'),
  );
  writeFileSync(join(root, 'fixtures.json'), JSON.stringify(fx));
  return fx;
}

/** What a case's loader gets. */
export interface CaseContext {
  /** The case's own copy of the target's base folder. */
  dir: string;
  fx: Fixtures;
  /** The IDX fixture loaded once (resume in process trains on given data, as the tests do). */
  data: LabeledDataset;
  rng: Rng;
}

/** One format: its base folder, the files in it that get mutated, how, and how it is loaded. */
export interface Target {
  name: string;
  /** Relative share of the cases. */
  weight: number;
  base: (fx: Fixtures) => string;
  files: (fx: Fixtures) => string[];
  mutation: (file: string) => Mutation;
  /** Loads the case's folder in process, as the library's users do, and frees what it loaded. */
  api: (c: CaseContext) => Promise<void>;
  /** `specl` arguments reaching the same file. */
  cli?: (dir: string, fx: Fixtures) => string[];
}

const either =
  (p: number, a: Mutation, b: Mutation): Mutation =>
  (buf, rng) =>
    chance(rng, p) ? a(buf, rng) : b(buf, rng);

function disposeDataset(d: LabeledDataset): void {
  for (const s of [d.train, d.test]) for (const t of [s.images, s.labels]) t.dispose();
}

/** Loads a dataset spec and computes what `specl data info` prints. */
async function loadAndDescribe(spec: string): Promise<void> {
  const d = await loadDataset(spec);
  try {
    describeSplit(d.train, d.classes);
    describeSplit(d.test, d.classes);
  } finally {
    disposeDataset(d);
  }
}

/** A CIFAR batch: a label byte out of range, the length off by a byte or a record, or generic bytes. */
function cifarBatch(labelBytes: number): Mutation {
  const record = labelBytes + 3072;
  return (buf, rng) => {
    const r = rng.uniform();
    const n = buf.length / record;
    if (r < 0.35) {
      const out = Buffer.from(buf);
      const i = rng.int(0, n);
      const b = rng.int(0, labelBytes);
      const v = pick(rng, [9, 10, 19, 20, 99, 100, 255]);
      out[i * record + b] = v;
      return { bytes: out, desc: `record ${i} label byte ${b} := ${v}` };
    }
    if (r < 0.55) {
      const d = pick(rng, [-record, -1, 1, record, -labelBytes]);
      const len = Math.max(0, buf.length + d);
      const bytes = d < 0 ? buf.subarray(0, len) : Buffer.concat([buf, Buffer.alloc(d, 7)]);
      return { bytes, desc: `length ${buf.length} := ${len}` };
    }
    return anyBytes(buf, rng);
  };
}

/** A class-names file: lines added, removed, emptied, or text edits. */
const namesFile: Mutation = (buf, rng) => {
  const lines = buf.toString('utf8').split('\n');
  const r = rng.uniform();
  if (r < 0.3) {
    const i = rng.int(0, lines.length);
    return { bytes: Buffer.from(lines.filter((_, j) => j !== i).join('\n')), desc: `line ${i + 1} removed` };
  }
  if (r < 0.5) return { bytes: Buffer.from(`${lines.join('\n')}extra\n`), desc: 'a line added' };
  return either(0.5, textEdit, anyBytes)(buf, rng);
};

const safetensors = either(0.75, safetensorsFile, anyBytes);
const json = either(0.85, jsonFile(), anyBytes);

const resumeIn = async (c: CaseContext, dir: string): Promise<void> => {
  const r = await resume(dir, { data: c.data });
  r.encoder.dispose();
  r.method.dispose();
};
const encoderOf = (dir: string): void => loadRunEncoder(dir).encoder.dispose();

/** What runs when a run folder's file was mutated: the encoder read back (probe, knn) or the run resumed. */
async function runFolderApi(c: CaseContext): Promise<void> {
  if (chance(c.rng, 0.5)) encoderOf(c.dir);
  else await resumeIn(c, c.dir);
}

/** The command line of a run-folder case: probe a finished run, resume a stopped one. */
const runFolderCli = (dir: string): string[] =>
  existsSync(join(dir, 'encoder.safetensors')) ? ['probe', dir] : ['pretrain', '--resume', dir];

/** Runs `specl pretrain --config F --print-config` in process, its output swallowed. */
async function printConfig(file: string): Promise<void> {
  const write = process.stdout.write;
  const log = console.log;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  console.log = () => {};
  try {
    await runPretrainCli(['--config', file, '--print-config']);
  } finally {
    process.stdout.write = write;
    console.log = log;
  }
}

const checkpoint = (fx: Fixtures, f: string) => join('checkpoints', fx.step, f);

/** Every format specl reads, with the share of cases it gets. */
export const TARGETS: readonly Target[] = [
  {
    name: 'idx',
    weight: 10,
    base: (fx) => fx.idxRaw,
    files: () => IDX_FILES,
    mutation: () => either(0.6, idxHeader, anyBytes),
    api: (c) => loadAndDescribe(`fashion-mnist:${c.dir}`),
    cli: (dir) => ['data', 'info', '--dataset', `fashion-mnist:${dir}`],
  },
  {
    name: 'idx-gz',
    weight: 8,
    base: (fx) => fx.idxGz,
    files: () => IDX_FILES.map((f) => `${f}.gz`),
    mutation: () => either(0.6, either(0.7, insideGzip(idxHeader), insideGzip(anyBytes)), anyBytes),
    api: (c) => loadAndDescribe(`fashion-mnist:${c.dir}`),
    cli: (dir) => ['data', 'info', '--dataset', `fashion-mnist:${dir}`],
  },
  {
    name: 'cifar10',
    weight: 8,
    base: (fx) => fx.cifar10,
    files: () => [
      ...[1, 2, 3, 4, 5].map((i) => `cifar-10-batches-bin/data_batch_${i}.bin`),
      'cifar-10-batches-bin/test_batch.bin',
      'cifar-10-batches-bin/batches.meta.txt',
    ],
    mutation: (f) => (f.endsWith('.txt') ? namesFile : cifarBatch(1)),
    api: (c) => loadAndDescribe(`cifar10:${c.dir}`),
    cli: (dir) => ['data', 'info', '--dataset', `cifar10:${dir}`],
  },
  {
    name: 'cifar100',
    weight: 6,
    base: (fx) => fx.cifar100,
    files: () =>
      ['train.bin', 'test.bin', 'fine_label_names.txt', 'coarse_label_names.txt'].map((f) => `cifar-100-binary/${f}`),
    mutation: (f) => (f.endsWith('.txt') ? namesFile : cifarBatch(2)),
    api: (c) => loadAndDescribe(`${chance(c.rng, 0.5) ? 'cifar100' : 'cifar100-coarse'}:${c.dir}`),
    cli: (dir) => ['data', 'info', '--dataset', `cifar100:${dir}`],
  },
  {
    name: 'image-folder',
    weight: 12,
    base: (fx) => fx.images,
    files: () => ['cat/0.png', 'cat/1.jpg', 'cat/2.png', 'dog/0.png', 'dog/1.jpg', 'dog/2.png'],
    mutation: (f) => either(0.65, f.endsWith('.png') ? pngChunk : jpegSegment, anyBytes),
    api: (c) => loadAndDescribe(`folder:${c.dir}`),
    cli: (dir) => ['data', 'info', '--dataset', `folder:${dir}`],
  },
  {
    name: 'encoder-safetensors',
    weight: 10,
    base: (fx) => fx.runDone,
    files: () => ['encoder.safetensors'],
    mutation: () => safetensors,
    api: async (c) => encoderOf(c.dir),
    cli: (dir) => ['probe', dir],
  },
  {
    name: 'checkpoint-model',
    weight: 10,
    base: (fx) => fx.runStopped,
    files: (fx) => [checkpoint(fx, 'model.safetensors')],
    mutation: () => safetensors,
    api: runFolderApi,
    cli: runFolderCli,
  },
  {
    name: 'checkpoint-optimizer',
    weight: 8,
    base: (fx) => fx.runStopped,
    files: (fx) => [checkpoint(fx, 'optimizer.safetensors')],
    mutation: () => safetensors,
    api: (c) => resumeIn(c, c.dir),
    cli: runFolderCli,
  },
  {
    name: 'trainer-json',
    weight: 6,
    base: (fx) => fx.runStopped,
    files: (fx) => [checkpoint(fx, 'trainer.json')],
    mutation: () => json,
    api: (c) => resumeIn(c, c.dir),
    cli: runFolderCli,
  },
  {
    name: 'latest-json',
    weight: 5,
    base: (fx) => fx.runStopped,
    files: () => ['checkpoints/latest.json'],
    mutation: () => json,
    api: runFolderApi,
    cli: runFolderCli,
  },
  {
    name: 'config-json',
    weight: 8,
    base: (fx) => fx.runDone,
    files: () => ['config.json'],
    mutation: () => json,
    api: async (c) => {
      if (chance(c.rng, 0.5)) return encoderOf(c.dir);
      // Resume reads config.json too: do it on a stopped copy of the same run.
      rmSync(join(c.dir, 'encoder.safetensors'));
      rmSync(join(c.dir, 'summary.json'));
      await resumeIn(c, c.dir);
    },
    cli: (dir) => ['probe', dir],
  },
  {
    name: 'settings-yaml',
    weight: 8,
    base: (fx) => fx.settings,
    files: () => ['run.yaml'],
    mutation: () => either(0.85, yamlFile, anyBytes),
    api: (c) => printConfig(join(c.dir, 'run.yaml')),
    cli: (dir) => ['pretrain', '--config', join(dir, 'run.yaml'), '--print-config'],
  },
  {
    name: 'settings-json',
    weight: 5,
    base: (fx) => fx.settings,
    files: () => ['run.json'],
    mutation: () => json,
    api: (c) => printConfig(join(c.dir, 'run.json')),
    cli: (dir) => ['pretrain', '--config', join(dir, 'run.json'), '--print-config'],
  },
  // Experiment files go here (see the module comment).
];

/** A case: which target and file, how it was mutated, and whether it runs in process or on the command line. */
export interface FuzzCase {
  index: number;
  target: Target;
  file: string;
  via: 'api' | 'cli';
  rng: Rng;
}

/** The seed of case `index` of a run seeded `seed` (every case stands alone: any one reruns by itself). */
export function caseSeed(seed: number, index: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  return (h ^ (h >>> 15)) >>> 0;
}

/** Chooses the target, file and channel of case `index`. */
export function planCase(seed: number, index: number, fx: Fixtures, cliShare: number): FuzzCase {
  const rng = new Rng(caseSeed(seed, index));
  const total = TARGETS.reduce((s, t) => s + t.weight, 0);
  let r = rng.uniform() * total;
  let target = TARGETS[TARGETS.length - 1] as Target;
  for (const t of TARGETS) {
    r -= t.weight;
    if (r < 0) {
      target = t;
      break;
    }
  }
  const file = pick(rng, target.files(fx));
  const via = target.cli && rng.uniform() < cliShare ? 'cli' : 'api';
  return { index, target, file, via, rng };
}

/** Applies one to three mutations to the valid bytes of the case's file. */
export function mutateCase(c: FuzzCase, valid: Buffer): Mutated {
  const m = c.target.mutation(c.file);
  const n = chance(c.rng, 0.8) ? 1 : chance(c.rng, 0.75) ? 2 : 3;
  let out: Mutated = { bytes: valid, desc: '' };
  const descs: string[] = [];
  for (let k = 0; k < n; k++) {
    try {
      out = m(out.bytes, c.rng);
    } catch (e) {
      // A format-aware mutation that an earlier one left without a structure to edit: generic bytes instead.
      out = anyBytes(out.bytes, c.rng);
      out.desc += ` (format mutation failed: ${(e as Error).message})`;
    }
    descs.push(out.desc);
  }
  return { bytes: out.bytes, desc: descs.join('; then ') };
}
