/**
 * The colours every chart shares: the Okabe–Ito categorical palette
 * (distinguishable under the common colour-vision deficiencies; Okabe & Ito,
 * "Color Universal Design", 2008), viridis as the sequential scale and
 * ColorBrewer's RdBu as the diverging one — both colour-blind safe and
 * readable in greyscale from end to end.
 */

/** Okabe–Ito, reordered so the first colours are the most distinct on white and yellow (weak on white) comes last. */
export const CATEGORICAL: readonly string[] = [
  '#0072B2', // blue
  '#D55E00', // vermillion
  '#009E73', // bluish green
  '#E69F00', // orange
  '#CC79A7', // reddish purple
  '#56B4E9', // sky blue
  '#000000', // black
  '#F0E442', // yellow
];

/** Viridis sampled at 0, 0.1, …, 1 (low → high). */
export const SEQUENTIAL: readonly string[] = [
  '#440154',
  '#482475',
  '#414487',
  '#355F8D',
  '#2A788E',
  '#21918C',
  '#22A884',
  '#44BF70',
  '#7AD151',
  '#BDDF26',
  '#FDE725',
];

/** ColorBrewer RdBu (9 classes) from blue (negative) through near-white (zero) to red (positive). */
export const DIVERGING: readonly string[] = [
  '#2166AC',
  '#4393C3',
  '#92C5DE',
  '#D1E5F0',
  '#F7F7F7',
  '#FDDBC7',
  '#F4A582',
  '#D6604D',
  '#B2182B',
];

/** Colour for cells that hold no finite value. */
export const MISSING = '#BBBBBB';

/** Marker shapes, cycled after the colours run out so that series i and i + 8 still differ. */
export const SHAPES = ['circle', 'square', 'triangle', 'diamond'] as const;
export type Shape = (typeof SHAPES)[number];

/** Colour and marker shape of series/group number i (0-based). */
export function categorical(i: number): { colour: string; shape: Shape } {
  const n = CATEGORICAL.length;
  return { colour: CATEGORICAL[i % n] as string, shape: SHAPES[Math.floor(i / n) % SHAPES.length] as Shape };
}

function parseHex(c: string): [number, number, number] {
  return [Number.parseInt(c.slice(1, 3), 16), Number.parseInt(c.slice(3, 5), 16), Number.parseInt(c.slice(5, 7), 16)];
}

function hex(v: number): string {
  return Math.round(v).toString(16).padStart(2, '0').toUpperCase();
}

/**
 * The colour at t ∈ [0, 1] along `stops` (equally spaced), interpolated
 * linearly in sRGB; t is clamped, so t ≤ 0 gives the first stop and t ≥ 1
 * the last exactly.
 */
export function colourAt(stops: readonly string[], t: number): string {
  if (stops.length === 0) throw new Error('colourAt: stops must not be empty');
  if (Number.isNaN(t)) throw new Error('colourAt: t must be a number, got NaN');
  const u = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  if (i < 0) return stops[0] as string;
  const f = u - i;
  if (f === 0) return stops[i] as string;
  if (f === 1) return stops[i + 1] as string;
  const a = parseHex(stops[i] as string);
  const b = parseHex(stops[i + 1] as string);
  return `#${hex(a[0] + (b[0] - a[0]) * f)}${hex(a[1] + (b[1] - a[1]) * f)}${hex(a[2] + (b[2] - a[2]) * f)}`;
}
