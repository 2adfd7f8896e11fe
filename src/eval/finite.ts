/**
 * Features must be finite numbers: an encoder whose weights went NaN gives
 * NaN features, and a probe or kNN on them either fails deep inside its
 * optimizer or reports a chance-level accuracy as if it were a result. The
 * evaluations check their inputs and throw NonFiniteFeaturesError, which the
 * code that knows where the weights came from (train/) completes with the file.
 */
import { isFloating, type Tensor, tidy } from '../tensor/index.ts';
import type { FeatureKind } from './progress.ts';

/** What checkFiniteFeatures found: the counts, for callers that add where the features came from. */
export class NonFiniteFeaturesError extends Error {
  constructor(
    message: string,
    /** Rows (examples) with at least one NaN or infinite value, of `rows`. */
    readonly badRows: number,
    readonly rows: number,
    /** NaN values and ±∞ values, of `values`. */
    readonly nan: number,
    readonly infinite: number,
    readonly values: number,
    /** Which feature set, when the evaluation of several (compareWithBaselines) knows it. */
    readonly features?: FeatureKind,
    /** The message of the check itself, without the feature set. */
    readonly detail = message,
  ) {
    super(message);
    this.name = 'NonFiniteFeaturesError';
  }

  /** The same error, saying which feature set it is about. */
  about(features: FeatureKind): NonFiniteFeaturesError {
    const what = { pixels: 'raw-pixel', random: 'random-encoder', encoder: 'encoder' }[features];
    return new NonFiniteFeaturesError(
      `${what} features: ${this.detail}`,
      this.badRows,
      this.rows,
      this.nan,
      this.infinite,
      this.values,
      features,
      this.detail,
    );
  }
}

/**
 * Throws NonFiniteFeaturesError unless every value of the N×d features `x`
 * is finite: "FN: FIELD are not finite: 512 of 512 rows hold NaN or infinite
 * values (262144 NaN, 0 infinite, of 262144 values)". `rowsLabel` names the
 * rows ("images 0–511"); integer tensors always pass.
 */
export function checkFiniteFeatures(x: Tensor, fn: string, field = 'features', rowsLabel = 'rows'): void {
  if (!isFloating(x.dtype) || x.numel === 0) return;
  const counts = tidy(() => {
    const bad = x.isfinite().logicalNot();
    if (!bad.any().item()) return null;
    const badRows = x.ndim < 2 ? bad.sum().item() : bad.flatten(1).sum(1).gt(0).sum().item();
    return { badRows, nan: x.isnan().sum().item(), bad: bad.sum().item() };
  });
  if (counts === null) return;
  const rows = x.ndim === 0 ? 1 : x.size(0);
  const infinite = counts.bad - counts.nan;
  throw new NonFiniteFeaturesError(
    `${fn}: ${field} are not finite: ${counts.badRows} of ${rows} ${rowsLabel} hold NaN or infinite values ` +
      `(${counts.nan} NaN, ${infinite} infinite, of ${x.numel} values)`,
    counts.badRows,
    rows,
    counts.nan,
    infinite,
    x.numel,
  );
}
