/**
 * Dataset specs for the domain-transfer experiments (Shen et al. 2022,
 * "Connect, not collapse"; HaoChen, Wei, Kumar, Ma 2022, "Beyond
 * separability"), so that a run's config.json names the data it was built
 * from and a resumed run rebuilds exactly the same images:
 *
 *   shift:BASE?kind=KIND[,KEY=VALUE,…]     BASE with both splits shifted (domainPair's target)
 *   union:A+B[+C…]                          the members as one dataset, train and test splits concatenated
 *
 * BASE and the members are dataset specs loaded by the same rules (`mnist`,
 * `fashion-mnist`, `cifar10:DIR`, `two-part:…`, `subpop:…`, another `shift:…`).
 * The shift's own options follow the **last** `?`, so a BASE may carry options
 * of its own (`shift:two-part:mnist?seed=1?kind=invert`). Keys per kind:
 * rotate `degrees` (default 90); invert none; tint `rgb=R/G/B` (default
 * 1/0.5/0); texture `seed` (0), `gratings` (3), `min-cycles` (1),
 * `max-cycles` (6), `noise` (0.3), `noise-grid` (4) — the defaults of
 * domain-shift.ts. A key the kind does not read is refused. Train images are
 * shifted with seed S, test images with S + 1 (domainPair).
 *
 * A union's members are separated by `+`, so no member may contain `+` of its
 * own (a two-part set with a filler, or a subpopulation whose canonical
 * groups are written with `+`), and a member may not be a union.
 */
import { didYouMean } from '../options/index.ts';
import { cat, type Tensor } from '../tensor/index.ts';
import type { ImageSplit, LabeledDataset } from './dataset.ts';
import { type DomainShiftKind, type DomainShiftOptions, domainPair } from './domain-shift.ts';
import { subsetOf } from './subset.ts';

// ---- shared spec helpers (also used by subpopulation.ts) -------------------------------------------------------

/**
 * `KIND:BASE?OPTIONS` split at the first `:` and the **last** `?` (so BASE may carry options of its own);
 * `options` is undefined without a `?`, `base` is empty without a `:`.
 */
export function splitSpec(spec: string): { base: string; options: string | undefined } {
  const colon = spec.indexOf(':');
  const rest = colon < 0 ? '' : spec.slice(colon + 1);
  const q = rest.lastIndexOf('?');
  return { base: (q < 0 ? rest : rest.slice(0, q)).trim(), options: q < 0 ? undefined : rest.slice(q + 1) };
}

/**
 * `KEY=VALUE,…` as a map from lower-cased key to value, in the order given.
 * @throws naming the spec: an empty option list, an unknown key (with the nearest known one), a key without
 *   a value, a key given twice.
 */
