/**
 * Command-line flags and help texts derived from option declarations
 * (src/options): a flag's name, how its string is read, its default and its
 * help sentence all come from the one declaration, so `--help` cannot drift
 * from the code.
 */
import { parseArgs } from 'node:util';
import {
  type Check,
  checked,
  describeDefault,
  flatten,
  isDerived,
  type OptionDecl,
  OptionError,
  resolve,
  type Schema,
  suggest,
} from '../options/index.ts';

/** A flag bound to a dotted option key. */
export interface Flag {
  /** Dotted key in the schema ("optimizer.lr"). */
  key: string;
  /** Flag name without dashes ("lr"). */
  flag: string;
  decl: OptionDecl<unknown, never>;
}

/** camelCase → kebab-case ("maxK" → "max-k"). */
export const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * The flags of a schema: `all` gives every top-level option its kebab-case
 * name (a theory check's `maxK` → `--max-k`); otherwise only the options that
 * declare a `flag` shorthand (pretraining's `--lr` for `optimizer.lr`).
 */
export function flagsOf(schema: Schema, o: { all?: boolean } = {}): Flag[] {
  return flatten(schema)
    .filter(([key, d]) => (o.all ? !key.includes('.') || d.flag !== undefined : d.flag !== undefined))
    .map(([key, decl]) => ({ key, flag: decl.flag ?? kebab(key), decl }));
}

const isBooleanCheck = (c: Check<unknown>) => c.expect === 'true or false';

/** parseArgs option specs for `flags` (booleans also get `--no-NAME`). */
function argSpecs(flags: Flag[]): Record<string, { type: 'string' | 'boolean' }> {
  const out: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const f of flags) {
    if (isBooleanCheck(f.decl.check)) {
      out[f.flag] = { type: 'boolean' };
      out[`no-${f.flag}`] = { type: 'boolean' };
    } else out[f.flag] = { type: 'string' };
  }
  return out;
}

/** A flag's string read and checked by its declaration ("--lr must be a finite number > 0, got "x" (a string)"). */
export function readFlag(f: Flag, raw: string | boolean): unknown {
  const v = typeof raw === 'boolean' ? raw : (f.decl.check.fromString?.(raw) ?? raw);
  return checked('', `--${f.flag}`, f.decl.check, v);
}

export interface ParsedFlags {
  /** Given option values by dotted key, already typed and checked. */
  values: Map<string, unknown>;
  /** The flag each value came from, by dotted key ("--lr"). */
  sources: Map<string, string>;
  /** Everything else parseArgs read (the command's own flags). */
  rest: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/**
 * `--name -1` as `--name=-1` for flags that take a value: parseArgs takes a
 * value starting with a dash for a flag and reports an "ambiguous" argument,
 * while a negative number is never a flag — joined, it reaches the option's
 * own check ("--seed must be a non-negative integer…, got -1").
 */
function joinNegativeValues(argv: string[], specs: Record<string, { type: 'string' | 'boolean' }>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = argv[i + 1];
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : undefined;
    if (name && specs[name]?.type === 'string' && next !== undefined && /^-(\d|\.\d|Infinity\b)/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/**
 * Parses `argv` with the derived flags plus the command's own `extra` ones.
 * Unknown flags fail with the closest known one suggested.
 */
export function parseFlags(
  argv: string[],
  flags: Flag[],
  extra: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {},
  o: { allowPositionals?: boolean } = {},
): ParsedFlags {
  const specs = { ...argSpecs(flags), ...extra };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(argv, specs),
      options: specs,
      allowPositionals: o.allowPositionals ?? false,
    });
  } catch (e) {
    const m = /Unknown option '--?([^']+)'/.exec((e as Error).message);
    if (m) {
      const known = Object.keys(specs);
      const near = suggestFlag(m[1] as string, known);
      throw new OptionError(
        `unknown option '--${m[1]}'${near ? ` (did you mean '--${near}'?)` : ''}; --help lists them`,
      );
    }
    throw e;
  }
  const values = new Map<string, unknown>();
  const sources = new Map<string, string>();
  const rest: ParsedFlags['rest'] = {};
  const byFlag = new Map(flags.map((f) => [f.flag, f]));
  for (const [name, raw] of Object.entries(parsed.values)) {
    if (raw === undefined) continue;
    // --NAME sets an option, --no-NAME sets a boolean one to false
    const f = byFlag.get(name);
    const negated = f ? undefined : name.startsWith('no-') ? byFlag.get(name.slice(3)) : undefined;
    if (f) values.set(f.key, readFlag(f, raw as string | boolean));
    else if (negated) values.set(negated.key, !raw);
    else {
      rest[name] = raw;
      continue;
    }
    sources.set((f ?? negated)?.key as string, `--${name}`);
  }
  return { values, sources, rest, positionals: parsed.positionals };
}

