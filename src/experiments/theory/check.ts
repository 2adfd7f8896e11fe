/** Option checks shared by the theorem checks: errors name the check, the option and the bound. */

/** Throws unless `v` is an integer ≥ `lo`. */
export function checkInteger(check: string, name: string, v: number, lo: number): void {
  if (!Number.isInteger(v) || v < lo) throw new Error(`${check}: ${name} must be an integer ≥ ${lo}, got ${v}`);
}
