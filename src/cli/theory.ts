/**
 * `specl theory <check>`: the talk's theorems checked numerically. Each check
 * writes `<out>/<check>.json` (every number) and its SVG figures, and prints a
 * short table.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  BLOCK_TRANSFER_OPTIONS,
  type BlockTransferOptions,
  blockTransferCheck,
} from '../experiments/theory/block-transfer.ts';
import {
  CONNECTIVITY_OPTIONS,
  type ConnectivityOptions,
  connectivityCheck,
  connectivityPeakMemory,
} from '../experiments/theory/connectivity.ts';
import {
  LEARNED_OPTIONS,
  type LearnedOptions,
  learnedFeaturesCheck,
  learnedPeakMemory,
} from '../experiments/theory/learned.ts';
import {
  OPTIMUM_OPTIONS,
  type OptimumOptions,
  optimumCheck,
  optimumPeakMemory,
} from '../experiments/theory/optimum.ts';
import { REAL_OPTIONS, type RealGraphOptions, realGraphCheck } from '../experiments/theory/real.ts';
import {
  SEPARABILITY_OPTIONS,
  type SeparabilityOptions,
  separabilityCheck,
  separabilityPeakMemory,
} from '../experiments/theory/separability.ts';
import type { Schema } from '../options/index.ts';
import {
  blockTransferFigures,
  connectivityFigures,
  type Figures,
  learnedFigures,
  optimumFigures,
  realFigures,
  separabilityFigures,
} from '../report/theory-figures.ts';
import { defaultMemoryLimit, formatBytes } from '../theory/memory.ts';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-write.ts';
import { flagHelp, flagsOf, parseFlags } from './option-flags.ts';
import { formatTable, pct } from './table.ts';

/** A check: what it shows, its options (declared once, in its experiment file) and how it runs. */
interface TheoryCheck {
  help: string;
  schema: Schema;
  /** Runs the check on the options the flags gave (the check fills in the defaults). */
  run: (options: Record<string, unknown>) => Promise<{ result: unknown; figures: Figures; table: string }>;
  /** The check's estimated peak memory in bytes for these options (its dense N×N matrices). */
  peakMemory?: (options: Record<string, unknown>) => number;
}

/** From this estimated peak on, the command says how much memory the check will take before it starts. */
const MEMORY_NOTICE_BYTES = 2 ** 30;

/** Where the JSON and the figures go unless --out says otherwise. */
const OUT_DEFAULT = join('out', 'theory');

/** The command's own flags (not options of a check). */
const COMMAND_FLAGS = {
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const COMMAND_HELP: [string, string][] = [
  ['--out DIR', `output folder for <check>.json and the SVG figures (default: ${OUT_DEFAULT})`],
  ['--json', 'print the JSON instead of the table'],
  ['--help', 'this help'],
];

const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : '—');
const sci = (x: number) => (Number.isFinite(x) ? x.toExponential(2) : '—');

