/**
 * Options declared once: each has its check, its default (a value, or one
 * derived from the context it is resolved in, such as the encoder's scale),
 * its unit and a help sentence for users. A schema is a tree of them; the
 * CLI flags, `--help`, `--set a.b=v`, config files, `--print-config` and the
 * docs are all derived from schemas, so nothing restates a default.
 */
import { type Check, checked, didYouMean, OptionError, show } from './checks.ts';

/** A default that depends on where the option is resolved (the encoder's scale, the dataset…). */
export interface Derived<T, C> {
  readonly derived: true;
  /** How the default is chosen, for help texts ("512 on the ConvNet, 2048 on ResNet-18"). */
  readonly describe: string;
  of(context: C): T;
}

/** One option: its check, default, help and unit. */
export interface OptionDecl<T = unknown, C = never> {
  readonly kind: 'option';
  readonly check: Check<T>;
  readonly default: T | Derived<T, C>;
  /** One sentence to a user: what the option does (and where its default comes from). */
  readonly help: string;
  /** Unit of the value, for help texts ("seconds", "images"). */
  readonly unit?: string;
  /** A command-line shorthand (`lr` for `--lr`), where a command offers one. */
  readonly flag?: string;
}

/** A named group of options (a nested object in config files, a dotted prefix in `--set`). */
export interface OptionGroup {
  readonly kind: 'group';
  readonly help: string;
  readonly options: Schema;
}

export type Schema = { readonly [key: string]: OptionDecl<unknown, never> | OptionGroup };

/** Declares an option. `default` may be `derived(…)`. */
export function option<T, C = never>(
  check: Check<T>,
  dflt: T | Derived<T, C>,
  help: string,
  extra: { unit?: string; flag?: string } = {},
): OptionDecl<T, C> {
  return { kind: 'option', check, default: dflt, help, ...extra };
}

/** A default derived from the context: `derived('512 on the ConvNet, 2048 on ResNet-18', (c) => …)`. */
export function derived<T, C>(describe: string, of: (context: C) => T): Derived<T, C> {
  return { derived: true, describe, of };
}

/** Declares a group of options. */
export function group(help: string, options: Schema): OptionGroup {
  return { kind: 'group', help, options };
}

export const isDerived = (d: unknown): d is Derived<unknown, unknown> =>
  typeof d === 'object' && d !== null && (d as { derived?: unknown }).derived === true;

/** The default of `decl` in `context`. */
export function defaultOf<T, C>(decl: OptionDecl<T, C>, context: C): T {
  return isDerived(decl.default) ? (decl.default as Derived<T, C>).of(context) : (decl.default as T);
}

/** The default as help texts show it: the value, or how it is derived. */
export function describeDefault(decl: OptionDecl<unknown, never>): string {
  if (isDerived(decl.default)) return decl.default.describe;
  const v = decl.default;
  if (v === null) return 'none';
  if (Array.isArray(v)) return v.join(',');
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Every option of a schema with its dotted key, depth first, in declaration order. */
export function flatten(schema: Schema, prefix = ''): [string, OptionDecl<unknown, never>][] {
  const out: [string, OptionDecl<unknown, never>][] = [];
  for (const [k, node] of Object.entries(schema)) {
    if (node.kind === 'group') out.push(...flatten(node.options, `${prefix}${k}.`));
    else out.push([`${prefix}${k}`, node]);
  }
  return out;
}

/** Plain objects (what config files and JSON give), not arrays or null. */
export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Where a given value came from, for messages: "config.yaml", "--set", "--lr"; by dotted key. */
export type Sources = ReadonlyMap<string, string>;

export interface ResolveOptions<C> {
  /** What resolves ("pretrain", "spectral", "theory optimum"): the start of every message. */
  owner: string;
  /** The context derived defaults are computed from. */
  context?: C;
  /** Prefix of the keys in messages ("method." for a method's options inside a pretraining config). */
  prefix?: string;
  /** Where each given value came from; the message then names it. */
  sources?: Sources;
  /** Keys accepted and dropped (a `name` field that must equal the owner's own name, say). */
  ignore?: Readonly<Record<string, (v: unknown) => boolean>>;
}

/** The message owner for a key: "config.yaml: pretrain" when the value came from a file. */
function ownerOf<C>(o: ResolveOptions<C>, key: string): string {
  const src = o.sources?.get(key);
  return src ? `${src}: ${o.owner}` : o.owner;
}

/**
 * `given` checked against `schema` and completed from its defaults: every
 * option present, nested groups as nested objects. Throws an Error naming
 * the key (with a "did you mean" for unknown ones), what was expected and
 * what was given.
 */
export function resolve<T = Record<string, unknown>, C = unknown>(
  schema: Schema,
  given: unknown,
  o: ResolveOptions<C>,
): T {
  const prefix = o.prefix ?? '';
  const where = prefix ? prefix.slice(0, -1) : 'options';
  if (given === undefined || given === null) given = {};
  if (!isPlainObject(given)) {
    throw new OptionError(`${ownerOf(o, where)}: ${where} must be an object of options, got ${show(given)}`);
  }
  const known = flatten(schema, prefix).map(([k]) => k);
  for (const [k, v] of Object.entries(given)) {
    if (Object.hasOwn(schema, k)) continue;
    const ignore = o.ignore?.[k];
    if (ignore) {
      if (!ignore(v)) throw new OptionError(`${ownerOf(o, prefix + k)}: ${prefix}${k} cannot be ${show(v)} here`);
      continue;
    }
    throw new OptionError(
      `${ownerOf(o, prefix + k)}: unknown option '${prefix}${k}'${didYouMean(prefix + k, known)}; known: ${Object.keys(
        schema,
      )
        .map((x) => prefix + x)
        .join(', ')}`,
    );
  }
  const out: Record<string, unknown> = {};
  for (const [k, node] of Object.entries(schema)) {
    const key = prefix + k;
    if (node.kind === 'group') {
      // Left out: all defaults. Given, it must be a mapping: `encoder: null` or `optimizer: []` in a
      // file is a mistake, not a request for the defaults.
      const sub = given[k];
      if (sub !== undefined && !isPlainObject(sub)) {
        throw new OptionError(
          `${ownerOf(o, key)}: ${key} must be a mapping of its options (${Object.keys(node.options)
            .map((x) => `${key}.${x}`)
            .join(', ')}), got ${show(sub)}`,
        );
      }
      out[k] = resolve(node.options, sub, { ...o, prefix: `${key}.`, ignore: undefined });
      continue;
    }
    const v = given[k] === undefined ? defaultOf(node, o.context as never) : given[k];
    out[k] = checked(ownerOf(o, key), key, node.check, v);
  }
  return out as T;
}

/** The value at a dotted key of a nested object (undefined where absent). */
export function getPath(obj: unknown, key: string): unknown {
  let cur: unknown = obj;
  for (const part of key.split('.')) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** A copy of `obj` with the value at the dotted `key` set (objects created on the way). */
export function setPath(obj: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = key.split('.') as [string, ...string[]];
  const copy = { ...obj };
  if (rest.length === 0) copy[head] = value;
  else
    copy[head] = setPath(isPlainObject(obj[head]) ? (obj[head] as Record<string, unknown>) : {}, rest.join('.'), value);
  return copy;
}

/** `b` merged into `a`, objects key by key, everything else (arrays included) replaced. */
export function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] = isPlainObject(v) && isPlainObject(a[k]) ? deepMerge(a[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

/** Every leaf key of a nested object, dotted (arrays are leaves). */
export function leafKeys(obj: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    isPlainObject(v) && Object.keys(v).length > 0 ? leafKeys(v, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}
