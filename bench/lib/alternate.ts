/** Interleaved measurement, so slow drift in machine load hits both sides alike. */

export interface Alternated {
  specl: number[];
  reference: number[];
}

/**
 * Measures specl, reference, specl, reference, … (`repeats` of each) and
 * returns each side's figures in order; `onRepeat` sees each pair as it lands.
 * `warmupRounds` extra pairs run first and are discarded (thread pools,
 * allocator and page faults of the first runs).
 */
export async function alternate(
  repeats: number,
  specl: () => number,
  reference: () => Promise<number>,
  o: { warmupRounds?: number; onRepeat?: (index: number, specl: number, reference: number) => void } = {},
): Promise<Alternated> {
  for (let r = 0; r < (o.warmupRounds ?? 0); r++) {
    specl();
    await reference();
  }
  const out: Alternated = { specl: [], reference: [] };
  for (let r = 0; r < repeats; r++) {
    const a = specl();
    const b = await reference();
    out.specl.push(a);
    out.reference.push(b);
    o.onRepeat?.(r, a, b);
  }
  return out;
}