export function parseOptionList(
  text: string,
  spec: string,
  kind: string,
  known: readonly string[],
): Map<string, string> {
  if (text.trim().length === 0) throw new Error(`dataset '${spec}': empty options after '?'`);
  const out = new Map<string, string>();
  for (const item of text.split(',')) {
    const eq = item.indexOf('=');
    const key = (eq < 0 ? item : item.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? '' : item.slice(eq + 1).trim();
    if (!known.includes(key))
      throw new Error(
        `dataset '${spec}': unknown option '${key}'${didYouMean(key, known)} for ${kind}; known: ${known.join(', ')}`,
      );
    if (eq < 0 || value === '') throw new Error(`dataset '${spec}': option ${key} needs a value (${key}=…)`);
    if (out.has(key)) throw new Error(`dataset '${spec}': option ${key} is given twice`);
    out.set(key, value);
  }
  return out;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/** A decimal number (`90`, `-22.5`, `1e-3`) checked by `ok`, else an error saying `expect`. */
export function parseNumber(
  value: string,
  key: string,
  spec: string,
  expect: string,
  ok: (x: number) => boolean,
): number {
  const x = Number(value);
  if (!NUMBER.test(value) || !Number.isFinite(x) || !ok(x))
    throw new Error(`dataset '${spec}': ${key} must be ${expect}, got '${value}'`);
  return x;
}

// ---- shift: ------------------------------------------------------------------------------------------------------

/** The shift kinds a `shift:` spec takes (those of domain-shift.ts). */
export const SHIFT_KINDS: readonly DomainShiftKind[] = ['rotate', 'invert', 'tint', 'texture'];

/** A parsed shift spec: the base's spec and the options given (the rest default). */
export interface ShiftSpec {
  base: string;
  kind: DomainShiftKind;
  degrees?: number;
  rgb?: [number, number, number];
  seed?: number;
  gratings?: number;
  minCycles?: number;
  maxCycles?: number;
  noise?: number;
  noiseGrid?: number;
}

type ShiftField = Exclude<keyof ShiftSpec, 'base' | 'kind'>;

/** Spec key → field, in the order the canonical spec writes them. */
const SHIFT_FIELDS: Record<string, ShiftField> = {
  degrees: 'degrees',
  rgb: 'rgb',
  seed: 'seed',
  gratings: 'gratings',
  'min-cycles': 'minCycles',
  'max-cycles': 'maxCycles',
  noise: 'noise',
  'noise-grid': 'noiseGrid',
};

/** The keys each kind reads, in canonical order. */
const SHIFT_KEYS: Record<DomainShiftKind, string[]> = {
  rotate: ['degrees'],
  invert: [],
  tint: ['rgb'],
  texture: ['seed', 'gratings', 'min-cycles', 'max-cycles', 'noise', 'noise-grid'],
};

/** The defaults of domain-shift.ts (`shiftImages`, `proceduralTextures`), written out in canonical names. */
export const SHIFT_DEFAULTS: Required<Omit<ShiftSpec, 'base' | 'kind'>> = {
  degrees: 90,
  rgb: [1, 0.5, 0],
  seed: 0,
  gratings: 3,
  minCycles: 1,
  maxCycles: 6,
  noise: 0.3,
  noiseGrid: 4,
};

/** The kinds that read a key, for the message refusing it. */
const readers = (key: string): DomainShiftKind[] => SHIFT_KINDS.filter((k) => SHIFT_KEYS[k].includes(key));

/**
 * Parses `shift:BASE?kind=KIND[,KEY=VALUE,…]` (see the module comment).
 * @throws naming the spec and the bad part: no base, no options or no kind, an unknown kind or key (with the
 *   nearest one), a key the kind does not read, a value out of range, a key given twice.
 */
export function parseShiftSpec(spec: string): ShiftSpec {
  const { base, options } = splitSpec(spec);
  const name = spec
    .slice(0, Math.max(0, spec.indexOf(':')))
    .trim()
    .toLowerCase();
  if (name !== 'shift') throw new Error(`dataset '${spec}': expected shift:BASE?kind=…`);
  const kinds = SHIFT_KINDS.join('|');
  if (base.length === 0)
    throw new Error(`dataset '${spec}': give the base dataset after 'shift:', e.g. shift:mnist?kind=invert`);
  if (options === undefined)
    throw new Error(`dataset '${spec}': give the shift after '?', e.g. shift:${base}?kind=rotate (kind=${kinds})`);
  const given = parseOptionList(options, spec, 'shift', ['kind', ...Object.keys(SHIFT_FIELDS)]);
  const kindText = given.get('kind');
  if (kindText === undefined) {
    // The options are those after the last '?': a BASE with options of its own may have swallowed the shift's.
    const hint = base.includes(':')
      ? `; shift reads the options after the last '?', so a BASE with options of its own needs the shift's after ` +
        `them, e.g. shift:${spec.slice(spec.indexOf(':') + 1)}?kind=invert`
      : '';
    throw new Error(`dataset '${spec}': option kind is required (kind=${kinds})${hint}`);
  }
  const kindLower = kindText.toLowerCase();
  if (!(SHIFT_KINDS as readonly string[]).includes(kindLower))
    throw new Error(
      `dataset '${spec}': kind must be one of ${SHIFT_KINDS.join(', ')}, got '${kindText}'${didYouMean(kindLower, SHIFT_KINDS)}`,
    );
  const kind = kindLower as DomainShiftKind;
  const out: ShiftSpec = { base, kind };
  for (const [key, value] of given) {
    if (key === 'kind') continue;
    if (!SHIFT_KEYS[kind].includes(key)) {
      const reads = SHIFT_KEYS[kind].length ? `reads only ${SHIFT_KEYS[kind].join(', ')}` : 'reads no options';
      throw new Error(
        `dataset '${spec}': kind=${kind} does not read ${key} (read by ${readers(key).join(', ')}); ${kind} ${reads}`,
      );
    }
    setShiftField(out, key, value, spec);
  }
  if (out.minCycles !== undefined || out.maxCycles !== undefined) {
    const lo = out.minCycles ?? SHIFT_DEFAULTS.minCycles;
    const hi = out.maxCycles ?? SHIFT_DEFAULTS.maxCycles;
    if (hi < lo) throw new Error(`dataset '${spec}': max-cycles (${hi}) must be ≥ min-cycles (${lo})`);
  }
  return out;
}

function setShiftField(out: ShiftSpec, key: string, value: string, spec: string): void {
  const int = (x: number) => Number.isSafeInteger(x);
  switch (key) {
    case 'degrees':
      out.degrees = parseNumber(value, key, spec, 'a finite number (degrees, counter-clockwise)', () => true);
      return;
    case 'rgb': {
      const parts = value.split('/');
      const expect = 'three numbers in [0, 1] separated by / (R/G/B), e.g. 1/0.5/0';
      if (parts.length !== 3) throw new Error(`dataset '${spec}': rgb must be ${expect}, got '${value}'`);
      const [r, g, b] = parts.map((p) => parseNumber(p.trim(), key, spec, expect, (x) => x >= 0 && x <= 1)) as [
        number,
        number,
        number,
      ];
      out.rgb = [r, g, b];
      return;
    }
    case 'seed':
      // seed + 1 seeds the test split
      out.seed = parseNumber(value, key, spec, 'a non-negative integer', (x) => int(x + 1) && x >= 0);
      return;
    case 'gratings':
      out.gratings = parseNumber(value, key, spec, 'a positive integer', (x) => int(x) && x >= 1);
      return;
    case 'min-cycles':
      out.minCycles = parseNumber(value, key, spec, 'a finite number ≥ 0', (x) => x >= 0);
      return;
    case 'max-cycles':
      out.maxCycles = parseNumber(value, key, spec, 'a finite number ≥ 0', (x) => x >= 0);
      return;
    case 'noise':
      out.noise = parseNumber(value, key, spec, 'a number in [0, 1]', (x) => x >= 0 && x <= 1);
      return;
    case 'noise-grid':
      out.noiseGrid = parseNumber(value, key, spec, 'a positive integer', (x) => int(x) && x >= 1);
      return;
  }
}

/** `s` with every option its kind reads set (the defaults of domain-shift.ts where not given), and no others. */
export function resolveShiftSpec(s: ShiftSpec): ShiftSpec {
  const out: ShiftSpec = { base: s.base, kind: s.kind };
  for (const key of SHIFT_KEYS[s.kind]) {
    const f = SHIFT_FIELDS[key] as ShiftField;
    const v = s[f] ?? SHIFT_DEFAULTS[f];
    (out as unknown as Record<string, unknown>)[f] = Array.isArray(v) ? [...v] : v;
  }
  return out;
}

/** A number as parseNumber reads it back, without the `+` of `1e+21` (a `+` would split a union's members). */
const numberText = (x: number): string => String(x).replace('e+', 'e');

/**
 * The spec as text, `kind` first and then the kind's options in a fixed order (only those set; options the kind
 * does not read are left out): parsing it gives `s` back. With every option set (resolveShiftSpec, as
 * `loadDataset` names what it built) it does not depend on any default.
 */
export function formatShiftSpec(s: ShiftSpec): string {
  const items = [`kind=${s.kind}`];
  for (const key of SHIFT_KEYS[s.kind]) {
    const v = s[SHIFT_FIELDS[key] as ShiftField];
    if (v === undefined) continue;
    items.push(`${key}=${Array.isArray(v) ? v.map(numberText).join('/') : numberText(v)}`);
  }
  return `shift:${s.base}?${items.join(',')}`;
}

/**
 * BASE's both splits shifted as `domainPair` does it (train with the seed, test with seed + 1), same labels and
 * class names, every option of the kind resolved; named by the canonical spec with `s.base` as the base.
 * New tensors: `base` stays intact. Tint and texture make 3-channel images of 1-channel ones.
 */
export function shiftDataset(base: LabeledDataset, s: ShiftSpec): LabeledDataset {
  const r = resolveShiftSpec(s);
  const opts: DomainShiftOptions = {};
  for (const key of SHIFT_KEYS[r.kind]) {
    const f = SHIFT_FIELDS[key] as ShiftField;
    (opts as Record<string, unknown>)[f] = r[f];
  }
  const { target } = domainPair(base, r.kind, opts);
  target.name = formatShiftSpec(r);
  return target;
}

// ---- union: ------------------------------------------------------------------------------------------------------

/** A parsed union spec: the members' specs in order. */
export interface UnionSpec {
  members: string[];
}

/** Which member each image of a union came from. */
export interface UnionDomains {
  /** Member index (into `names`) of each training image. */
  train: Int32Array;
  /** Member index of each test image. */
  test: Int32Array;
  /** The members' names (canonical specs when loaded by spec), in order. */
  names: string[];
}

/** A union of datasets: a LabeledDataset that also says which member each image came from. */
export interface DomainUnion extends LabeledDataset {
  domains: UnionDomains;
}

/** Whether a dataset is a union (has `domains`), e.g. one `loadDataset('union:…')` returned. */
export function isDomainUnion(d: LabeledDataset): d is DomainUnion {
  return (d as Partial<DomainUnion>).domains !== undefined;
}

const specName = (s: string): string => {
  const colon = s.indexOf(':');
  return (colon < 0 ? s : s.slice(0, colon)).trim().toLowerCase();
};

/** A dataset name as specs start: a letter, then letters, digits and `-` (`mnist`, `two-part-probe`, `cifar10`). */
const NAME = /^[a-z][a-z0-9-]*$/;

/** A `subpop:` spec, possibly under `shift:` prefixes (`shift:subpop:mnist?part=source?kind=invert`). */
const SUBPOP_INSIDE = /^(\s*shift\s*:)*\s*subpop\s*:/i;

/**
 * Parses `union:A+B[+C…]`: the members split at every `+`.
 * @throws naming the spec: fewer than two members, an empty member, a member that is itself a union, a
 *   `subpop:` member (its groups are written with `+`), a piece that is no dataset spec (a `+` inside a
 *   member's own options split it).
 */
export function parseUnionSpec(spec: string): UnionSpec {
  if (specName(spec) !== 'union' || !spec.includes(':')) throw new Error(`dataset '${spec}': expected union:A+B[+C…]`);
  const rest = spec.slice(spec.indexOf(':') + 1);
  const members = rest.split('+').map((m) => m.trim());
  if (members.length < 2 || rest.trim() === '')
    throw new Error(
      `dataset '${spec}': a union needs at least two member datasets separated by '+', e.g. union:mnist+shift:mnist?kind=invert`,
    );
  members.forEach((m, i) => {
    if (m.length === 0)
      throw new Error(
        `dataset '${spec}': member ${i + 1} of ${members.length} is empty (between two '+' or at an end)`,
      );
    if (specName(m) === 'union')
      throw new Error(`dataset '${spec}': member '${m}' is itself a union; list its members in this one instead`);
    if (SUBPOP_INSIDE.test(m))
      throw new Error(
        `dataset '${spec}': member '${m}' is a subpop: spec, whose groups and source are written with '+', so it ` +
          `cannot be a union member; subpop:BASE?part=all is itself a union of its source and target sub-classes`,
      );
    if (!NAME.test(specName(m)))
      throw new Error(
        `dataset '${spec}': member '${m}' (member ${i + 1} of ${members.length}) is not a dataset spec: members are ` +
          `split at every '+', so no member may contain '+' of its own (a two-part FILLER, a class list such as 0+2+4)`,
      );
  });
  return { members };
}

/** `union:` + the members joined by `+`. */
export function formatUnionSpec(s: UnionSpec): string {
  return `union:${s.members.join('+')}`;
}

const shapeOf = (t: Tensor): string => t.shape.slice(1).join('×');

/**
 * The members as one dataset: training splits concatenated in order, test splits concatenated in order, with
 * `domains` saying which member each image came from. Members must have the same class names and the same
 * image shape (channels × height × width). `names` (default the members' names) name the members in messages,
 * in `domains.names` and in the union's name, `union:` + names joined by `+`. New tensors: members stay intact.
 * @throws naming both members: different channels (a hint for 1- and 3-channel members), sizes or class names.
 */
export function unionDatasets(members: readonly LabeledDataset[], names?: readonly string[]): DomainUnion {
  const fn = 'unionDatasets';
  if (members.length < 1) throw new Error(`${fn}: give at least one member dataset`);
  const ns = names ? [...names] : members.map((m) => m.name);
  if (ns.length !== members.length) throw new Error(`${fn}: ${ns.length} names for ${members.length} members`);
  const first = members[0] as LabeledDataset;
  const a = ns[0] as string;
  const [, c0, h0, w0] = first.train.images.shape as number[];
  members.forEach((m, i) => {
    const b = ns[i] as string;
    for (const which of ['train', 'test'] as const) {
      const img = m[which].images;
      if (img.ndim !== 4)
        throw new Error(`${fn}: member ${b} has ${which} images of shape [${img.shape}], not N×C×H×W`);
      const [, c, h, w] = img.shape as number[];
      if (c !== c0) {
        const hint =
          (c === 1 && c0 === 3) || (c === 3 && c0 === 1)
            ? `; the tint and texture shifts make 3-channel images of 1-channel ones: shift both members or neither ` +
              `(shift:${c === 1 ? b : a}?kind=tint,rgb=1/1/1 is the same grey image in 3 channels)`
            : '';
        throw new Error(
          `${fn}: member ${b} has ${c}-channel ${which} images, but member ${a} has ${c0}-channel images${hint}`,
        );
      }
      if (h !== h0 || w !== w0)
        throw new Error(
          `${fn}: member ${b} has ${which} images of ${shapeOf(img)} (channels×height×width), but member ${a}'s are ` +
            `${c0}×${h0}×${w0}: the members need one image size`,
        );
    }
    if (m.classes.length !== first.classes.length || m.classes.some((k, j) => k !== first.classes[j])) {
      const j = m.classes.findIndex((k, jj) => k !== first.classes[jj]);
      const diff =
        m.classes.length !== first.classes.length
          ? `${m.classes.length} classes against ${first.classes.length}`
          : `class ${j} is '${m.classes[j]}' in ${b} but '${first.classes[j]}' in ${a}`;
      throw new Error(
        `${fn}: member ${b} has other classes than member ${a} (${diff}): a union keeps one label space, so its ` +
          `members need the same class names in the same order`,
      );
    }
  });
  const join = (which: 'train' | 'test'): { split: ImageSplit; domain: Int32Array } => {
    const sizes = members.map((m) => m[which].images.size(0));
    const domain = new Int32Array(sizes.reduce((s, n) => s + n, 0));
    let at = 0;
    sizes.forEach((n, i) => {
      domain.fill(i, at, at + n);
      at += n;
    });
    const images = cat(
      members.map((m) => m[which].images),
      0,
    );
    try {
      const labels = cat(
        members.map((m) => m[which].labels),
        0,
      );
      return { split: { images, labels }, domain };
    } catch (e) {
      images.dispose();
      throw e;
    }
  };
  const train = join('train');
  let test: ReturnType<typeof join>;
  try {
    test = join('test');
  } catch (e) {
    train.split.images.dispose();
    train.split.labels.dispose();
    throw e;
  }
  return {
    name: formatUnionSpec({ members: ns }),
    classes: [...first.classes],
    train: train.split,
    test: test.split,
    domains: { train: train.domain, test: test.domain, names: ns },
  };
}

/**
 * Member `i` of a union on its own: the images and labels of both splits whose `domains` entry is `i` (new
 * tensors by index selection, in the union's order), named `d.domains.names[i]`, with the union's classes. For a
 * union built by `unionDatasets` this gives member i back exactly; for a subpopulation set (subpopulation.ts)
 * member 0 is the source part and member 1 the target part.
 * @throws naming the union and the index: `i` not a member index, or a split of member i without images.
 */
export function domainMember(d: DomainUnion, i: number): LabeledDataset {
  const k = d.domains.names.length;
  if (!Number.isInteger(i) || i < 0 || i >= k)
    throw new Error(`domainMember: ${d.name} has ${k} members (0…${k - 1}), got member index ${i}`);
  const pick = (which: 'train' | 'test'): ImageSplit => {
    const domain = d.domains[which];
    const n = d[which].images.size(0);
    if (domain.length !== n)
      throw new Error(`domainMember: ${d.name} has ${n} ${which} images but ${domain.length} ${which} domain entries`);
    const idx: number[] = [];
    domain.forEach((m, j) => {
      if (m === i) idx.push(j);
    });
    if (idx.length === 0)
      throw new Error(`domainMember: member ${i} (${d.domains.names[i]}) of ${d.name} has no ${which} images`);
    return subsetOf(d[which], idx);
  };
  const train = pick('train');
  let test: ImageSplit;
  try {
    test = pick('test');
  } catch (e) {
    train.images.dispose();
    train.labels.dispose();
    throw e;
  }
  return { name: d.domains.names[i] as string, classes: [...d.classes], train, test };
}
