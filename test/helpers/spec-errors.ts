/** Shared check of the dataset-spec tests (domain-spec, subpopulation). */
import assert from 'node:assert/strict';

/** `s` with every regular-expression metacharacter escaped. */
export const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `fn` throws an Error whose message starts with `dataset 'SPEC':` and matches `field`. */
export function refuses(fn: () => unknown, spec: string, field: RegExp): void {
  assert.throws(fn, (e: Error) => {
    assert.match(e.message, new RegExp(`^dataset '${escapeRegExp(spec)}': `));
    assert.match(e.message, field);
    return true;
  });
}
