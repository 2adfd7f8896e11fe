/** Nested config objects as one level of dotted keys, as the runs list groups and filters them. */

export type Leaf = string | number | boolean | null;

/** Every leaf of `obj` under its dotted key ("optimizer.lr"); arrays are leaves, shown as JSON. */
export function flattenConfig(obj: unknown, prefix = '', out: Record<string, Leaf> = {}): Record<string, Leaf> {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    if (prefix) out[prefix] = leaf(obj);
    return out;
  }
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flattenConfig(v, key, out);
    else out[key] = leaf(v);
  }
  return out;
}

function leaf(v: unknown): Leaf {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (v === undefined) return null;
  return JSON.stringify(v);
}
