/**
 * A bounded max-heap of (squared distance, index) pairs kept in two parallel
 * typed arrays: the k nearest candidates seen so far, the worst at the root.
 * Shared by the k-d tree and the brute-force search; small enough for V8 to
 * inline into their inner loops.
 */

/** Adds (v, p) as element `size` of a heap of `size` elements and sifts it up. */
export function heapPush(dist: Float64Array, idx: Int32Array, size: number, v: number, p: number): void {
  let i = size;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if ((dist[parent] as number) >= v) break;
    dist[i] = dist[parent] as number;
    idx[i] = idx[parent] as number;
    i = parent;
  }
  dist[i] = v;
  idx[i] = p;
}

/** Replaces the root of a heap of `size` elements by (v, p) and sifts it down. */
export function heapReplaceTop(dist: Float64Array, idx: Int32Array, size: number, v: number, p: number): void {
  let i = 0;
  for (;;) {
    const a = 2 * i + 1;
    if (a >= size) break;
    const b = a + 1;
    const m = b < size && (dist[b] as number) > (dist[a] as number) ? b : a;
    if ((dist[m] as number) <= v) break;
    dist[i] = dist[m] as number;
    idx[i] = idx[m] as number;
    i = m;
  }
  dist[i] = v;
  idx[i] = p;
}
