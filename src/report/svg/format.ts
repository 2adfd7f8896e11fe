/**
 * Tick-label formatting: decimal form for ordinary magnitudes, a shared
 * power of ten (`1.5×10⁶`) for very large or very small ones, so labels
 * never show floating-point noise such as `0.30000000000000004`.
 */

const SUPERSCRIPT: Record<string, string> = {
  '0': '⁰',
  '1': '¹',
  '2': '²',
  '3': '³',
  '4': '⁴',
  '5': '⁵',
  '6': '⁶',
  '7': '⁷',
  '8': '⁸',
  '9': '⁹',
  '-': '⁻',
};

/** An integer in Unicode superscript digits (`-3` → `⁻³`). */
export function superscript(n: number): string {
  return String(n).replace(/[-0-9]/g, (c) => SUPERSCRIPT[c] as string);
}

/** The minus sign typography uses (U+2212) instead of the hyphen. */
export function withMinus(s: string): string {
  return s.startsWith('-') ? `−${s.slice(1)}` : s;
}

/** 10^e computed so that negative powers equal the decimal literal (1/1000 === 0.001, unlike 10 ** -3 on some engines). */
export function pow10(e: number): number {
  return e >= 0 ? 10 ** e : 1 / 10 ** -e;
}

/** ⌊log₁₀|v|⌋, corrected for rounding of Math.log10 near exact powers of ten. */
export function exponentOf(v: number): number {
  const a = Math.abs(v);
  let e = Math.floor(Math.log10(a));
  if (pow10(e) > a) e -= 1;
  else if (pow10(e + 1) <= a) e += 1;
  return e;
}

/** `v.toFixed(d)` without trailing zeros (and without a trailing point). */
function trimmed(v: number, decimals: number): string {
  let s = v.toFixed(decimals);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

/**
 * Labels for linear ticks `values` spaced by `step` (a 1-2-5 step whose
 * exponent is `stepExponent`, i.e. step = m·10^stepExponent). The number of
 * decimals follows the step; when the largest |tick| is ≥ 10⁶ or < 10⁻³
 * every label shares one exponent, written as `m×10ᵉ`.
 */
export function formatLinearTicks(values: readonly number[], stepExponent: number): string[] {
  const maxAbs = Math.max(0, ...values.map(Math.abs));
  if (maxAbs === 0) return values.map(() => '0');
  const e = exponentOf(maxAbs);
  if (e >= 6 || e < -3) {
    const digits = Math.max(0, e - stepExponent);
    return values.map((v) => (v === 0 ? '0' : `${withMinus(trimmed(v / pow10(e), digits))}×10${superscript(e)}`));
  }
  const decimals = Math.max(0, -stepExponent);
  return values.map((v) => withMinus(trimmed(v, decimals)));
}

/**
 * Label of a log-axis tick `v = m·10ᵉ` (m ∈ {1, 2, 5}): plain decimals when
 * `plain` is set (all ticks of the axis lie in [0.01, 10⁴]), otherwise `10ᵉ`
 * or `m×10ᵉ`.
 */
export function formatLogTick(v: number, plain: boolean): string {
  const e = exponentOf(v);
  if (plain) return trimmed(v, Math.max(0, -e));
  const m = Math.round(v / pow10(e));
  return m === 1 ? `10${superscript(e)}` : `${m}×10${superscript(e)}`;
}

/** A number for a legend, colour bar or bar value label: up to `digits` significant digits, no noise. */
export function formatValue(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  // Round first so the exponent is that of the printed number (999999.7 → 1×10⁶, not 10×10⁵).
  const r = Number(v.toPrecision(digits));
  if (r === 0) return '0';
  const e = exponentOf(r);
  if (e >= 6 || e < -3) return `${withMinus(trimmed(r / pow10(e), digits - 1))}×10${superscript(e)}`;
  return withMinus(trimmed(r, Math.max(0, digits - 1 - e)));
}
