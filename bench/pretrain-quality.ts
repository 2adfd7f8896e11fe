/**
 * pretrain-quality: every method on MNIST and Fashion-MNIST with the small
 * ConvNet under the same wall-clock budget (5 minutes of pretraining per run
 * on 2 cores, SPECL_QUALITY_MINUTES overrides; SPECL_QUALITY_DATASETS=mnist
 * runs one dataset), one seed each; then spectral
 * and the best peer for 3 seeds on Fashion-MNIST. Reported: linear-probe and
 * kNN top-1 on the test split. The "reference" of each line is the same
 * probe on raw pixels — the floor every number should clear; ratio =
 * learned ÷ raw pixels. Takes about 135 minutes for the nine methods (22 runs
 * of about 6 minutes, measured with the 512-d ConvNet); not part of the quick set.
 * The run folders stay in bench/out/pretrain-quality/ for `specl compare`.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type LabeledDataset, loadDataset, normalizationStats } from '../src/data/index.ts';
import { type EncoderEvaluation, evaluatePixels } from '../src/eval/index.ts';
import { METHOD_NAMES, methodDefinition } from '../src/methods/index.ts';
import type { MethodName } from '../src/methods/method.ts';
import { pretrain } from '../src/train/index.ts';
import { benchThreads } from './lib/threads.ts';
import type { BenchContext, Benchmark } from './lib/types.ts';

const OUT = new URL('./out/pretrain-quality/', import.meta.url).pathname;
const DATASETS = ['mnist', 'fashion-mnist'] as const;

async function one(ctx: BenchContext, method: MethodName, data: LabeledDataset, minutes: number, seed: number) {
  const out = join(OUT, `${method}-${data.name}-seed${seed}`);
  rmSync(out, { recursive: true, force: true });
  const r = await pretrain({ settings: { method, minutes, seed }, data, out });
  r.encoder.dispose();
  r.method.dispose();
  const s = r.summary;
  if (!s?.evaluation) throw new Error(`${out}: no evaluation`);
  ctx.log(
    `${method} ${data.name} seed ${seed}: ${s.steps} steps (${s.epochs.toFixed(2)} epochs), ${Math.round(s.imagesPerSecond)} img/s, ` +
      `probe ${(s.evaluation.linearProbe * 100).toFixed(2)}%, kNN ${(s.evaluation.knn * 100).toFixed(2)}%`,
  );
  return s.evaluation;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / Math.max(1, xs.length - 1));

export const pretrainQuality: Benchmark = {
  name: 'pretrain-quality',
  quick: false,
  description:
    'every method, MNIST + Fashion-MNIST, ConvNet, 5 min each; then 3 seeds of spectral and the best peer (≈135 min)',
  async run(ctx) {
    benchThreads(ctx.options);
    const minutes = Number(process.env.SPECL_QUALITY_MINUTES ?? 5);
    const wanted = (c: string) => ctx.options.case === undefined || c.includes(ctx.options.case);
    const fashion: Record<string, EncoderEvaluation> = {};
    let floorFashion: EncoderEvaluation | null = null;
    const only = process.env.SPECL_QUALITY_DATASETS?.split(',');
    for (const name of DATASETS) {
      if (only && !only.includes(name)) continue;
      const data = await loadDataset(name);
      const floor = evaluatePixels(data, normalizationStats(data.name, data.train));
      if (name === 'fashion-mnist') floorFashion = floor;
      ctx.log(
        `${name} raw pixels: probe ${(floor.linearProbe * 100).toFixed(2)}%, kNN ${(floor.knn * 100).toFixed(2)}%`,
      );
      // DANN needs a dataset with domains: it is measured by the transfer experiment, not here.
      for (const method of METHOD_NAMES.filter((m) => !methodDefinition(m).needsDomains)) {
        if (!wanted(`${method}-${name}`)) continue;
        const e = await one(ctx, method, data, minutes, 0);
        if (name === 'fashion-mnist') fashion[method] = e;
        ctx.emit({
          case: `${method}-${name}-probe`,
          specl: e.linearProbe * 100,
          reference: floor.linearProbe * 100,
          unit: 'probe top-1 % (ref: raw pixels)',
        });
        ctx.emit({
          case: `${method}-${name}-knn`,
          specl: e.knn * 100,
          reference: floor.knn * 100,
          unit: 'kNN top-1 % (ref: raw pixels)',
        });
      }
    }
    // Three seeds of spectral and of the best self-supervised peer on Fashion-MNIST.
    const peers = Object.entries(fashion).filter(([m]) => m !== 'spectral' && m !== 'supervised');
    if (!floorFashion || !fashion.spectral || peers.length === 0 || !wanted('seeds')) return;
    const best = peers.sort((a, b) => b[1].linearProbe - a[1].linearProbe)[0]?.[0] as MethodName;
    const data = await loadDataset('fashion-mnist');
    for (const method of ['spectral', best] as MethodName[]) {
      const runs = [(fashion[method] as EncoderEvaluation).linearProbe];
      for (const seed of [1, 2]) runs.push((await one(ctx, method, data, minutes, seed)).linearProbe);
      ctx.log(
        `${method} fashion-mnist, 3 seeds: probe ${(mean(runs) * 100).toFixed(2)} ± ${(std(runs) * 100).toFixed(2)}%`,
      );
      ctx.emit({
        case: `${method}-fashion-mnist-3seeds-probe`,
        specl: mean(runs) * 100,
        reference: floorFashion.linearProbe * 100,
        unit: 'mean probe top-1 % over seeds 0-2 (ref: raw pixels)',
      });
    }
  },
};
