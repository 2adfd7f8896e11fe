/** What a benchmark is and what it reports. */

/**
 * One result: the same workload measured through specl and through the
 * reference (PyTorch), in `unit`, where higher is better. ratio = specl ÷ reference,
 * so 1 means parity and 0.95 means specl reaches 95 % of the reference.
 */
export interface BenchLine {
  bench: string;
  case: string;
  specl: number;
  reference: number;
  ratio: number;
  unit: string;
}

/** Options every benchmark understands (all optional; each benchmark has its own defaults). */
export interface BenchOptions {
  /** Timed runs per side, alternated specl, reference, specl, reference, … */
  repeats?: number;
  /** Only cases whose name contains this substring. */
  case?: string;
  /** Intra-op threads for both sides (default: specl's own, i.e. all cores). */
  threads?: number;
}

/** What a benchmark's `run` gets from the harness. */
export interface BenchContext {
  options: BenchOptions;
  /** Prints one result as a JSON line on stdout. */
  emit(line: Omit<BenchLine, 'ratio' | 'bench'>): void;
  /** Progress and diagnostics, on stderr (stdout carries only JSON lines). */
  log(message: string): void;
}

export interface Benchmark {
  name: string;
  /** Part of the default `npm run bench` set: finishes in under 5 minutes on 2 cores. */
  quick: boolean;
  description: string;
  run(ctx: BenchContext): Promise<void>;
}
