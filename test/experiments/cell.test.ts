/**
 * A cell's evaluation subset: balanced, the same images every time, refused where a class is too small;
 * evaluation.dataset routes every cell's probe to one dataset.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  checkCells,
  DatasetCache,
  evaluateCell,
  evaluationSubset,
  expandGrid,
  prepareExperiment,
  readExperiment,
  runCell,
  specFrom,
} from '../../src/experiments/index.ts';
import { type Tensor, tidy } from '../../src/tensor/index.ts';
import { RunBusyError } from '../../src/train/run-lock.ts';
import { smallMnist } from '../train/fixtures/small-mnist.ts';

/** Each image's pixel sum (a fingerprint of which images a split holds). */
const imageSums = (t: Tensor): number[] =>
  tidy(() => Array.from(t.sum([1, 2, 3]).data() as ArrayLike<number | bigint>, Number));

const counts = (labels: BigInt64Array) => {
  const c = new Array<number>(10).fill(0);
  for (const y of labels) c[Number(y)]++;
  return c;
};

test('evaluation.subset: exactly trainPerClass and testPerClass images of each class, the same on every call', () => {
  const data = smallMnist(2000, 1000);
  const a = evaluationSubset(data, { trainPerClass: 50, testPerClass: 20 });
  const b = evaluationSubset(data, { trainPerClass: 50, testPerClass: 20 });
  assert.deepEqual(counts(a.train.labels.data() as BigInt64Array), new Array(10).fill(50));
  assert.deepEqual(counts(a.test.labels.data() as BigInt64Array), new Array(10).fill(20));
  assert.deepEqual(imageSums(a.train.images), imageSums(b.train.images));
  assert.throws(
    () => evaluationSubset(data, { trainPerClass: 5000, testPerClass: 1 }),
    /evaluation\.subset on mnist \(train\): labeledSubset: class 0 needs 5000 images/,
  );
  for (const d of [a, b, data]) for (const s of [d.train, d.test]) for (const t of [s.images, s.labels]) t.dispose();
  assert.throws(
    () => specFrom({ name: 'x', evaluation: { subset: { trainPerClass: 0, testPerClass: 1 } } }, 'x.yaml'),
    /x\.yaml: evaluation\.subset must be null or \{trainPerClass, testPerClass\}, both positive integers/,
  );
});

test('evaluation.dataset: every cell is probed on that dataset instead of its own; a bad one is refused early', async () => {
  const probeSpec = 'two-part-probe:mnist?train-per-class=30,test-per-class=20';
  const spec = specFrom(
    {
      name: 'x',
      base: { dataset: 'mnist' },
      axes: [{ name: 'method', values: ['pixels'] }],
      evaluation: { dataset: probeSpec },
    },
    'x.yaml',
  );
  assert.equal(spec.evaluation.dataset, probeSpec);
  const datasets = new DatasetCache();
  const own = smallMnist(500, 200);
  try {
    const norm = { mean: [0.1307], std: [0.3081] };
    const probeData = await datasets.get(probeSpec);
    // The routing: the cell on MNIST scores exactly what the probe set scores on its own; MNIST's own differs.
    const there = await evaluateCell(null, norm, own, spec.evaluation, datasets);
    const direct = await evaluateCell(null, norm, probeData, { ...spec.evaluation, dataset: null }, datasets);
    const mine = await evaluateCell(null, norm, own, { ...spec.evaluation, dataset: null }, datasets);
    assert.deepEqual(there, direct);
    assert.notEqual(there.probe, mine.probe);
    assert.equal(probeData.classes.length, 5);
    // A misspelt evaluation dataset fails in checkCells, before any cell trains, naming it.
    const bad = specFrom({ ...spec, evaluation: { dataset: 'two-part-probe:mnsit' } }, 'x.yaml');
    await assert.rejects(
      checkCells({ version: 1, spec: bad, cells: expandGrid(bad) }, datasets),
      /experiment x: evaluation dataset two-part-probe:mnsit: /,
    );
  } finally {
    datasets.dispose();
    for (const s of [own.train, own.test]) for (const t of [s.images, s.labels]) t.dispose();
  }
  assert.throws(
    () => specFrom({ name: 'x', evaluation: { dataset: 3 } }, 'x.yaml'),
    /x\.yaml: evaluation\.dataset must be null \(each cell's own dataset\) or a dataset spec such as two-part-probe:mnist, got 3/,
  );
});

test('an experiment.json written before evaluation.dataset existed reads as dataset null and matches its spec', () => {
  const dir = mkdtempSync(join(tmpdir(), 'specl-upgrade-'));
  try {
    const spec = specFrom({ name: 'x', axes: [{ name: 'method', values: ['pixels'] }] }, 'x.yaml');
    prepareExperiment(dir, spec);
    const path = join(dir, 'experiment.json');
    const file = JSON.parse(readFileSync(path, 'utf8'));
    delete file.spec.evaluation.dataset;
    writeFileSync(path, JSON.stringify(file));
    assert.equal(readExperiment(dir).spec.evaluation.dataset, null);
    assert.doesNotThrow(() => prepareExperiment(dir, spec));
    assert.throws(
      () => prepareExperiment(dir, { ...spec, evaluation: { ...spec.evaluation, dataset: 'fashion-mnist' } }),
      /holds another experiment/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a cell's evaluation holds the cell folder's lock: a live holder refuses it, a dead one's lock is taken over", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'specl-cell-lock-'));
  const datasets = new DatasetCache();
  const holder = spawn('sleep', ['120'], { stdio: 'ignore' });
  try {
    const spec = specFrom(
      {
        name: 'x',
        base: { dataset: 'mnist' },
        axes: [{ name: 'method', values: ['pixels'] }],
        evaluation: { subset: { trainPerClass: 20, testPerClass: 10 } },
      },
      'x.yaml',
    );
    const [cell] = expandGrid(spec);
    assert.ok(cell && cell.kind === 'pixels');
    const cellFolder = join(dir, cell.id);
    mkdirSync(cellFolder);
    const lockFile = join(cellFolder, 'lock');
    const claim = (pid: number) =>
      writeFileSync(lockFile, JSON.stringify({ pid, host: hostname(), started: new Date().toISOString() }));
    claim(holder.pid as number);
    await assert.rejects(runCell(cellFolder, cell, spec.evaluation, datasets), (e: Error) => {
      assert.ok(e instanceof RunBusyError, String(e));
      assert.match(e.message, new RegExp(`pid ${holder.pid}`));
      return true;
    });
    assert.ok(!existsSync(join(cellFolder, 'cell.json')), 'no cell.json while another process holds the cell');
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    const done = await runCell(cellFolder, cell, spec.evaluation, datasets);
    assert.equal('result' in done && done.skipped, false);
    assert.ok(existsSync(join(cellFolder, 'cell.json')));
    assert.ok(!existsSync(lockFile), 'the lock is released after cell.json is written');
    // Finished: a second call skips it without touching the lock.
    const again = await runCell(cellFolder, cell, spec.evaluation, datasets);
    assert.equal('result' in again && again.skipped, true);
  } finally {
    holder.kill('SIGKILL');
    datasets.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
