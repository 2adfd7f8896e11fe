/**
 * The domain-transfer evaluation (`evaluation.domains`) on raw pixels,
 * against cases whose answers are known without the code under test:
 * - target = an exact copy of the source: the source-fitted probe scores the
 *   same on both test sets, and the domain classifier sees identical
 *   features with opposite labels, so it is right on exactly half;
 * - target = the inverted source (255 − x): the mean pixel alone tells the
 *   domains apart, so a linear domain classifier is right on all of them;
 * plus the probe's `extraTests` (the same classifier scored on its own test
 * set gives its top-1 back), the metric names and the refusals.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { unionDatasets } from '../../src/data/domain-spec.ts';
import { disposeDataset, invertImages, type LabeledDataset, normalizationStats } from '../../src/data/index.ts';
import { linearProbe, rawPixelFeatures } from '../../src/eval/index.ts';
import { domainTransfer } from '../../src/experiments/cell.ts';
import { measuredMetrics, specFrom } from '../../src/experiments/grid.ts';
import { smallMnist } from '../train/fixtures/small-mnist.ts';

const source = smallMnist(1000, 400);
const copy: LabeledDataset = {
  name: 'copy',
  classes: source.classes,
  train: { images: source.train.images.clone(), labels: source.train.labels.clone() },
  test: { images: source.test.images.clone(), labels: source.test.labels.clone() },
};
const inverted: LabeledDataset = {
  name: 'inverted',
  classes: source.classes,
  train: { images: invertImages(source.train.images), labels: source.train.labels.clone() },
  test: { images: invertImages(source.test.images), labels: source.test.labels.clone() },
};
const same = unionDatasets([source, copy], ['mnist', 'copy']);
const shifted = unionDatasets([source, inverted], ['mnist', 'inverted']);
const norm = normalizationStats('mnist', source.train);
after(() => {
  for (const d of [source, copy, inverted, same, shifted]) disposeDataset(d);
});

test('a copy of the source as target: target = source accuracy, domain accuracy exactly ½', () => {
  const r = domainTransfer(null, norm, same, null);
  assert.equal(r.target, r.source);
  assert.ok(r.source > 0.8, `raw-pixel probe on MNIST, got ${r.source}`);
  assert.equal(r.domain, 0.5);
});

test('the inverted source as target: the domains are linearly apart (domain accuracy 1)', () => {
  const r = domainTransfer(null, norm, shifted, null);
  assert.equal(r.domain, 1);
  assert.ok(r.source > 0.8);
  assert.ok(r.target < r.source, `inverted digits are not classified like the originals (${r.target} vs ${r.source})`);
  // An evaluation subset of 20 training / 10 test images per class of each member.
  const q = domainTransfer(null, norm, shifted, { trainPerClass: 20, testPerClass: 10 });
  assert.equal(q.domain, 1);
});

test('linearProbe extraTests: the classifier scored again on its own test set gives its top-1', () => {
  const f = rawPixelFeatures(source.train.images, norm);
  const g = rawPixelFeatures(source.test.images, norm);
  const r = linearProbe({
    trainFeatures: f,
    trainLabels: source.train.labels,
    testFeatures: g,
    testLabels: source.test.labels,
    numClasses: 10,
    extraTests: [{ features: g, labels: source.test.labels }],
  });
  assert.deepEqual(r.extraTop1, [r.top1]);
  assert.throws(
    () =>
      linearProbe({
        trainFeatures: f,
        trainLabels: source.train.labels,
        testFeatures: g,
        testLabels: source.test.labels,
        numClasses: 10,
        extraTests: [{ features: g.narrow(1, 0, 5), labels: source.test.labels }],
      }),
    /linearProbe: extraTests\[0\]\.features have 5 dimensions, trainFeatures 784/,
  );
  f.dispose();
  g.dispose();
});

test('evaluation.domains: metrics source, target, domain; refused on a dataset without domains', () => {
  const spec = specFrom({ name: 'x', evaluation: { domains: true } }, 'x.yaml');
  assert.deepEqual(measuredMetrics(spec.evaluation), ['source', 'target', 'domain']);
  assert.equal(spec.evaluation.probe, false, 'no probe on the union itself unless asked');
  assert.throws(
    () => domainTransfer(null, norm, source, null),
    /evaluation\.domains needs cells on a dataset with domains \(union:SOURCE\+TARGET, subpop:…\), got mnist/,
  );
  assert.throws(
    () => specFrom({ name: 'x', evaluation: { domains: 1 } }, 'x.yaml'),
    /x\.yaml: evaluation\.domains must be true or false, got 1/,
  );
});
