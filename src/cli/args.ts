/** Parsing of command-line values, with errors that name the flag. */

/** A positive (or, with `allowZero`, non-negative) integer flag value. */
export function positiveInt(v: string | undefined, flag: string, allowZero = false): number {
  const n = Number(v);
  if (v === undefined || v.trim() === '' || !Number.isInteger(n) || n < (allowZero ? 0 : 1)) {
    throw new Error(`${flag} expects a ${allowZero ? 'non-negative' : 'positive'} integer, got '${v}'`);
  }
  return n;
}

/** A finite number flag value, optionally bounded below. */
export function finiteNumber(v: string | undefined, flag: string, min = Number.NEGATIVE_INFINITY): number {
  const n = Number(v);
  if (v === undefined || v.trim() === '' || !Number.isFinite(n) || n < min) {
    throw new Error(`${flag} expects a number${min > Number.NEGATIVE_INFINITY ? ` ≥ ${min}` : ''}, got '${v}'`);
  }
  return n;
}
