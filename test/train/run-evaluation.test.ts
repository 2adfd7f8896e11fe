/**
 * evaluateRun: the comparison with the baselines written into a run folder
 * (probe.json, knn.json, summary.json's evaluation), the files holding the
 * numbers it returns; a later kNN-only evaluation keeps the probe's number;
 * a run without summary.json gets none.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConvNet } from '../../src/nn/index.ts';
import { Generator } from '../../src/tensor/index.ts';
import {
  evaluateRun,
  featureLabel,
  type KnnReport,
  type ProbeReport,
  UnsavedEvaluationError,
} from '../../src/train/index.ts';
import { smallMnist } from './fixtures/small-mnist.ts';

const root = mkdtempSync(join(tmpdir(), 'specl-run-evaluation-'));
const data = smallMnist(400, 200);
const encoder = new ConvNet({ widths: [8, 16], generator: new Generator(4) });
after(() => {
  encoder.dispose();
  for (const s of [data.train, data.test]) for (const t of [s.images, s.labels]) t.dispose();
  rmSync(root, { recursive: true, force: true });
});

/** A run folder with the config fields evaluation reads (and a summary unless told). */
function runFolder(name: string, summary: boolean): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const config = {
    version: 2,
    method: { name: 'spectral' },
    dataset: 'mnist',
    encoder: { name: 'convnet', inChannels: 1, channelsLast: false, widths: [8, 16] },
    augment: { preset: 'mnist', sigma: null, mean: [0.1307], std: [0.3081] },
    seed: 3,
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  if (summary)
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ method: 'spectral', steps: 7, evaluation: null }));
  return dir;
}
const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

test('evaluateRun writes probe.json, knn.json and summary.json’s evaluation with the numbers it returns', async () => {
  const dir = runFolder('full', true);
  const r = await evaluateRun({ dir, encoder, data, knn: { k: 10 } });
  assert.deepEqual(
    r.rows.map((x) => x.features),
    ['raw pixels (784)', 'random ConvNet (16)', 'spectral ConvNet (16)'],
  );
  assert.equal(featureLabel('encoder', 16, r.config), 'spectral ConvNet (16)');
  assert.deepEqual(r.written, [join(dir, 'probe.json'), join(dir, 'knn.json'), join(dir, 'summary.json')]);
  const probe = readJson<ProbeReport>(join(dir, 'probe.json'));
  assert.deepEqual(probe, JSON.parse(JSON.stringify(r.probe)));
  assert.equal(probe.weights, join(dir, 'encoder.safetensors'));
  assert.deepEqual(
    probe.results.map((x) => [x.features, x.kind, x.dim, x.linearProbe, x.converged, x.iterations, x.stop]),
    r.rows.map((x) => [
      x.features,
      x.kind,
      x.dim,
      x.probe?.top1,
      x.probe?.converged,
      x.probe?.iterations,
      x.probe?.stop,
    ]),
  );
  const knn = readJson<KnnReport>(join(dir, 'knn.json'));
  assert.equal(knn.k, 10);
  assert.equal(knn.temperature, 0.1);
  assert.deepEqual(
    knn.results.map((x) => x.knn),
    r.rows.map((x) => x.knn),
  );
  const summary = readJson<{ steps: number; evaluation: { linearProbe: number; knn: number } }>(
    join(dir, 'summary.json'),
  );
  assert.equal(summary.steps, 7, 'the rest of the summary is kept');
  assert.deepEqual(summary.evaluation, { linearProbe: r.rows[2]?.probe?.top1, knn: r.rows[2]?.knn });

  // A kNN-only evaluation replaces knn.json and the summary's kNN, and keeps its linear probe.
  const again = await evaluateRun({ dir, encoder, data, probe: false, knn: { k: 3 } });
  assert.equal(again.probe, null);
  assert.deepEqual(again.written, [join(dir, 'knn.json'), join(dir, 'summary.json')]);
  assert.equal(readJson<KnnReport>(join(dir, 'knn.json')).k, 3);
  assert.deepEqual(readJson<typeof summary>(join(dir, 'summary.json')).evaluation, {
    linearProbe: r.rows[2]?.probe?.top1,
    knn: again.rows[2]?.knn,
  });
});

test('the random encoder is the run’s architecture seeded with the run’s seed; no summary.json, none written', async () => {
  const dir = runFolder('unfinished', false);
  const r = await evaluateRun({ dir, encoder, data, knn: false });
  assert.deepEqual(r.written, [join(dir, 'probe.json')]);
  assert.ok(!existsSync(join(dir, 'summary.json')));
  assert.ok(!existsSync(join(dir, 'knn.json')));
  // Seeded: the same random row twice.
  const twice = await evaluateRun({ dir, encoder, data, knn: false });
  assert.equal(twice.rows[1]?.probe?.top1, r.rows[1]?.probe?.top1);
});

test("the reports wait for another process's lock, and past 10 s leave the folder as it was, the numbers in the error", async (t) => {
  // A live process of this host holds the run's lock, as a resumed pretraining does.
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
  t.after(() => holder.kill('SIGKILL'));
  const dir = runFolder('locked', true);
  const lock = join(dir, 'lock');
  const text = `${JSON.stringify({ pid: holder.pid, host: hostname(), started: new Date().toISOString() })}\n`;
  const summary = readFileSync(join(dir, 'summary.json'), 'utf8');

  writeFileSync(lock, text);
  const started = Date.now();
  const err = await evaluateRun({ dir, encoder, data, knn: false }).then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(err instanceof UnsavedEvaluationError, `got ${err}`);
  assert.ok(Date.now() - started >= 10_000, 'it waited for the holder');
  assert.match(err.message, new RegExp(`the run is being written by another process \\(pid ${holder.pid} on `));
  assert.match(err.message, /the evaluation's reports were not written$/);
  assert.deepEqual(err.evaluation.written, []);
  assert.ok(!existsSync(join(dir, 'probe.json')));
  assert.equal(readFileSync(join(dir, 'summary.json'), 'utf8'), summary);
  assert.equal(readFileSync(lock, 'utf8'), text, "the holder's lock is left alone");

  // A holder that lets go (before or during the wait): the reports are written, with the numbers the error carried.
  setTimeout(() => unlinkSync(lock), 1500);
  const r = await evaluateRun({ dir, encoder, data, knn: false });
  assert.deepEqual(r.written, [join(dir, 'probe.json'), join(dir, 'summary.json')]);
  assert.deepEqual(
    r.rows.map((x) => x.probe?.top1),
    err.evaluation.rows.map((x) => x.probe?.top1),
  );
  assert.ok(!existsSync(lock), 'released after the writes');
});
