/**
 * Benchmark runner: `npm run bench` runs the quick benchmarks, `npm run bench
 * -- NAME…` the named ones. Each result is one JSON line on stdout
 * ({bench, case, specl, reference, ratio, unit}, ratio = specl ÷ reference,
 * higher is better); progress goes to stderr. See bench/README.md.
 */
import { augment } from './augment.ts';
import { dashboardBench } from './dashboard.ts';
import { eigs } from './eigs.ts';
import { gemm } from './gemm.ts';
import { knnGraphBench } from './knn-graph.ts';
import { benchLine, printLine } from './lib/output.ts';
import type { Benchmark, BenchOptions } from './lib/types.ts';
import { loaderOverlap } from './loader-overlap.ts';
import { opOverhead } from './op-overhead.ts';
import { pretrainParity } from './pretrain-parity.ts';
import { pretrainQuality } from './pretrain-quality.ts';
import { trainStep } from './train-step.ts';

/** Every benchmark, in the order `npm run bench` runs the quick ones. */
const BENCHMARKS: readonly Benchmark[] = [
  gemm,
  opOverhead,
  trainStep,
  augment,
  loaderOverlap,
  pretrainParity,
  pretrainQuality,
  knnGraphBench,
  eigs,
  dashboardBench,
];

const USAGE = `usage: npm run bench -- [NAME…] [--repeats N] [--case SUBSTRING] [--threads N] [--list]
  no NAME: every quick benchmark; --repeats: timed runs per side; --case: only matching cases;
  --threads: intra-op threads for specl and PyTorch alike (default: all cores)`;

function available(): string {
  return BENCHMARKS.map((b) => `  ${b.name.padEnd(12)} ${b.quick ? 'quick' : '     '}  ${b.description}`).join('\n');
}

function positiveInt(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < 1)
    throw new Error(`${flag} expects a positive integer, got '${v}'`);
  return n;
}

function parseArgs(argv: string[]): { names: string[]; options: BenchOptions; list: boolean } {
  const names: string[] = [];
  const options: BenchOptions = {};
  let list = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      names.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const value = (): string | undefined => (eq < 0 ? argv[++i] : arg.slice(eq + 1));
    if (flag === '--repeats') options.repeats = positiveInt(flag, value());
    else if (flag === '--threads') options.threads = positiveInt(flag, value());
    else if (flag === '--case') {
      const v = value();
      if (!v) throw new Error('--case expects a substring of a case name');
      options.case = v;
    } else if (flag === '--list' || flag === '--help') list = true;
    else throw new Error(`unknown option ${flag}\n${USAGE}`);
  }
  return { names, options, list };
}

async function main(): Promise<number> {
  const { names, options, list } = parseArgs(process.argv.slice(2));
  if (list) {
    process.stderr.write(`${USAGE}\n\nbenchmarks:\n${available()}\n`);
    return 0;
  }
  const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark ${unknown.join(', ')}; available:\n${available()}\n`);
    return 2;
  }
  const selected =
    names.length > 0 ? BENCHMARKS.filter((b) => names.includes(b.name)) : BENCHMARKS.filter((b) => b.quick);
  let failed = 0;
  for (const b of selected) {
    const t0 = performance.now();
    let lines = 0;
    try {
      await b.run({
        options,
        emit: (r) => {
          lines++;
          printLine(benchLine(b.name, r));
        },
        log: (m) => process.stderr.write(`[${b.name}] ${m}\n`),
      });
      if (lines === 0) process.stderr.write(`[${b.name}] no case matches --case ${options.case}\n`);
      process.stderr.write(`[${b.name}] done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    } catch (e) {
      failed++;
      process.stderr.write(`[${b.name}] FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
