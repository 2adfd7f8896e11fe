/**
 * The `imbalance` settings: a long-tailed pretraining set of trainSize images
 * (Liu et al. 2022), with its class counts checked against hand-computed
 * lists; refused without trainSize; absent from older run folders, which
 * read as balanced.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { LabeledDataset } from '../../src/data/index.ts';
import { type Tensor, tidy } from '../../src/tensor/index.ts';
import { dataFacts, loadRunConfig, pretrain, pretrainingSet, resolvePretrainConfig } from '../../src/train/index.ts';
import { smallMnist } from './fixtures/small-mnist.ts';

/** Each image's pixel sum (a fingerprint of which images a split holds). */
const imageSums = (t: Tensor): number[] =>
  tidy(() => Array.from(t.sum([1, 2, 3]).data() as ArrayLike<number | bigint>, Number));

const data = smallMnist(5000, 256);
const tmp = mkdtempSync(join(tmpdir(), 'specl-imbalance-'));
after(() => {
  for (const s of [data.train, data.test]) for (const t of [s.images, s.labels]) t.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

const countsOf = (d: LabeledDataset): number[] => {
  const out = new Array<number>(10).fill(0);
  for (const y of d.train.labels.data() as BigInt64Array) out[Number(y)]++;
  return out;
};

test('step profile, r = 0.1 over 1,100 images: 200 of each of the first five classes, 20 of the last five', () => {
  const config = resolvePretrainConfig(
    { trainSize: 1100, imbalance: { ratio: 0.1, profile: 'step' }, epochs: 1 },
    dataFacts(data),
  );
  const set = pretrainingSet(data, config);
  assert.deepEqual(countsOf(set), [200, 200, 200, 200, 200, 20, 20, 20, 20, 20]);
  assert.equal(set.test, data.test, 'the test split is untouched');
  // The same seed draws the same images; another seed others (same counts).
  const again = pretrainingSet(data, config);
  assert.deepEqual(
    Array.from(again.train.labels.data() as BigInt64Array),
    Array.from(set.train.labels.data() as BigInt64Array),
  );
  const other = pretrainingSet(data, { ...config, seed: config.seed + 1 });
  assert.deepEqual(countsOf(other), countsOf(set));
  assert.notDeepEqual(imageSums(other.train.images), imageSums(set.train.images));
  for (const d of [set, again, other]) for (const t of [d.train.images, d.train.labels]) t.dispose();
});

test('exponential profile, r = 0.01 over 1,000 images: n_c ∝ 0.01^(c/9), summing to trainSize, rarest class about r × the first', () => {
  const config = resolvePretrainConfig({ trainSize: 1000, imbalance: { ratio: 0.01 }, epochs: 1 }, dataFacts(data));
  const counts = countsOf(pretrainingSet(data, config));
  assert.equal(
    counts.reduce((a, b) => a + b, 0),
    1000,
  );
  // Hand: Σ_c 0.01^(c/9) = (1 − 0.01^(10/9)) / (1 − 0.01^(1/9)); n_c = 1000·0.01^(c/9)/Σ, within one image of rounding.
  const sum = (1 - 0.01 ** (10 / 9)) / (1 - 0.01 ** (1 / 9));
  for (const [c, n] of counts.entries())
    assert.ok(Math.abs(n - (1000 * 0.01 ** (c / 9)) / sum) <= 1, `class ${c}: ${n}`);
  for (let c = 1; c < 10; c++) assert.ok((counts[c] as number) <= (counts[c - 1] as number));
});

test('imbalance without trainSize is refused, naming the setting', () => {
  assert.throws(
    () => resolvePretrainConfig({ imbalance: { ratio: 0.1 } }, dataFacts(data)),
    /pretrain: imbalance\.ratio 0\.1 needs trainSize: the total n of the long-tailed set/,
  );
  assert.throws(
    () => resolvePretrainConfig({ trainSize: 100, imbalance: { ratio: 0 } }, dataFacts(data)),
    /pretrain: imbalance\.ratio must be/,
  );
});

test('config.json records imbalance; a folder written before it existed reads as balanced and resumes', async () => {
  const dir = join(tmp, 'run');
  const r = await pretrain({
    settings: {
      trainSize: 256,
      batchSize: 64,
      epochs: 1,
      encoder: { widths: [4, 8] },
      monitor: { enabled: false },
      evaluate: false,
    },
    data,
    out: dir,
  });
  r.encoder.dispose();
  r.method.dispose();
  const path = join(dir, 'config.json');
  const config = JSON.parse(readFileSync(path, 'utf8'));
  assert.deepEqual(config.imbalance, { ratio: 1, profile: 'exponential', stepFraction: 0.5 });
  delete config.imbalance;
  writeFileSync(path, JSON.stringify(config));
  assert.deepEqual(loadRunConfig(dir, { complete: true }).imbalance, {
    ratio: 1,
    profile: 'exponential',
    stepFraction: 0.5,
  });
});
