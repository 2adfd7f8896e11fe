/**
 * ViewLoader: the worker thread gives exactly the batches of the inline path,
 * every batch depends only on (seed, epoch, index) so resuming mid-epoch
 * replays the same batches, and failures in the worker surface as errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deriveSeed } from '../../src/augment/derive-seed.ts';
import { Normalize, Pipeline, presets } from '../../src/augment/index.ts';
import { type ViewBatch, ViewLoader } from '../../src/augment/view-loader.ts';
import { mnist } from '../../src/data/index.ts';
import { getNumThreads, type Tensor, tidy } from '../../src/tensor/index.ts';

let images: Tensor;
let labels: Tensor;
let allLabels: BigInt64Array;

before(() => {
  const d = mnist();
  images = d.train.images.narrow(0, 0, 300).clone().keep();
  labels = d.train.labels.narrow(0, 0, 300).clone().keep();
  allLabels = labels.data() as BigInt64Array;
  for (const t of [d.train.images, d.train.labels, d.test.images, d.test.labels]) t.dispose();
});
after(() => {
  images.dispose();
  labels.dispose();
});

interface Plain {
  index: number;
  indices: number[];
  labels: number[];
  views: Float32Array[];
}

async function collect(loader: ViewLoader, epoch: number, from = 0): Promise<Plain[]> {
  const out: Plain[] = [];
  for await (const b of loader.epoch(epoch, { from })) out.push(plain(b));
  return out;
}

function plain(b: ViewBatch): Plain {
  const p = {
    index: b.index,
    indices: Array.from(b.indices),
    labels: b.labels ? b.labels.toArray() : [],
    views: b.views.map((v) => v.data() as Float32Array),
  };
  b.dispose();
  return p;
}

describe('deriveSeed', () => {
  test('is SplitMix64: the first output for state 0 is 0xe220a8397b1dcdaf (published test vector)', () => {
    assert.equal(BigInt(deriveSeed(0)), 0xe220a8397b1dcdafn >> 11n);
  });
  test('nearby paths give distinct seeds in [0, 2^53)', () => {
    const seen = new Set<number>();
    for (let e = 0; e < 20; e++) for (let b = 0; b < 50; b++) seen.add(deriveSeed(7, 1, e, b));
    assert.equal(seen.size, 1000);
    for (const s of seen) assert.ok(Number.isSafeInteger(s) && s >= 0);
    assert.equal(deriveSeed(7, 1, 3, 4), deriveSeed(7, 1, 3, 4));
    assert.throws(() => deriveSeed(-1), /non-negative integers/);
  });
});

describe('ViewLoader', () => {
  const pipeline = presets.mnist();
  const make = (worker: boolean, extra: Partial<ConstructorParameters<typeof ViewLoader>[0]> = {}) =>
    new ViewLoader({ data: { images, labels }, pipeline, batchSize: 64, seed: 3, worker, ...extra });

  test('the worker thread yields exactly the inline batches', async () => {
    const inline = make(false);
    const worker = make(true);
    const threads = getNumThreads();
    try {
      assert.equal(inline.batchesPerEpoch, 4); // 300 / 64 with the last partial batch dropped
      const a = await collect(inline, 1);
      const b = await collect(worker, 1);
      assert.equal(a.length, 4);
      assert.equal(b.length, 4);
      for (let k = 0; k < 4; k++) {
        assert.deepEqual(b[k]?.indices, a[k]?.indices);
        assert.deepEqual(b[k]?.labels, a[k]?.labels);
        assert.equal(b[k]?.views.length, 2);
        for (let v = 0; v < 2; v++) assert.deepEqual(b[k]?.views[v], a[k]?.views[v], `batch ${k} view ${v}`);
        assert.notDeepEqual(a[k]?.views[0], a[k]?.views[1], 'two views of a batch differ');
      }
      // The worker runs on 1 intra-op thread at nice 10; the main thread keeps its own settings.
      assert.equal(getNumThreads(), threads);
    } finally {
      await worker.close();
    }
  });

  test('an epoch is a permutation, labels follow the indices, epochs differ', async () => {
    const loader = make(true, { dropLast: false });
    try {
      assert.equal(loader.batchesPerEpoch, 5);
      const e0 = await collect(loader, 0);
      const e1 = await collect(loader, 1);
      const idx0 = e0.flatMap((b) => b.indices);
      assert.equal(idx0.length, 300);
      assert.deepEqual(
        [...idx0].sort((x, y) => x - y),
        Array.from({ length: 300 }, (_, i) => i),
      );
      assert.equal(e0[4]?.indices.length, 300 - 4 * 64);
      for (const b of e0)
        assert.deepEqual(
          b.labels,
          b.indices.map((i) => Number(allLabels[i])),
        );
      assert.notDeepEqual(
        idx0,
        e1.flatMap((b) => b.indices),
      );
      const v = e0[0]?.views[0] as Float32Array;
      assert.equal(v.length, 64 * 28 * 28);
    } finally {
      await loader.close();
    }
  });

  test('resuming at batch k replays batches k… of the epoch, with or without the worker', async () => {
    const loader = make(true);
    try {
      const full = await collect(loader, 2);
      const resumed = await collect(loader, 2, 2);
      const resumedInline = await collect(make(false), 2, 2);
      assert.deepEqual(resumed, full.slice(2));
      assert.deepEqual(resumedInline, full.slice(2));
    } finally {
      await loader.close();
    }
  });

  test('a different seed gives other orders and other views', async () => {
    const a = await collect(make(false), 0);
    const b = await collect(make(false, { seed: 4 }), 0);
    assert.notDeepEqual(a[0]?.indices, b[0]?.indices);
  });

  test('leaving an epoch early and closing does not hang; the loader works again after close', async () => {
    const loader = make(true, { prefetch: 3 });
    for await (const b of loader.epoch(0)) {
      b.dispose();
      break;
    }
    await loader.close();
    const again = await collect(loader, 0);
    assert.equal(again.length, 4);
    await loader.close();
  });

  test('a failure inside the worker rejects the epoch with its message', async () => {
    // Normalize with three channel means cannot apply to 1-channel digits.
    const bad = new Pipeline([new Normalize({ mean: [0.5, 0.5, 0.5], std: [0.2, 0.2, 0.2] })]);
    const loader = new ViewLoader({ data: { images, labels }, pipeline: bad, batchSize: 64, seed: 0 });
    try {
      await assert.rejects(collect(loader, 0), /ViewLoader worker/);
    } finally {
      await loader.close();
    }
  });

  test('bad options are refused with the option named', () => {
    const float = tidy(() => images.float()).keep();
    try {
      assert.throws(() => new ViewLoader({ data: { images: float }, pipeline, batchSize: 8, seed: 0 }), /uint8/);
      assert.throws(() => make(false, { batchSize: 0 }), /batchSize/);
      assert.throws(() => make(false, { batchSize: 301 }), /exceeds the 300 images/);
      assert.throws(() => make(false, { seed: -1 }), /seed/);
      assert.throws(() => make(false, { views: 1.5 }), /views/);
      assert.throws(
        () => new ViewLoader({ data: { images, labels: labels.narrow(0, 0, 10) }, pipeline, batchSize: 8, seed: 0 }),
        /labels must have shape \[300\]/,
      );
    } finally {
      float.dispose();
    }
  });
});
