/**
 * Options whose defaults follow the other options of the same call (the
 * theory checks' "2r", "max(r, 2)"), required options, and the option types
 * a schema declares. A default here may follow the other options of the same call ("2r", "max(r, 2)"):
 * a derived default reads another option's value — the one given, or that
 * option's own default. `resolve` checks the options in declaration order,
 * so an option a derived default reads is declared (and checked) before it.
 */
import { type Derived, defaultOf, derived, isPlainObject, type OptionDecl, resolve, type Schema } from './declare.ts';

/** What a derived default reads: the value of another option of the same call. */
export interface OtherOptions {
  get<T = number>(key: string): T;
}

/** A default computed from other options: `follows('2 × manifolds', (o) => 2 * o.get('manifolds'))`. */
export const follows = <T>(describe: string, of: (o: OtherOptions) => T): Derived<T, OtherOptions> =>
  derived<T, OtherOptions>(describe, of);

/** An option without a default: leaving it out fails with "must be …, got nothing". */
export const required = <T>(): Derived<T, OtherOptions> => follows<T>('none (required)', () => undefined as T);

/** The resolved values of a schema, typed by its checks: `{ manifolds: number; k: number | 'auto'; … }`. */
export type SettingsOf<S extends Schema> = {
  -readonly [K in keyof S]: S[K] extends OptionDecl<infer T, infer _C> ? T : never;
};

/** What a caller may give: any of the options, each left out for its default. */
export type OptionsOf<S extends Schema> = Partial<SettingsOf<S>>;

/**
 * `given` checked against `schema` and completed from its defaults (see
 * `resolve`: unknown keys are rejected with a "did you mean", every message
 * names `owner`, the option, what it must be and what it got); derived
 * defaults see the other options of this call.
 */
export function resolveOptions<S extends Schema>(schema: S, given: unknown, owner: string): SettingsOf<S> {
  const raw = isPlainObject(given) ? given : {};
  const others: OtherOptions = {
    get<T>(key: string): T {
      if (raw[key] !== undefined) return raw[key] as T;
      const decl = schema[key];
      return (decl?.kind === 'option' ? defaultOf(decl as OptionDecl<unknown, OtherOptions>, others) : undefined) as T;
    },
  };
  return resolve<SettingsOf<S>, OtherOptions>(schema, given, { owner, context: others });
}

/**
 * The options part of a call's argument: `given` without `keys` (inputs that
 * are not options — tensors, functions, a loaded dataset). Anything that is
 * not an object is passed on as it is, for `resolve` to refuse.
 */
export function optionsPart(given: unknown, keys: readonly string[]): unknown {
  if (!isPlainObject(given)) return given;
  return Object.fromEntries(Object.entries(given).filter(([k]) => !keys.includes(k)));
}

/** The entries of `values` that `schema` declares: a sub-call's own options out of a caller's. */
export function pick<S extends Schema>(schema: S, values: Record<string, unknown>): OptionsOf<S> {
  return Object.fromEntries(
    Object.keys(schema)
      .filter((k) => values[k] !== undefined)
      .map((k) => [k, values[k]]),
  ) as OptionsOf<S>;
}