/**
 * The known flag nearest to `name`, if any is close. A negation in other
 * words (`--skip-evaluation`, `--disable-monitor`) is matched against the
 * `--no-NAME` forms by the rest of its name.
 */
function suggestFlag(name: string, known: string[]): string | undefined {
  const near = suggest(name, known, 1)[0];
  const negated = /^(?:skip|disable|without|dont|no)-(.+)$/.exec(name)?.[1];
  if (near !== undefined || negated === undefined) return near;
  const stems = known.filter((k) => k.startsWith('no-')).map((k) => k.slice(3));
  const stem = suggest(negated, stems, 1)[0];
  return stem === undefined ? undefined : `no-${stem}`;
}

/** The placeholder after a flag in help texts ("N", "X", "a|b"). */
function metavar(decl: OptionDecl<unknown, never>): string {
  const c = decl.check;
  if (isBooleanCheck(c)) return '';
  if (c.values) return c.values.join('|');
  if (/integer/.test(c.expect) && !/list/.test(c.expect)) return 'N';
  if (/list/.test(c.expect)) return 'A,B,…';
  if (/number|probability/.test(c.expect)) return 'X';
  return 'VALUE';
}

/** The default as a help text states it, for tests that compare it with what runs. */
export const helpDefault = (decl: OptionDecl<unknown, never>): string => describeDefault(decl);

/** The default with its unit where it is a plain value ("60 seconds"). */
function defaultWithUnit(decl: OptionDecl<unknown, never>): string {
  const d = describeDefault(decl);
  return decl.unit && !isDerived(decl.default) && decl.default !== null ? `${d} ${decl.unit}` : d;
}

/** Help lines for flags: `--lr X   learning rate … (default: …)`, aligned. */
export function flagHelp(flags: Flag[], extra: [string, string][] = []): string {
  const rows: [string, string][] = flags.map((f) => {
    const m = metavar(f.decl);
    const boolNote = isBooleanCheck(f.decl.check) ? ` (--no-${f.flag} for false)` : '';
    return [`--${f.flag}${m ? ` ${m}` : ''}`, `${f.decl.help}${boolNote} (default: ${defaultWithUnit(f.decl)})`];
  });
  return alignRows([...rows, ...extra]);
}

/** Help lines for every option of a schema by dotted key (what `--set KEY=VALUE` accepts). */
export function optionList(schema: Schema, prefix = ''): string {
  return alignRows(
    flatten(schema, prefix).map(([key, decl]) => [
      key,
      `${decl.help} — ${decl.check.expect} (default: ${defaultWithUnit(decl)})`,
    ]),
  );
}

/** Two columns, the first padded (long names put the text on the next line). */
export function alignRows(rows: [string, string][], width = 22): string {
  return rows
    .map(([a, b]) => (a.length < width ? `  ${a.padEnd(width)} ${b}` : `  ${a}\n  ${''.padEnd(width)} ${b}`))
    .join('\n');
}