/** Typed arrays as plain arrays, so the JSON holds lists of numbers. */
function plain(v: unknown): unknown {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

const CHECKS: Record<string, TheoryCheck> = {
  optimum: {
    help: 'gradient descent on ‖Ā − FFᵀ‖² reaches the Eckart–Young optimum; F = U_kΛ_k^½ up to rotation',
    schema: OPTIMUM_OPTIONS,
    peakMemory: (options) => optimumPeakMemory(options as OptimumOptions),
    async run(options) {
      const r = optimumCheck(options as OptimumOptions);
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
    schema: LEARNED_OPTIONS,
    peakMemory: (options) => learnedPeakMemory(options as LearnedOptions),
    async run(options) {
      const r = learnedFeaturesCheck(options as LearnedOptions);
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
    schema: SEPARABILITY_OPTIONS,
    peakMemory: (options) => separabilityPeakMemory(options as SeparabilityOptions),
    async run(options) {
      const r = separabilityCheck(options as SeparabilityOptions);
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
    schema: CONNECTIVITY_OPTIONS,
    peakMemory: (options) => connectivityPeakMemory(options as ConnectivityOptions),
    async run(options) {
      const r = connectivityCheck(options as ConnectivityOptions);
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
    schema: REAL_OPTIONS,
    async run(options) {
      const r = await realGraphCheck(options as RealGraphOptions);
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
  'block-transfer': {
    help: 'a class × domain block graph: target accuracy of a source-fitted head on its exact embedding as α/γ crosses 1',
    schema: BLOCK_TRANSFER_OPTIONS,
    async run(options) {
      const r = blockTransferCheck(options as BlockTransferOptions);
      const table = formatTable(
        ['α/γ', 'α', 'target', 'source', 'λ class', 'λ class×domain', 'gap λ_k − λ_{k+1}', 'eigenvalue error'],
        r.rows.map((x) => [
          String(x.ratio),
          sci(x.alpha),
          pct(x.accuracy),
          pct(x.sourceAccuracy),
          f4(x.classValue),
          f4(x.classDomainValue),
          sci(x.gap),
          sci(x.eigenvalueError),
        ]),
      );
      const { classes, domains, rho, beta, gamma, k } = r.settings;
      const head = `C ${classes}, D ${domains}, ρ ${rho}, β ${beta}, γ ${gamma}, k ${k}; predicted: 100 % wherever α > γ (and β > γ)
`;
      return { result: r, figures: blockTransferFigures(r), table: head + table };
    },
  },
};

/**
 * A line on stderr before a check whose dense matrices will take a lot of
 * memory (and, with their O(N³) eigendecomposition, a long time), so a big
 * run does not start in silence. Nothing when the estimate fits easily, when
 * the options are bad or the estimate exceeds the limit: the check itself
 * then refuses, with the same numbers.
 */
function memoryNotice(name: string, check: TheoryCheck, options: Record<string, unknown>): void {
  let bytes: number;
  try {
    bytes = check.peakMemory?.(options) ?? 0;
  } catch {
    return;
  }
  const limit = defaultMemoryLimit();
  if (bytes < MEMORY_NOTICE_BYTES || bytes > limit) return;
  process.stderr.write(
    `theory ${name}: about ${formatBytes(bytes)} of memory at its peak (${formatBytes(limit)} allowed); its dense eigendecomposition takes time growing as N³\n`,
  );
}

function usage(): string {
  const width = Math.max(...Object.keys(CHECKS).map((n) => n.length)) + 1;
  const rows = Object.entries(CHECKS).map(([name, c]) => `  ${name.padEnd(width)} ${c.help}`);
  return `usage: specl theory <check> [options] [--out DIR] [--json]\n\nchecks:\n${rows.join('\n')}\n\nspecl theory <check> --help for its options; every check writes <out>/<check>.json and SVG figures`;
}

/** `specl theory <check> --help`: the check's flags, defaults and help, all from its schema. */
export function checkUsage(name: string): string {
  const check = CHECKS[name];
  if (!check) throw new Error(`theory: unknown check '${name}' (expected: ${Object.keys(CHECKS).join(', ')})`);
  return `usage: specl theory ${name} [options]\n  ${check.help}\n\noptions:\n${flagHelp(flagsOf(check.schema, { all: true }), COMMAND_HELP)}`;
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
  const parsed = parseFlags(rest, flagsOf(check.schema, { all: true }), COMMAND_FLAGS);
  const command = parsed.rest as { out?: string; json?: boolean; help?: boolean };
  if (command.help) {
    console.log(checkUsage(name));
    return;
  }
  const options = Object.fromEntries(parsed.values);
  memoryNotice(name, check, options);
  const { result: raw, figures, table } = await check.run(options);
  const result = plain(raw);
  const out = resolve(command.out ?? OUT_DEFAULT);
  mkdirSync(out, { recursive: true });
  writeJsonAtomic(join(out, `${name}.json`), result);
  for (const [file, svg] of Object.entries(figures)) writeFileAtomic(join(out, file), svg);
  if (command.json) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  console.log(table);
  console.log(`\nwrote ${join(out, `${name}.json`)} and ${Object.keys(figures).join(', ')}`);
}
