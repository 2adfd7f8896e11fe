/**
 * Deterministic release of native memory. `tidy(fn)` frees every tensor
 * created inside `fn` when it returns, except the tensors it returns (found
 * anywhere in arrays, plain objects or Maps of the result) and those passed to
 * `keep`. Returned tensors move to the enclosing scope, so nesting composes.
 * Outside any scope a tensor lives until `dispose()` or, as a safety net only,
 * until the garbage collector finalizes its handle.
 */

/** What a scope can track: anything with a dispose and a slot for its scope. */
export interface Scoped {
  dispose(): void;
  scope: Set<Scoped> | null;
}

export const SCOPED: unique symbol = Symbol.for('specl.scoped');

const stack: Set<Scoped>[] = [];

/** Registers a freshly created object with the innermost scope, if any. */
export function track(t: Scoped): void {
  const s = stack[stack.length - 1];
  if (s) {
    s.add(t);
    t.scope = s;
  }
}

/** Removes `t` from whatever scope holds it: it now lives until disposed. */
export function keep<T extends Scoped>(t: T): T {
  t.scope?.delete(t);
  t.scope = null;
  return t;
}

function isScoped(v: unknown): v is Scoped {
  return typeof v === 'object' && v !== null && (v as { [SCOPED]?: boolean })[SCOPED] === true;
}

function collect(v: unknown, out: Set<Scoped>, seen: Set<unknown>): void {
  if (typeof v !== 'object' || v === null || seen.has(v)) return;
  seen.add(v);
  if (isScoped(v)) {
    out.add(v);
    return;
  }
  if (Array.isArray(v)) {
    for (const e of v) collect(e, out, seen);
  } else if (v instanceof Map) {
    for (const e of v.values()) collect(e, out, seen);
  } else if (Object.getPrototypeOf(v) === Object.prototype) {
    for (const e of Object.values(v)) collect(e, out, seen);
  }
}

/** Runs `fn` in a new scope; see the module comment. `fn` must be synchronous. */
export function tidy<T>(fn: () => T): T {
  const s = new Set<Scoped>();
  stack.push(s);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    stack.pop();
    for (const t of s) t.dispose();
    throw e;
  }
  stack.pop();
  if (result instanceof Promise) {
    for (const t of s) t.dispose();
    throw new TypeError('tidy() needs a synchronous function: tensors cannot be tracked across an await');
  }
  const survivors = new Set<Scoped>();
  collect(result, survivors, new Set());
  const parent = stack[stack.length - 1] ?? null;
  for (const t of s) {
    if (survivors.has(t)) {
      t.scope = parent;
      parent?.add(t);
    } else {
      t.dispose();
    }
  }
  return result;
}

/** Number of open scopes (for tests and diagnostics). */
export const scopeDepth = (): number => stack.length;
