/**
 * `specl theory <check>`: the talk's theorems checked numerically. Each check
 * writes `<out>/<check>.json` (every number) and its SVG figures, and prints a
 * short table.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { connectivityCheck } from '../experiments/theory/connectivity.ts';
import { learnedFeaturesCheck } from '../experiments/theory/learned.ts';
import { optimumCheck } from '../experiments/theory/optimum.ts';
import { realGraphCheck } from '../experiments/theory/real.ts';
import { separabilityCheck } from '../experiments/theory/separability.ts';
import {
  connectivityFigures,
  type Figures,
  learnedFigures,
  optimumFigures,
  realFigures,
  separabilityFigures,
} from '../report/theory-figures.ts';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-write.ts';
import { finiteNumber, positiveInt } from './args.ts';
import { formatTable, pct } from './table.ts';

type Values = Record<string, string | boolean | undefined>;
type Check = {
  help: string;
  options: Record<string, { type: 'string' | 'boolean'; help: string }>;
  run: (v: Values) => Promise<{ result: unknown; figures: Figures; table: string }>;
};

const int = (v: Values, name: string): number | undefined =>
  v[name] === undefined ? undefined : positiveInt(v[name] as string, `--${name}`);
const num = (v: Values, name: string, min = 0): number | undefined =>
  v[name] === undefined ? undefined : finiteNumber(v[name] as string, `--${name}`, min);
const intOrAuto = (v: Values, name: string): number | 'auto' | undefined =>
  v[name] === 'auto' ? 'auto' : int(v, name);
const seed = (v: Values): number | undefined =>
  v.seed === undefined ? undefined : positiveInt(v.seed as string, '--seed', true);
const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : '—');
const sci = (x: number) => (Number.isFinite(x) ? x.toExponential(2) : '—');

/** Typed arrays as plain arrays, so the JSON holds lists of numbers. */
function plain(v: unknown): unknown {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

function oneOf<T extends string>(v: Values, name: string, allowed: readonly T[]): T | undefined {
  const x = v[name] as string | undefined;
  if (x === undefined) return undefined;
  if (!allowed.includes(x as T)) throw new Error(`--${name} expects one of ${allowed.join(', ')}, got '${x}'`);
  return x as T;
}

const CHECKS: Record<string, Check> = {
  optimum: {
    help: 'gradient descent on ‖Ā − FFᵀ‖² reaches the Eckart–Young optimum; F = U_kΛ_k^½ up to rotation',
    options: {
      manifolds: { type: 'string', help: 'r manifolds (default 3)' },
      vertices: { type: 'string', help: 'N augmented vertices (default 600)' },
      sigma: { type: 'string', help: 'augmentation σ (default 0.5)' },
      k: { type: 'string', help: "embedding dimension or 'auto' (largest eigengap, default)" },
      steps: { type: 'string', help: 'gradient steps' },
    },
    async run(v) {
      const r = optimumCheck({
        manifolds: int(v, 'manifolds'),
        vertices: int(v, 'vertices'),
        sigma: num(v, 'sigma'),
        k: intOrAuto(v, 'k'),
        steps: int(v, 'steps'),
        seed: seed(v),
      });
      const table = formatTable(
        ['quantity', 'value'],
        [
          ['vertices N, k', `${r.vertices}, ${r.k}`],
          ['eigengap λ_k − λ_{k+1}', f4(r.eigengap)],
          ['Eckart–Young optimum Σ_{i>k} λᵢ²', f4(r.eckartYoung)],
          ['loss reached ‖Ā − FFᵀ‖²', f4(r.finalLoss)],
          ['relative gap', sci(r.relativeGap)],
          ['Procrustes residual of F', sci(r.procrustesResidual)],
          ['embedding residual of f', sci(r.embeddingResidual)],
          ['seconds', r.seconds.toFixed(1)],
        ],
      );
      return { result: r, figures: optimumFigures(r), table };
    },
  },
  learned: {
    help: 'an MLP trained with the spectral contrastive loss spans the top-k eigenvectors (principal angles)',
    options: {
      manifolds: { type: 'string', help: 'r manifolds (default 2; the issue also checks 5)' },
      sigma: { type: 'string', help: 'augmentation σ' },
      k: { type: 'string', help: "feature dimension or 'auto' (default)" },
      steps: { type: 'string', help: 'Adam steps' },
      vertices: { type: 'string', help: 'N vertices of the Nyström matrix' },
    },
    async run(v) {
      const r = learnedFeaturesCheck({
        manifolds: int(v, 'manifolds') ?? 2,
        sigma: num(v, 'sigma'),
        k: intOrAuto(v, 'k'),
        steps: int(v, 'steps'),
        vertices: int(v, 'vertices'),
        seed: seed(v),
      });
      const table = formatTable(
        ['quantity', 'value'],
        [
          ['manifolds r, k', `${r.settings.manifolds}, ${r.k}`],
          ['eigengap λ_k − λ_{k+1}', f4(r.eigengap)],
          ['mean cos of principal angles (trained)', f4(r.meanCosine)],
          ['mean cos of principal angles (random init)', f4(r.randomInitMeanCosine)],
          ['loss reached / optimum', `${f4(r.finalLoss)} / ${f4(r.optimalLoss)}`],
          [
            'Procrustes residual to U_kΛ_k^½ (trained / random)',
            `${f4(r.procrustesResidual)} / ${f4(r.randomInitProcrustesResidual)}`,
          ],
          ['clipped rows (μ-ball)', pct(r.clippedFraction)],
          ['seconds', r.seconds.toFixed(1)],
        ],
      );
      return { result: { ...r, embedding2d: undefined }, figures: learnedFigures(r), table };
    },
  },
  separability: {
    help: 'linear-probe accuracy of the top-k spectral embedding against k; U_r rows as cluster indicators',
    options: {
      manifolds: { type: 'string', help: 'r manifolds (default 4)' },
      separation: { type: 'string', help: 'distance between manifolds in units of their spread (default 2)' },
      vertices: { type: 'string', help: 'N augmented vertices (default 1000)' },
      'max-k': { type: 'string', help: 'largest k probed (default 3r)' },
      labels: { type: 'string', help: 'manifold (default) | subcluster' },
      graph: { type: 'string', help: 'auto (default) | exact | knn' },
    },
    async run(v) {
      const r = separabilityCheck({
        manifolds: int(v, 'manifolds'),
        separation: num(v, 'separation'),
        vertices: int(v, 'vertices'),
        maxK: int(v, 'max-k'),
        labels: oneOf(v, 'labels', ['manifold', 'subcluster'] as const),
        graph: oneOf(v, 'graph', ['auto', 'exact', 'knn'] as const),
        seed: seed(v),
      });
      const table = formatTable(
        ['k', 'train', 'test'],
        r.accuracyByK.map((a) => [a.k, pct(a.train), pct(a.test)]),
      );
      const tail = `\nclasses ${r.classes}, chance ${pct(r.chance)}, one-hot score of U_${r.classes} rows ${f4(r.oneHotScore)}`;
      return { result: r, figures: separabilityFigures(r), table: table + tail };
    },
  },
  connectivity: {
    help: 'conductance inside vs across manifolds and the eigengap as augmentation σ grows',
    options: {
      manifolds: { type: 'string', help: 'r manifolds (default 3)' },
      vertices: { type: 'string', help: 'N vertices (default 600)' },
      separation: { type: 'string', help: 'distance between manifolds in units of their spread (default 6)' },
    },
    async run(v) {
      const r = connectivityCheck({
        manifolds: int(v, 'manifolds'),
        vertices: int(v, 'vertices'),
        separation: num(v, 'separation'),
        seed: seed(v),
      });
      const table = formatTable(
        ['σ', 'φ across', 'φ inside', 'λ_r', 'λ_{r+1}', 'gap'],
        r.rows.map((x) => [
          sci(x.sigma),
          f4(x.acrossConductance),
          f4(x.insideConductance),
          f4(x.lambdaR),
          f4(x.lambdaNext),
          f4(x.eigengap),
        ]),
      );
      return {
        result: r,
        figures: connectivityFigures(r),
        table: `${table}\nlargest eigengap at σ = ${sci(r.bestSigma)}`,
      };
    },
  },
  real: {
    help: 'the positive-pair graph of real images: edge weight inside classes, near-1 eigenvalues vs classes',
    options: {
      dataset: { type: 'string', help: 'dataset (default mnist)' },
      images: { type: 'string', help: 'N images, balanced over classes (default 2000)' },
      augmentations: { type: 'string', help: 'M views per image (default 5)' },
      neighbors: { type: 'string', help: 'nearest neighbours per view (default 10)' },
      preset: { type: 'string', help: 'augmentation preset (default: mnist for 1 channel, cifar for 3)' },
      run: { type: 'string', help: "a pretraining run folder: neighbours in its encoder's feature space" },
    },
    async run(v) {
      const r = await realGraphCheck({
        dataset: v.dataset as string | undefined,
        images: int(v, 'images'),
        augmentations: int(v, 'augmentations'),
        k: int(v, 'neighbors'),
        preset: v.preset as string | undefined,
        run: v.run as string | undefined,
        seed: seed(v),
      });
      const f = r.edgeFractions;
      const table = formatTable(
        ['quantity', 'value'],
        [
          ['vertices (images × views)', `${r.vertices} (${r.images} × ${r.augmentations}), ${r.space}`],
          [
            'edge weight same image / same class / other',
            `${pct(f.sameImage)} / ${pct(f.sameClass)} / ${pct(f.otherClass)}`,
          ],
          ['edge weight inside classes', pct(f.insideClass)],
          [`eigenvalues ≥ 1 − ${r.epsilon}`, `${r.nearOne} (classes: ${r.classes})`],
          ['largest gap after eigenvalue', String(r.gapIndex)],
          ['mean class conductance', f4(r.classConductance.reduce((a, b) => a + b, 0) / r.classConductance.length)],
          ['neighbour vote accuracy', pct(r.purity.vote)],
          ['seconds', r.seconds.toFixed(1)],
        ],
      );
      return { result: r, figures: realFigures(r), table };
    },
  },
};

function usage(): string {
  const rows = Object.entries(CHECKS).map(([name, c]) => `  ${name.padEnd(13)} ${c.help}`);
  return `usage: specl theory <check> [--out DIR] [--seed N] [--json] [options]\n\nchecks:\n${rows.join('\n')}\n\nspecl theory <check> --help for its options; every check writes <out>/<check>.json and SVG figures`;
}

/** `specl theory <check> …`. */
export async function theoryCommand(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    console.log(usage());
    return;
  }
  const check = CHECKS[name];
  if (!check) throw new Error(`theory: unknown check '${name}' (expected: ${Object.keys(CHECKS).join(', ')})`);
  const options = Object.fromEntries(Object.entries(check.options).map(([k, o]) => [k, { type: o.type }])) as Record<
    string,
    { type: 'string' | 'boolean' }
  >;
  const { values } = parseArgs({
    args: rest,
    options: {
      ...options,
      out: { type: 'string', default: join('out', 'theory') },
      seed: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    const rows = Object.entries(check.options).map(([k, o]) => `  --${k.padEnd(14)} ${o.help}`);
    console.log(
      `usage: specl theory ${name} [options]\n  ${check.help}\n\n${rows.join('\n')}\n  --out DIR        output folder (default out/theory)\n  --seed N         seed (default 0)\n  --json           print the JSON instead of the table`,
    );
    return;
  }
  const { result: raw, figures, table } = await check.run(values);
  const result = plain(raw);
  const out = resolve(values.out as string);
  mkdirSync(out, { recursive: true });
  writeJsonAtomic(join(out, `${name}.json`), result);
  for (const [file, svg] of Object.entries(figures)) writeFileAtomic(join(out, file), svg);
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  console.log(table);
  console.log(`\nwrote ${join(out, `${name}.json`)} and ${Object.keys(figures).join(', ')}`);
}