/** A command whose flags are a schema's options: `run` parses argv into resolved, checked values. */
export interface CommandSpec<C = unknown> {
  /** The command as typed ("specl augment"), the owner of its messages. */
  name: string;
  /** The first lines of --help (usage, one sentence on what it does). */
  usage: string;
  options: Schema;
  /** Flags that are not options (no default to state): name → parseArgs spec and help. */
  extra?: Record<string, { type: 'string' | 'boolean'; help: string; metavar?: string }>;
  /** Context for derived defaults. */
  context?: C;
}

/** The --help text of a command: usage, then every flag with its default, from the declarations. */
export function commandHelp(spec: CommandSpec): string {
  const extra: [string, string][] = Object.entries(spec.extra ?? {}).map(([k, e]) => [
    `--${k}${e.type === 'string' ? ` ${e.metavar ?? 'VALUE'}` : ''}`,
    e.help,
  ]);
  return `${spec.usage}\n\n${flagHelp(flagsOf(spec.options, { all: true }), extra)}`;
}

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/**
 * A command's flags as a markdown table (flag, default, what it does), from
 * the same declarations as its --help, for the docs (`npm run docs:options`
 * writes it between `<!-- options: NAME -->` and `<!-- /options -->`).
 */
export function commandTable(spec: CommandSpec): string {
  const rows = flagsOf(spec.options, { all: true }).map((f) => {
    const m = metavar(f.decl);
    const flag = isBooleanCheck(f.decl.check) ? `--${f.flag}, --no-${f.flag}` : `--${f.flag}${m ? ` ${m}` : ''}`;
    return `| \`${flag}\` | ${mdCell(defaultWithUnit(f.decl))} | ${mdCell(f.decl.help)} |`;
  });
  const extra = Object.entries(spec.extra ?? {}).map(
    ([k, e]) => `| \`--${k}${e.type === 'string' ? ` ${e.metavar ?? 'VALUE'}` : ''}\` | | ${mdCell(e.help)} |`,
  );
  return ['| flag | default | what it does |', '| --- | --- | --- |', ...rows, ...extra].join('\n');
}

/**
 * `markdown` with every `<!-- options: NAME -->…<!-- /options -->` block
 * refilled with `commandTable` of the command of that name; an unknown name
 * throws, naming it.
 */
export function fillCommandTables(markdown: string, specs: readonly CommandSpec[], file: string): string {
  return markdown.replace(/<!-- options: (.+?) -->\n[\s\S]*?<!-- \/options -->/g, (_, name: string) => {
    const spec = specs.find((s) => s.name === name);
    if (!spec)
      throw new Error(
        `${file}: no command '${name}' for its options block (known: ${specs.map((s) => s.name).join(', ')})`,
      );
    return `<!-- options: ${name} -->\n${commandTable(spec)}\n<!-- /options -->`;
  });
}

/** A command line parsed against a `CommandSpec`. */
export interface ParsedCommand<T> {
  /** The options given on the command line, by key (typed and checked). */
  given: Record<string, unknown>;
  /** Every option resolved (defaults filled); `context` for defaults derived from the data. */
  resolve(context?: unknown): T;
  extra: ParsedFlags['rest'];
  positionals: string[];
}

/**
 * Parses a command's argv against its declared options and extra flags.
 * `null` when --help was asked (the help is printed).
 */
export function parseCommand<T>(
  spec: CommandSpec,
  argv: string[],
  o: { allowPositionals?: boolean } = {},
): ParsedCommand<T> | null {
  const extraSpecs = Object.fromEntries(Object.entries(spec.extra ?? {}).map(([k, e]) => [k, { type: e.type }]));
  const parsed = parseFlags(
    argv,
    flagsOf(spec.options, { all: true }),
    { ...extraSpecs, help: { type: 'boolean' } },
    o,
  );
  if (parsed.rest.help === true) {
    console.log(commandHelp(spec));
    return null;
  }
  const given: Record<string, unknown> = {};
  for (const [k, v] of parsed.values) given[k] = v;
  return {
    given,
    resolve: (context = spec.context) => resolve<T>(spec.options, given, { owner: spec.name, context }),
    extra: parsed.rest,
    positionals: parsed.positionals,
  };
}
