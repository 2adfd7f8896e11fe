/**
 * `specl augment` and `specl data info` as a user runs them: real processes,
 * real MNIST / Fashion-MNIST, a CIFAR-10 folder written in the official binary
 * layout, and the PNG read back with an independent decoder (sharp).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';
import { mnist } from '../../src/data/index.ts';
import { writeCifar10 } from '../data/cifar-writer.ts';
import { assertClose } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';

const root = new URL('../..', import.meta.url).pathname;
const specl = (...args: string[]) =>
  spawnSync(process.execPath, [join(root, 'bin/specl.js'), ...args], { encoding: 'utf8', cwd: root, timeout: 120_000 });

const MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
interface SplitJson {
  n: number;
  shape: number[];
  perClass: { name: string; count: number }[];
  mean: number[];
  std: number[];
  min: number;
  max: number;
}

/** Fashion-MNIST's class names, as its authors list them. */
const FASHION_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];
const FASHION_DIR = process.env.SPECL_FASHION_MNIST ?? '/usr/share/datasets/fashion-mnist';

/** One split of the gzipped IDX files, read here: big-endian magic 0x0803 / 0x0801, dimensions, then bytes. */
function idxSplit(prefix: 'train' | 't10k'): { pixels: Uint8Array; labels: number[] } {
  const read = (f: string, magic: number, dims: number) => {
    const b = gunzipSync(readFileSync(join(FASHION_DIR, `${prefix}-${f}.gz`)));
    assert.equal(b.readUInt32BE(0), magic, `${f}: magic`);
    return b.subarray(4 + 4 * dims);
  };
  const pixels = read('images-idx3-ubyte', 0x803, 3);
  const labels = Array.from(read('labels-idx1-ubyte', 0x801, 1));
  assert.equal(pixels.length, labels.length * 784);
  return { pixels, labels };
}

/** Images per class 0…9. */
const countsOf = (labels: number[]): number[] =>
  Array.from({ length: 10 }, (_, k) => labels.filter((y) => y === k).length);

/**
 * Per-channel mean and population std on the [0, 1] scale, and the pixel
 * range, of channel-planar images (C planes per image): exact integer sums
 * Σp and Σp² (below 2^53 here), then mean = S/(255M), std = √(Q/M − (S/M)²)/255.
 */
function pixelStats(pixels: Uint8Array, channels: number) {
  const plane = pixels.length === 0 ? 0 : channels === 1 ? 784 : 1024;
  const sums = new Array<number>(channels).fill(0);
  const squares = new Array<number>(channels).fill(0);
  let min = 255;
  let max = 0;
  for (let i = 0; i < pixels.length; i++) {
    const p = pixels[i] as number;
    const c = Math.floor(i / plane) % channels;
    sums[c] = (sums[c] as number) + p;
    squares[c] = (squares[c] as number) + p * p;
    if (p < min) min = p;
    if (p > max) max = p;
  }
  const m = pixels.length / channels;
  return {
    mean: sums.map((s) => s / (255 * m)),
    std: sums.map((s, c) => Math.sqrt((squares[c] as number) / m - (s / m) ** 2) / 255),
    min: min / 255,
    max: max / 255,
  };
}

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'specl-data-cli-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** The grey 28×28 image in grid cell (row, col) of a PNG drawn at `scale` with `gap` pixels between cells. */
async function cell(png: string, row: number, col: number, scale: number, gap: number): Promise<Uint8Array> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const side = 28 * scale;
  const out = new Uint8Array(28 * 28);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const py = gap + row * (side + gap) + y * scale;
      const px = gap + col * (side + gap) + x * scale;
      const i = (py * info.width + px) * info.channels;
      assert.equal(data[i], data[i + 1], 'grey images are drawn grey');
      out[y * 28 + x] = data[i] as number;
    }
  }
  return out;
}

