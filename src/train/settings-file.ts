/**
 * Settings files: a YAML or JSON file holding any part of a config (a run's
 * own config.json included), read with the `yaml` package (YAML 1.2, a
 * superset of JSON), and dotted overrides `key.sub=value` typed by the
 * option's own declaration. Errors name the file, the line and the key.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import {
  didYouMean,
  flatten,
  isPlainObject,
  leafKeys,
  OptionError,
  type Schema,
  setPath,
  show,
} from '../options/index.ts';

/** The object a YAML or JSON settings file holds (its top level must be a mapping). */
export function readSettingsFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new OptionError(
      `${path}: cannot read the settings file (${code === 'ENOENT' ? 'no such file' : ((e as Error).message ?? code)})`,
    );
  }
  // The parser reports (or throws) a stack overflow on deep nesting, and toJS throws on alias bombs and
  // self-referring merges: all of them become a message naming the file.
  const plain = (m: string): string => (/Maximum call stack/.test(m) ? 'nested too deeply' : m);
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    throw new OptionError(`${path}: not valid YAML or JSON: ${plain((e as Error).message)}`);
  }
  const err = doc.errors[0];
  if (err) {
    const at = err.linePos?.[0];
    throw new OptionError(
      `${path}${at ? `:${at.line}:${at.col}` : ''}: not valid YAML or JSON: ${plain((err.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, ''))}`,
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (e) {
    const m = (e as Error).message;
    const why =
      e instanceof RangeError
        ? 'an anchor refers to itself, or the document is nested too deeply'
        : /alias count/i.test(m)
          ? `too many aliases (over 100 expanded: ${m})`
          : m;
    throw new OptionError(`${path}: not valid settings: ${why}`);
  }
  const loop = cycleAt(value);
  if (loop !== null)
    throw new OptionError(
      `${path}: not valid settings: the value at '${loop}' contains itself (an alias inside its own anchor)`,
    );
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value)) {
    throw new OptionError(
      `${path}: a settings file must hold a mapping of option names to values, got ${Array.isArray(value) ? `a list ${show(value)}` : show(value)}`,
    );
  }
  return value;
}

/** The dotted path at which `v` contains itself (a YAML alias may point into its own anchor), or null. */
function cycleAt(v: unknown): string | null {
  const open = new Set<object>();
  const walk = (x: unknown, at: string): string | null => {
    if (x === null || typeof x !== 'object') return null;
    if (open.has(x)) return at;
    open.add(x);
    for (const [k, y] of Object.entries(x)) {
      const found = walk(y, at ? `${at}.${k}` : k);
      if (found !== null) return found;
    }
    open.delete(x);
    return null;
  };
  return walk(v, '');
}

/** `key=value` split at the first `=`; the key checked to be a dotted name. */
export function splitOverride(text: string): { key: string; raw: string } {
  const i = text.indexOf('=');
  const key = i < 0 ? '' : text.slice(0, i).trim();
  if (i < 0 || !/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(key)) {
    throw new OptionError(`--set expects KEY=VALUE with a dotted key (method.mu=10), got ${JSON.stringify(text)}`);
  }
  return { key, raw: text.slice(i + 1) };
}

/**
 * `settings` with the override `key=raw` applied, the value read as its
 * declaration in `schema` says (numbers, lists `32,64,256`, booleans, null).
 * An unknown key fails with the closest known keys.
 */
export function applyOverride(
  settings: Record<string, unknown>,
  key: string,
  raw: string,
  schema: Schema,
): Record<string, unknown> {
  const decls = new Map(flatten(schema));
  const decl = decls.get(key);
  if (!decl) {
    throw new OptionError(
      `--set ${key}: unknown option '${key}'${didYouMean(key, [...decls.keys()])}; --help lists them`,
    );
  }
  const value = decl.check.fromString ? decl.check.fromString(raw) : raw;
  return setPath(settings, key, value);
}

/**
 * Every key of `settings` — leaves and the groups above them — mapped to
 * `source` (for messages that say where a value came from; an unknown group
 * is reported by its own key).
 */
export function sourcesOf(settings: Record<string, unknown>, source: string): Map<string, string> {
  const keys = new Set<string>();
  for (const leaf of leafKeys(settings)) {
    const parts = leaf.split('.');
    for (let i = 1; i <= parts.length; i++) keys.add(parts.slice(0, i).join('.'));
  }
  return new Map([...keys].map((k) => [k, source]));
}
