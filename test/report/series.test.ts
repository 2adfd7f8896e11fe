import assert from 'node:assert/strict';
import { test } from 'node:test';
import { downsampleMinMax, meanBand, seriesOf, smoothEma } from '../../src/report/series.ts';
import type { MetricLine } from '../../src/train/run-folder.ts';
import { Rng } from '../helpers/prng.ts';

test('downsampleMinMax keeps ≤ maxPoints, both ends, and every bucket extreme', () => {
  const rng = new Rng(3);
  const n = 10_000;
  const x = Array.from({ length: n }, (_, i) => i + 1);
  const y = x.map((i) => Math.sin(i / 300) + 0.1 * rng.uniform());
  y[4321] = 50; // a spike and a dip must survive
  y[777] = -50;
  for (const max of [2, 3, 10, 500, 501]) {
    const d = downsampleMinMax(x, y, max);
    assert.ok(d.x.length <= max, `${d.x.length} points for max ${max}`);
    assert.equal(d.x[0], 1);
    assert.equal(d.x.at(-1), n);
    for (let i = 1; i < d.x.length; i++) assert.ok((d.x[i] as number) > (d.x[i - 1] as number));
    d.x.forEach((xi, i) => {
      assert.equal(d.y[i], y[xi - 1]);
    });
    if (max >= 4) {
      assert.ok(d.y.includes(50) && d.y.includes(-50));
    }
  }
  // By hand: 10 points, max 6 → ends + 2 buckets of 5 (indices 0–4, 5–9), min and max of each.
  const hy = [5, 1, 9, 3, 4, 8, 2, 7, 0, 6];
  const hd = downsampleMinMax(
    hy.map((_, i) => i),
    hy,
    6,
  );
  assert.deepEqual(hd.x, [0, 1, 2, 5, 8, 9]);
  assert.deepEqual(hd.y, [5, 1, 9, 8, 0, 6]);
  // A curve that fits comes back whole, minus non-finite points.
  assert.deepEqual(downsampleMinMax([1, 2, 3], [1, Number.NaN, 3], 10), { x: [1, 3], y: [1, 3] });
  assert.throws(() => downsampleMinMax([1], [1, 2], 10), /1 x values but 2/);
  assert.throws(() => downsampleMinMax([1], [1], 1), /maxPoints/);
});

test('smoothEma is the bias-corrected weighted mean of the points so far', () => {
  const y = [4, 2, 7, Number.NaN, 1];
  const w = 0.6;
  const s = smoothEma(y, w);
  // Hand form: Σ w^(t−i)(1−w) y_i / (1 − w^t) over finite points.
  const finite = [4, 2, 7, 1];
  const want = finite.map((_, t) => {
    let num = 0;
    let den = 0;
    for (let i = 0; i <= t; i++) {
      num += w ** (t - i) * (finite[i] as number);
      den += w ** (t - i);
    }
    return num / den;
  });
  assert.equal(s[0], 4); // the first value is the first point, not pulled to 0
  for (const [i, j] of [
    [0, 0],
    [1, 1],
    [2, 2],
    [4, 3],
  ] as const)
    assert.ok(Math.abs((s[i] as number) - (want[j] as number)) < 1e-12);
  assert.ok(Number.isNaN(s[3]));
  assert.deepEqual(smoothEma([1, 2, 3], 0), [1, 2, 3]);
  assert.throws(() => smoothEma([1], 1), /weight/);
});

test('meanBand: per-step mean, sample sd, min and max over the seeds', () => {
  const a = { x: [0, 10, 20], y: [1, 2, 3] };
  const b = { x: [0, 10, 20, 30], y: [3, 2, 5, 9] };
  const c = { x: [0, 20], y: [2, 7] };
  const band = meanBand([a, b, c]);
  assert.deepEqual(band.x, [0, 20]); // only steps all three have
  assert.deepEqual(band.mean, [2, 5]);
  assert.ok(Math.abs((band.sd[0] as number) - 1) < 1e-12);
  assert.ok(Math.abs((band.sd[1] as number) - 2) < 1e-12);
  assert.deepEqual(band.min, [1, 3]);
  assert.deepEqual(band.max, [3, 7]);
  const loose = meanBand([a, b, c], { minCurves: 1 });
  assert.deepEqual(loose.x, [0, 10, 20, 30]);
  assert.deepEqual(loose.n, [3, 2, 3, 1]);
  assert.equal(loose.sd[3], 0);
});

test('seriesOf: step fields, images/s from the clock, epoch monitors, resumed lines once', () => {
  const lines: MetricLine[] = [
    { type: 'event', step: 0, event: 'plan' },
    { type: 'step', step: 10, epoch: 0, loss: -1, part1: -1.5, lr: 0.1, seconds: 2 },
    { type: 'step', step: 20, epoch: 0, loss: -2, part1: -2.5, lr: 0.09, seconds: 4 },
    { type: 'epoch', step: 20, epoch: 0, knn: 0.5, spread: 0.9, collapsed: false, seconds: 4.1 },
    { type: 'event', step: 20, event: 'resume' },
    { type: 'step', step: 20, epoch: 0, loss: -2.2, part1: -2.6, lr: 0.09, seconds: 1 },
    { type: 'step', step: 30, epoch: 1, loss: -3, part1: -3.5, lr: 0.08, seconds: 1.5 },
    { type: 'epoch', step: 30, epoch: 1, knn: null, spread: 0.8, collapsed: false, seconds: 1.6 },
  ];
  const s = seriesOf(lines, { batch: 64 });
  assert.deepEqual(s.loss, { x: [10, 20, 30], y: [-1, -2.2, -3] });
  assert.deepEqual(s.lr?.x, [10, 20, 30]);
  assert.equal(s.epoch, undefined);
  assert.equal(s.seconds, undefined);
  // 64·10/2 between the first two lines; after the resume, 64·10/0.5.
  assert.deepEqual(s.imagesPerSecond, { x: [20, 30], y: [320, 1280] });
  assert.deepEqual(s.knn, { x: [20], y: [0.5] });
  assert.deepEqual(s['epoch:spread'], { x: [20, 30], y: [0.9, 0.8] });
  assert.equal(seriesOf(lines).imagesPerSecond, undefined);
});