describe('specl augment', () => {
  test('writes a grid whose left column is real MNIST images, with two different views of each', async () => {
    const out = join(dir, 'views.png');
    const r = specl('augment', '--dataset', 'mnist', '--preset', 'mnist', '--count', '5', '--seed', '2', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /wrote .*views\.png: 5 mnist images/);
    const meta = await sharp(out).metadata();
    // 28 px upscaled ×3 (the default for 28-pixel images), 4-pixel gaps: 3 columns, 5 rows.
    assert.equal(meta.width, 3 * 84 + 4 * 4);
    assert.equal(meta.height, 5 * 84 + 6 * 4);
    const d = mnist();
    const train = d.train.images.data() as Uint8Array;
    const known = new Set<string>();
    for (let i = 0; i < 60000; i++) known.add(Buffer.from(train.subarray(i * 784, (i + 1) * 784)).toString('base64'));
    for (const t of [d.train.images, d.train.labels, d.test.images, d.test.labels]) t.dispose();
    for (let row = 0; row < 5; row++) {
      const original = await cell(out, row, 0, 3, 4);
      assert.ok(
        known.has(Buffer.from(original).toString('base64')),
        `row ${row}: left cell is an MNIST training image`,
      );
      const v1 = await cell(out, row, 1, 3, 4);
      const v2 = await cell(out, row, 2, 3, 4);
      assert.notDeepEqual(v1, original);
      assert.notDeepEqual(v1, v2);
    }
    const again = join(dir, 'again.png');
    assert.equal(specl('augment', '--count', '5', '--seed', '2', '--out', again).status, 0);
    assert.deepEqual(readFileSync(again), readFileSync(out), 'same seed, same picture');
    const other = join(dir, 'other.png');
    assert.equal(specl('augment', '--count', '5', '--seed', '3', '--out', other).status, 0);
    assert.notDeepEqual(readFileSync(other), readFileSync(out));
  });

  test('colour datasets default to the CIFAR recipe; the gaussian preset takes --sigma', async () => {
    const cifarDir = join(dir, 'cifar');
    writeCifar10(cifarDir, new Rng(5), { train: [4, 4, 4, 4, 4], test: 4 });
    const out = join(dir, 'cifar.png');
    const r = specl('augment', '--dataset', `cifar10:${cifarDir}`, '--count', '3', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /preset cifar/);
    assert.equal((await sharp(out).metadata()).width, 3 * 96 + 4 * 4);
    const g = specl(
      'augment',
      '--dataset',
      'fashion-mnist',
      '--preset',
      'gaussian',
      '--sigma',
      '0.3',
      '--count',
      '2',
      '--out',
      join(dir, 'g.png'),
    );
    assert.equal(g.status, 0, g.stderr);
    assert.match(g.stdout, /2 fashion-mnist images .* preset gaussian/);
  });

  test('bad command lines say what is wrong', () => {
    const noOut = specl('augment');
    assert.equal(noOut.status, 1);
    assert.match(noOut.stderr, /--out is required/);
    const unknown = specl('augment', '--dataset', 'imagenet', '--out', join(dir, 'x.png'));
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /imagenet/);
    assert.match(unknown.stderr, /fashion-mnist/);
    const preset = specl('augment', '--preset', 'fancy', '--out', join(dir, 'x.png'));
    assert.equal(preset.status, 1);
    assert.match(preset.stderr, /fancy/);
    const count = specl('augment', '--count', '0', '--out', join(dir, 'x.png'));
    assert.match(count.stderr, /--count must be a positive integer, got 0/);
    const sigma = specl('augment', '--preset', 'gaussian', '--sigma=-1', '--out', join(dir, 'x.png'));
    assert.match(sigma.stderr, /--sigma must be a finite number > 0, got -1/);
    const typo = specl('augment', '--presett', 'mnist', '--out', join(dir, 'x.png'));
    assert.match(typo.stderr, /unknown option '--presett' \(did you mean '--preset'\?\)/);
  });
});

