/** The JSON-lines output of `npm run bench`. */
import type { BenchLine } from './types.ts';

/** Rounds for display without hiding small ratios (4 significant digits). */
const round = (x: number): number => (Number.isFinite(x) ? Number(x.toPrecision(4)) : x);

/** Builds the line with ratio = specl ÷ reference (from the unrounded figures). */
export function benchLine(bench: string, r: Omit<BenchLine, 'ratio' | 'bench'>): BenchLine {
  return {
    bench,
    case: r.case,
    specl: round(r.specl),
    reference: round(r.reference),
    ratio: round(r.specl / r.reference),
    unit: r.unit,
  };
}

/** Writes one result as one JSON object on its own stdout line. */
export function printLine(line: BenchLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
