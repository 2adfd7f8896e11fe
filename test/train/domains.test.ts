/**
 * Training on a dataset with domains (a union of a source and a target
 * domain): `sourceOnly` keeps exactly the source member's training images,
 * a training-size subset keeps each kept image's domain (checked image by
 * image against the members), DANN's labels are class + K·domain by hand,
 * and the refusals (sourceOnly or DANN on data without domains). Then DANN
 * trains end to end on MNIST ∪ inverted MNIST: its class and domain terms
 * are logged, and its run resumes to the same weights as an uninterrupted one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type DomainUnion, isDomainUnion, unionDatasets } from '../../src/data/domain-spec.ts';
import { disposeDataset, invertImages, type LabeledDataset } from '../../src/data/index.ts';
import { type Tensor, tidy } from '../../src/tensor/index.ts';
import {
  dataFacts,
  domainLabels,
  loadRunEncoder,
  pretrain,
  pretrainingSet,
  resolvePretrainConfig,
  resume,
} from '../../src/train/index.ts';
import { SMALL_RUN, smallMnist } from './fixtures/small-mnist.ts';

const source = smallMnist(600, 200);
const target: LabeledDataset = {
  name: 'inverted',
  classes: source.classes,
  train: { images: invertImages(source.train.images), labels: source.train.labels.clone() },
  test: { images: invertImages(source.test.images), labels: source.test.labels.clone() },
};
const union = unionDatasets([source, target], ['mnist', 'inverted']);
const tmp = mkdtempSync(join(tmpdir(), 'specl-domains-'));
after(() => {
  for (const d of [source, target, union]) disposeDataset(d);
  rmSync(tmp, { recursive: true, force: true });
});

/** Each image's bytes as a string key (every MNIST digit and its inverse differ). */
const keys = (images: Tensor): string[] => {
  const n = images.size(0);
  const px = images.data() as Uint8Array;
  const per = px.length / n;
  return Array.from({ length: n }, (_, i) => Buffer.from(px.subarray(i * per, (i + 1) * per)).toString('base64'));
};
const labelsOf = (t: Tensor): number[] => Array.from(t.data() as BigInt64Array, Number);

test('sourceOnly keeps exactly the source member’s training images, the test split whole', () => {
  const config = resolvePretrainConfig({ sourceOnly: true, epochs: 1 }, dataFacts(union));
  const set = pretrainingSet(union, config);
  assert.deepEqual(keys(set.train.images), keys(source.train.images));
  assert.deepEqual(labelsOf(set.train.labels), labelsOf(source.train.labels));
  assert.equal(set.test, union.test);
  assert.ok(isDomainUnion(set));
  assert.deepEqual([...(set as DomainUnion).domains.train], new Array(600).fill(0));
  for (const t of [set.train.images, set.train.labels]) t.dispose();
});

test('a trainSize subset of a union keeps each image’s domain', () => {
  const config = resolvePretrainConfig({ trainSize: 300, epochs: 1, seed: 3 }, dataFacts(union));
  const set = pretrainingSet(union, config) as DomainUnion;
  const fromSource = new Set(keys(source.train.images));
  const fromTarget = new Set(keys(target.train.images));
  const domains = keys(set.train.images).map((k) => (fromSource.has(k) ? 0 : fromTarget.has(k) ? 1 : -1));
  assert.deepEqual([...set.domains.train], domains);
  assert.ok(domains.includes(0) && domains.includes(1), 'both domains drawn');
  // DANN's labels: class + 10·domain, computed by hand from the images' own labels and domains.
  const l = domainLabels(set, 'dann');
  const y = labelsOf(set.train.labels);
  assert.deepEqual(
    labelsOf(l),
    y.map((c, i) => c + 10 * (domains[i] as number)),
  );
  l.dispose();
  for (const t of [set.train.images, set.train.labels]) t.dispose();
});

test('sourceOnly and DANN refuse a dataset without domains', () => {
  const config = resolvePretrainConfig({ sourceOnly: true, epochs: 1 }, dataFacts(source));
  assert.throws(
    () => pretrainingSet(source, config),
    /sourceOnly trains on the source domain of a dataset with domains \(union:SOURCE\+TARGET, subpop:…\), but mnist has none/,
  );
  assert.throws(() => domainLabels(source, 'dann'), /dann needs the domain of every training image: .* not mnist/);
});

test('DANN on MNIST ∪ inverted MNIST: class and domain terms logged; a resumed run ends with the same weights', async () => {
  const settings = {
    ...SMALL_RUN,
    method: 'dann' as const,
    dataset: 'union:mnist+inverted',
    batchSize: 100,
    epochs: 2,
    monitor: { enabled: false },
    evaluate: false,
  };
  const full = join(tmp, 'full');
  const r = await pretrain({ settings, data: union, out: full });
  r.method.dispose();
  const lines = readFileSync(join(full, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((l) => l.type === 'step');
  assert.equal(lines.at(-1).step, 24);
  for (const l of lines) {
    assert.ok(Number.isFinite(l.class) && l.class >= 0, `class term at step ${l.step}`);
    assert.ok(Number.isFinite(l.domain) && l.domain > 0, `domain term at step ${l.step}`);
    assert.ok(l.lambda >= 0 && l.lambda <= 1, `λ at step ${l.step}`);
  }
  assert.ok(lines.at(-1).lambda > lines[0].lambda, 'the ganin schedule rises');
  // Interrupted after the first epoch, then resumed.
  const part = join(tmp, 'part');
  const stop = new AbortController();
  const p = await pretrain({
    settings,
    data: union,
    out: part,
    signal: stop.signal,
    onEvent: (e) => {
      if (e.type === 'step' && e.step === 12) stop.abort();
    },
  });
  p.method.dispose();
  p.encoder.dispose();
  assert.ok(p.interrupted);
  const q = await resume(part, { data: union });
  q.method.dispose();
  q.encoder.dispose();
  const a = loadRunEncoder(full).encoder;
  const b = loadRunEncoder(part).encoder;
  const wa = a.namedParameters();
  const wb = new Map(b.namedParameters());
  for (const [n, t] of wa)
    assert.deepEqual(
      tidy(() => t.toArray()),
      tidy(() => (wb.get(n) as Tensor).toArray()),
      n,
    );
  a.dispose();
  b.dispose();
  r.encoder.dispose();
});
