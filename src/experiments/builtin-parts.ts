/** What the built-in grids (builtin.ts, builtin-transfer.ts) share. */

/** The `--quick` grids evaluate on 200 training and 100 test images per class (the default grids: the full splits). */
export const QUICK_SUBSET = { trainPerClass: 200, testPerClass: 100 };

/** The settings every built-in cell shares: the cell's own evaluation replaces the run's, no monitor. */
export const QUIET = { evaluate: false, monitor: { enabled: false } };

/** A claim: metric of the selection a against b, a − b expected above 0 (or below, with 'a<b'). */
export const claim = (text: string, metric: string, a: object, b: object, expect: 'a>b' | 'a<b' = 'a>b') => ({
  text,
  metric,
  a,
  b,
  expect,
});

/** A built-in experiment: its one-line summary, its default grid and its `--quick` grid (as specFrom reads them). */
export interface Builtin {
  summary: string;
  full: object;
  quick: object;
}
