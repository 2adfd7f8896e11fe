/**
 * The one comparison with the baselines (compareWithBaselines) on a small
 * MNIST slice: each row is exactly what the eval building blocks give on
 * that feature set (raw pixels, the random encoder, the encoder), k and τ are
 * the caller's, parts can be skipped; and the progress callback reports
 * feature extraction, every probe iteration (with a loss that never rises)
 * and the end of each fit with the fit's own converged flag. Also the kNN
 * monitor moved here from train/.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  compareWithBaselines,
  DEFAULT_KNN,
  type EvalProgress,
  evaluateEncoder,
  evaluatePixels,
  extractFeatures,
  knnAccuracy,
  knnMonitor,
  linearProbe,
  rawPixelFeatures,
} from '../../src/eval/index.ts';
import { ConvNet } from '../../src/nn/index.ts';
import { Generator, tidy } from '../../src/tensor/index.ts';
import { smallMnist } from '../train/fixtures/small-mnist.ts';

const data = smallMnist(600, 300);
const norm = { mean: [0.1307], std: [0.3081] };
const encoder = new ConvNet({ widths: [8, 16, 32], generator: new Generator(1) });
const random = new ConvNet({ widths: [8, 16, 32], generator: new Generator(2) });
after(() => {
  encoder.dispose();
  random.dispose();
  for (const s of [data.train, data.test]) for (const t of [s.images, s.labels]) t.dispose();
});
const labels = { trainLabels: data.train.labels, testLabels: data.test.labels, numClasses: 10 };

test('compareWithBaselines: pixels, random, encoder rows equal the building blocks on each feature set', () => {
  const knn = { k: 20, temperature: 0.2 };
  const rows = compareWithBaselines({ encoder, randomEncoder: random, data, norm, knn });
  assert.deepEqual(
    rows.map((r) => [r.kind, r.dim]),
    [
      ['pixels', 784],
      ['random', 32],
      ['encoder', 32],
    ],
  );
  const direct = (f: (images: typeof data.train.images) => ReturnType<typeof rawPixelFeatures>) =>
    tidy(() => {
      const trainFeatures = f(data.train.images);
      const testFeatures = f(data.test.images);
      const probe = linearProbe({ ...labels, trainFeatures, testFeatures });
      const acc = knnAccuracy(trainFeatures, data.train.labels, testFeatures, data.test.labels, {
        ...knn,
        numClasses: 10,
      });
      return { probe, knn: acc };
    });
  const expected = [
    direct((x) => rawPixelFeatures(x, norm)),
    direct((x) => extractFeatures(random, x, norm)),
    direct((x) => extractFeatures(encoder, x, norm)),
  ];
  for (const [i, row] of rows.entries()) {
    const e = expected[i] as (typeof expected)[number];
    assert.equal(row.probe?.top1, e.probe.top1, `${row.kind} probe`);
    assert.equal(row.probe?.trainTop1, e.probe.trainTop1, `${row.kind} probe train`);
    assert.equal(row.probe?.iterations, e.probe.iterations, `${row.kind} iterations`);
    assert.equal(row.probe?.converged, e.probe.converged);
    assert.equal(row.knn, e.knn, `${row.kind} kNN`);
    assert.equal(row.labelEfficiency, null);
  }
  // The single-row helpers are the same rows (their k and τ given the same way).
  assert.deepEqual(evaluatePixels(data, norm, { knn }), {
    linearProbe: rows[0]?.probe?.top1,
    knn: rows[0]?.knn,
  });
  assert.deepEqual(evaluateEncoder(encoder, data, norm, { knn }), {
    linearProbe: rows[2]?.probe?.top1,
    knn: rows[2]?.knn,
  });
  // The raw-pixel floor is well above chance even on 600 digits; a random 32-d ConvNet is not useless either.
  assert.ok((rows[0]?.probe?.top1 ?? 0) > 0.7, `raw pixels ${rows[0]?.probe?.top1}`);
});

test('kNN defaults to k = 200, τ = 0.1; probe, kNN and label efficiency can be skipped or asked for', () => {
  assert.deepEqual(DEFAULT_KNN, { k: 200, temperature: 0.1 });
  const byDefault = evaluatePixels(data, norm);
  const explicit = tidy(() =>
    knnAccuracy(
      rawPixelFeatures(data.train.images, norm),
      data.train.labels,
      rawPixelFeatures(data.test.images, norm),
      data.test.labels,
      { k: 200, temperature: 0.1, numClasses: 10 },
    ),
  );
  assert.equal(byDefault.knn, explicit);
  const knnOnly = compareWithBaselines({ encoder, randomEncoder: random, data, norm, probe: false });
  assert.ok(knnOnly.every((r) => r.probe === null && typeof r.knn === 'number'));
  const curves = compareWithBaselines({
    encoder,
    randomEncoder: random,
    data,
    norm,
    knn: false,
    labelEfficiency: { perClass: [5, 'all'], seeds: [0, 1] },
  });
  for (const r of curves) {
    assert.equal(r.knn, null);
    assert.deepEqual(
      r.labelEfficiency?.map((p) => [p.perClass, p.runs.length]),
      [
        [5, 2],
        ['all', 2],
      ],
    );
    // m = all with the default (seed-free) probe is the final probe itself.
    assert.equal(r.labelEfficiency?.[1]?.mean, r.probe?.top1);
  }
});

test('progress: features of every split and set, each probe iteration with a non-rising loss, converged as fitted', () => {
  const events: EvalProgress[] = [];
  const rows = compareWithBaselines({
    encoder,
    randomEncoder: random,
    data,
    norm,
    batchSize: 128,
    knn: { k: 20 },
    onProgress: (e) => events.push(e),
  });
  for (const kind of ['pixels', 'random', 'encoder'] as const) {
    const row = rows.find((r) => r.kind === kind);
    const mine = events.filter((e) => e.features === kind);
    for (const split of ['train', 'test'] as const) {
      const f = mine.filter((e) => e.phase === 'features' && e.split === split);
      const total = split === 'train' ? 600 : 300;
      assert.ok(f.length >= 1, `${kind} ${split}: features events`);
      assert.ok(
        f.every((e) => e.phase === 'features' && e.total === total),
        `${kind} ${split}: totals`,
      );
      const done = f.map((e) => (e.phase === 'features' ? e.done : -1));
      assert.equal(done.at(-1), total);
      assert.ok(
        done.every((d, i) => i === 0 || d > (done[i - 1] as number)),
        `${kind} ${split}: done increases`,
      );
      // 600 images in batches of 128 through an encoder: 5 events; the pixels go in one block of 4096.
      if (kind !== 'pixels' && split === 'train') assert.deepEqual(done, [128, 256, 384, 512, 600]);
    }
    const iterations = mine.filter((e) => e.phase === 'probe');
    const doneEvents = mine.filter((e) => e.phase === 'probe-done');
    assert.equal(doneEvents.length, 1, `${kind}: one fit`);
    const end = doneEvents[0];
    assert.ok(end?.phase === 'probe-done');
    // Iteration 0 when the fit starts, then one event per L-BFGS iteration.
    assert.equal(iterations.length, (row?.probe?.iterations as number) + 1, `${kind}: one event per iteration`);
    assert.deepEqual(
      iterations.map((e) => (e.phase === 'probe' ? e.iteration : -1)),
      Array.from({ length: iterations.length }, (_, i) => i),
    );
    // The start is W = 0, b = 0: every class equally likely, a cross-entropy of ln 10.
    assert.equal(iterations[0]?.phase === 'probe' && iterations[0].loss, Math.log(10));
    const losses = iterations.map((e) => (e.phase === 'probe' ? e.loss : Number.NaN));
    assert.ok(
      losses.every((l, i) => i === 0 || l <= (losses[i - 1] as number)),
      `${kind}: L-BFGS loss never rises`,
    );
    assert.ok((losses.at(-1) as number) < (losses[0] as number), `${kind}: loss decreased`);
    assert.equal(end.converged, row?.probe?.converged);
    assert.equal(end.stop, row?.probe?.stop);
    assert.equal(end.iterations, row?.probe?.iterations);
    assert.equal(end.fit, 'final');
    assert.ok(Math.abs(end.loss - (row?.probe?.loss as number)) < 1e-9, `${kind}: final loss`);
    const knn = mine.filter((e) => e.phase === 'knn');
    assert.deepEqual(knn.at(-1), { phase: 'knn', features: kind, done: 300, total: 300 });
  }
});

test('progress of a fit stopped by its iteration cap says not converged, as linearProbe does', () => {
  const events: EvalProgress[] = [];
  const r = tidy(() =>
    linearProbe({
      ...labels,
      trainFeatures: rawPixelFeatures(data.train.images, norm),
      testFeatures: rawPixelFeatures(data.test.images, norm),
      lbfgs: { maxIterations: 3 },
      onProgress: (e) => events.push(e),
    }),
  );
  assert.equal(r.converged, false);
  assert.equal(r.stop, 'maxIterations');
  assert.equal(r.maxIterations, 3);
  assert.deepEqual(
    events.map((e) => (e.phase === 'probe' ? e.iteration : e.phase)),
    [0, 1, 2, 3, 'probe-done'],
  );
  const end = events.at(-1);
  assert.ok(end?.phase === 'probe-done');
  assert.deepEqual([end.converged, end.stop, end.iterations, end.maxIterations], [false, 'maxIterations', 3, 3]);
});

test('the SGD probe reports one event per epoch and ends with its schedule', () => {
  const events: EvalProgress[] = [];
  const r = tidy(() =>
    linearProbe({
      ...labels,
      trainFeatures: rawPixelFeatures(data.train.images, norm),
      testFeatures: rawPixelFeatures(data.test.images, norm),
      method: 'sgd',
      sgd: { epochs: 4 },
      onProgress: (e) => events.push(e),
    }),
  );
  assert.equal(r.stop, 'schedule');
  assert.deepEqual(
    events.map((e) => (e.phase === 'probe' ? e.iteration : e.phase)),
    [0, 1, 2, 3, 4, 'probe-done'],
  );
  const losses = events.flatMap((e) => (e.phase === 'probe' ? [e.loss] : []));
  assert.equal(losses[0], Math.log(10), 'the start, W = 0');
  assert.ok((losses[4] as number) < (losses[1] as number), `epoch losses ${losses}`);
});

test('knnMonitor: a fixed bank and queries; with all of both it is the kNN accuracy of the whole slice', () => {
  const settings = { bankSize: 10_000, querySize: 10_000, k: 20, temperature: 0.1 };
  const monitor = knnMonitor(data, settings, norm, 7);
  try {
    const expected = tidy(() =>
      knnAccuracy(
        extractFeatures(encoder, data.train.images, norm),
        data.train.labels,
        extractFeatures(encoder, data.test.images, norm),
        data.test.labels,
        { k: 20, temperature: 0.1, numClasses: 10 },
      ),
    );
    assert.ok(Math.abs(monitor(encoder) - expected) <= 1 / 300, `${monitor(encoder)} vs ${expected}`);
    assert.equal(monitor(encoder), monitor(encoder), 'the same bank every call');
  } finally {
    monitor.dispose();
  }
  const small = knnMonitor(data, { ...settings, bankSize: 100, querySize: 50 }, norm, 7);
  try {
    const acc = small(encoder);
    assert.ok(acc >= 0 && acc <= 1 && Number.isInteger(acc * 50), `accuracy on 50 queries: ${acc}`);
  } finally {
    small.dispose();
  }
});
