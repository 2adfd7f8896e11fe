/**
 * Every phase of an evaluation reports progress in bounded units of work, so
 * that nothing is silent for long on a slow machine (`specl probe` once
 * printed nothing for 259 s): loading a dataset (an event per decoded
 * image), features (an event per 128 encoder images, per 4096 raw-pixel
 * images), every probe fit including each label-efficiency fit (an event
 * when it starts, one per L-BFGS iteration and one at its end), and the kNN (an event once its
 * bank is ready and per 256 queries). Counted in events per unit of work,
 * never timed.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { disposeDataset, type LoadProgress, loadDataset } from '../../src/data/index.ts';
import { compareWithBaselines, type EvalProgress, type FeatureKind } from '../../src/eval/index.ts';
import { ConvNet } from '../../src/nn/index.ts';
import { Generator } from '../../src/tensor/index.ts';
import { smallMnist } from '../train/fixtures/small-mnist.ts';

const tmp = mkdtempSync(join(tmpdir(), 'specl-progress-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The largest step between consecutive `done` values, counting from 0. */
const largestStep = (done: number[]): number =>
  Math.max(...done.map((d, i) => d - (i === 0 ? 0 : (done[i - 1] as number))));

test('compareWithBaselines with label efficiency: every phase of every feature set reports in bounded steps', () => {
  const data = smallMnist(700, 600);
  const encoder = new ConvNet({ widths: [4, 8, 16], generator: new Generator(1) });
  const random = new ConvNet({ widths: [4, 8, 16], generator: new Generator(2) });
  const events: EvalProgress[] = [];
  const perClass: (number | 'all')[] = [1, 5, 'all'];
  const seeds = [0, 1];
  try {
    compareWithBaselines({
      encoder,
      randomEncoder: random,
      data,
      norm: { mean: [0.1307], std: [0.3081] },
      knn: { k: 10 },
      labelEfficiency: { perClass, seeds },
      // Few iterations per fit: what is counted is events per iteration, not how far the fits get.
      probe: { lbfgs: { maxIterations: 15 } },
      onProgress: (e) => events.push(e),
    });
  } finally {
    encoder.dispose();
    random.dispose();
    disposeDataset(data);
  }
  for (const kind of ['pixels', 'random', 'encoder'] as FeatureKind[]) {
    const mine = events.filter((e) => e.features === kind);
    for (const [split, n] of [
      ['train', 700],
      ['test', 600],
    ] as const) {
      const done = mine.flatMap((e) => (e.phase === 'features' && e.split === split ? [e.done] : []));
      // Pixels: 4096 per block (one block here); an encoder: 128 images per forward pass, so 6 and 5 events.
      const step = kind === 'pixels' ? 4096 : 128;
      assert.equal(done.length, Math.ceil(n / step), `${kind} ${split}: ${done}`);
      assert.ok(largestStep(done) <= step, `${kind} ${split}: ${done}`);
      assert.equal(done.at(-1), n);
    }
    // Fits: the final one, then per m and seed, except 'all' with seed 1 (the seed-free L-BFGS fit is reused).
    const ends = mine.filter((e) => e.phase === 'probe-done');
    assert.deepEqual(
      ends.map((e) => (e.phase === 'probe-done' ? `${e.fit} ${e.perClass ?? ''} ${e.seed ?? ''}`.trim() : '')),
      [
        'final',
        'label-efficiency 1 0',
        'label-efficiency 1 1',
        'label-efficiency 5 0',
        'label-efficiency 5 1',
        'label-efficiency all 0',
      ],
      kind,
    );
    // Between two fit ends, the 'probe' events of the fit that ended: 0 when it started, then one per iteration.
    let at = 0;
    for (const end of ends) {
      const i = mine.indexOf(end);
      const iterations = mine.slice(at, i).flatMap((e) => (e.phase === 'probe' ? [e.iteration] : []));
      assert.ok(end.phase === 'probe-done');
      assert.deepEqual(
        iterations,
        Array.from({ length: end.iterations + 1 }, (_, j) => j),
        `${kind} ${end.fit} ${end.perClass} ${end.seed}`,
      );
      at = i + 1;
    }
    // kNN: once the bank is ready (0), then per block of 256 of the 600 queries.
    const knn = mine.flatMap((e) => (e.phase === 'knn' ? [e.done] : []));
    assert.deepEqual(knn, [0, 256, 512, 600], kind);
  }
});

test('loadDataset reports progress: each decoded image of a folder, the whole of a file format once', async () => {
  const dir = join(tmp, 'pics');
  for (const c of ['a', 'b']) {
    mkdirSync(join(dir, c), { recursive: true });
    for (let i = 0; i < 5; i++)
      await sharp(Buffer.alloc(4 * 4 * 3, 40 * i), { raw: { width: 4, height: 4, channels: 3 } })
        .png()
        .toFile(join(dir, c, `${i}.png`));
  }
  const seen: LoadProgress[] = [];
  const d = await loadDataset(`folder:${dir}`, { onProgress: (p) => seen.push({ ...p }) });
  assert.deepEqual(
    seen,
    Array.from({ length: 10 }, (_, i) => ({ done: i + 1, total: 10 })),
  );
  disposeDataset(d);
  const idx: LoadProgress[] = [];
  const m = await loadDataset('mnist', { onProgress: (p) => idx.push({ ...p }) });
  assert.deepEqual(idx, [{ done: 70_000, total: 70_000 }]);
  disposeDataset(m);
});