describe('specl data info', () => {
  test('MNIST: the official per-class counts and the well-known pixel mean and std', () => {
    const r = specl('data', 'info', '--dataset', 'mnist', '--json');
    assert.equal(r.status, 0, r.stderr);
    const info = JSON.parse(r.stdout) as {
      train: { n: number; perClass: { count: number }[]; mean: number[]; std: number[] };
      test: { n: number };
    };
    assert.equal(info.train.n, 60000);
    assert.equal(info.test.n, 10000);
    assert.deepEqual(
      info.train.perClass.map((c) => c.count),
      MNIST_TRAIN_COUNTS,
    );
    assert.ok(Math.abs((info.train.mean[0] as number) - 0.1307) < 5e-5);
    assert.ok(Math.abs((info.train.std[0] as number) - 0.3081) < 5e-5);
  });

  test('Fashion-MNIST as a table: every count and statistic printed, against the IDX files read here', () => {
    const r = specl('data', 'info', '--dataset', 'fashion-mnist');
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'fashion-mnist: 10 classes, images 1×28×28 (uint8)');
    const splits = { train: idxSplit('train'), test: idxSplit('t10k') };
    for (const [name, s] of Object.entries(splits)) {
      const line = lines.find((l) => l.startsWith(`${name} `));
      const m = /^\w+\s+(\d+) images\s+mean \[([\d.]+)\]\s+std \[([\d.]+)\]\s+range (\S+)…(\S+)$/.exec(line ?? '');
      assert.ok(m, `a ${name} line in\n${r.stdout}`);
      const st = pixelStats(s.pixels, 1);
      assert.deepEqual(
        m.slice(1),
        [String(s.labels.length), st.mean[0]?.toFixed(4), st.std[0]?.toFixed(4), String(st.min), String(st.max)],
        `${name}: n, mean, std, range`,
      );
    }
    // one row per class: its name, then the train and test counts
    const rows = lines.slice(lines.findIndex((l) => /^class\s+train\s+test$/.test(l)) + 1);
    assert.deepEqual(
      rows.map((l) => l.trim().split(/\s{3,}/)),
      FASHION_NAMES.map((n, k) => [
        n,
        String(countsOf(splits.train.labels)[k]),
        String(countsOf(splits.test.labels)[k]),
      ]),
    );
  });

  test('a CIFAR-10 folder as JSON: per-channel mean, std, range and counts from the bytes the test wrote', () => {
    const root = join(dir, 'cifar-info');
    const { train, test } = writeCifar10(root, new Rng(8), { train: [5, 3, 4, 2, 6], test: 7 });
    const r = specl('data', 'info', '--dataset', `cifar10:${root}`, '--json');
    assert.equal(r.status, 0, r.stderr);
    const info = JSON.parse(r.stdout) as {
      classes: string[];
      train: SplitJson;
      test: SplitJson;
    };
    assert.deepEqual(
      info.classes,
      Array.from({ length: 10 }, (_, i) => `class-${i}`),
    );
    for (const [name, records] of [
      ['train', train],
      ['test', test],
    ] as const) {
      const got = info[name];
      const pixels = Buffer.concat(records.map((rec) => rec.pixels));
      const st = pixelStats(pixels, 3);
      assert.equal(got.n, records.length, `${name}: n`);
      assert.deepEqual(got.shape, [3, 32, 32]);
      assert.deepEqual(
        got.perClass.map((c) => [c.name, c.count]),
        countsOf(records.map((rec) => rec.labels[0] as number)).map((n, k) => [`class-${k}`, n]),
        `${name}: counts per class`,
      );
      assertClose(got.mean, st.mean, { rtol: 1e-12 }, `${name}: mean per channel`);
      assertClose(got.std, st.std, { rtol: 1e-12 }, `${name}: std per channel`);
      assert.deepEqual([got.min, got.max], [st.min, st.max], `${name}: range`);
    }
  });

  test('a missing CIFAR folder says where to get it; unknown subcommands are refused', () => {
    const r = specl('data', 'info', '--dataset', 'cifar10', '--data-dir', join(dir, 'nowhere'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cs\.toronto\.edu\/~kriz\/cifar\.html/);
    const sub = specl('data', 'show');
    assert.equal(sub.status, 1);
    assert.match(sub.stderr, /unknown subcommand 'show'/);
  });
});
