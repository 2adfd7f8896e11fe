/**
 * Dataset specs for the two-part rare-class test (see two-part.ts), so that
 * a run's config.json names the data it was built from and a resumed run
 * rebuilds exactly the same images:
 *
 *   two-part:PRIMARY[+FILLER][?KEY=VALUE,…]        the pretraining set (twoPartDataset)
 *   two-part-probe:PRIMARY[?KEY=VALUE,…]           the balanced rare-class probe set (rareProbeSet)
 *   two-part-rare:PRIMARY[?KEY=VALUE,…]            the rare pretraining images alone (rareOnlyDataset)
 *
 * PRIMARY and FILLER are ordinary dataset specs (`mnist`, `fashion-mnist`,
 * `cifar10:DIR`…); no FILLER, or FILLER equal to PRIMARY, is the paper's
 * construction (fillers from the primary itself). Keys: `seed`, `frequent`
 * and `rare` (class lists: `0-4`, `0+2+4`, `5-7+9`), `frequent-per-class`,
 * `rare-per-class`; the probe also takes `train-per-class` and
 * `test-per-class`, the rare-only set `test-per-class`. Options are separated
 * by `,`; the first `?` starts them and the first `+` before it separates
 * PRIMARY from FILLER, so neither may contain `+` or `?` (give such a
 * folder through SPECL_DATA_DIR instead).
 */
import { didYouMean } from '../options/index.ts';

export type TwoPartKind = 'two-part' | 'two-part-probe' | 'two-part-rare';
export const TWO_PART_KINDS: readonly TwoPartKind[] = ['two-part', 'two-part-probe', 'two-part-rare'];

/** A parsed two-part spec: the inner dataset specs and the options given (the rest default). */
export interface TwoPartSpec {
  kind: TwoPartKind;
  primary: string;
  /** The filler's spec; undefined for "the primary itself" (also when given equal to primary). */
  filler?: string;
  seed?: number;
  frequentClasses?: number[];
  rareClasses?: number[];
  frequentPerClass?: number;
  rarePerClass?: number;
  trainPerClass?: number;
  testPerClass?: number;
}

type NumberKey = 'seed' | 'frequentPerClass' | 'rarePerClass' | 'trainPerClass' | 'testPerClass';
type ListKey = 'frequentClasses' | 'rareClasses';

const NUMBER_KEYS: Record<string, NumberKey> = {
  seed: 'seed',
  'frequent-per-class': 'frequentPerClass',
  'rare-per-class': 'rarePerClass',
  'train-per-class': 'trainPerClass',
  'test-per-class': 'testPerClass',
};
const LIST_KEYS: Record<string, ListKey> = { frequent: 'frequentClasses', rare: 'rareClasses' };

/** The keys each kind takes, in the order the canonical spec writes them. */
const KEYS: Record<TwoPartKind, string[]> = {
  'two-part': ['seed', 'frequent', 'rare', 'frequent-per-class', 'rare-per-class'],
  'two-part-probe': [
    'seed',
    'frequent',
    'rare',
    'frequent-per-class',
    'rare-per-class',
    'train-per-class',
    'test-per-class',
  ],
  'two-part-rare': ['seed', 'frequent', 'rare', 'frequent-per-class', 'rare-per-class', 'test-per-class'],
};

/** Whether a dataset spec or name is one of the two-part kinds (`two-part:…`, `two-part-probe:…`, `two-part-rare:…`). */
export function isTwoPartSpec(spec: string): boolean {
  const colon = spec.indexOf(':');
  return colon > 0 && (TWO_PART_KINDS as readonly string[]).includes(spec.slice(0, colon).trim().toLowerCase());
}

/** `0-4`, `0+2+4`, `5-7+9` → the classes, in the order written. */
function parseClassList(text: string, key: string, spec: string): number[] {
  const out: number[] = [];
  for (const part of text.split('+')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m)
      throw new Error(`dataset '${spec}': ${key} must be a list of class indices such as 0-4 or 0+2+4, got '${text}'`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new Error(`dataset '${spec}': ${key} has the range ${part}, whose end is below its start`);
    for (let c = a; c <= b; c++) out.push(c);
  }
  return out;
}

/** The classes as the shortest list of ascending runs: [0,1,2,3,4] → `0-4`, [0,2,4] → `0+2+4`. */
export function formatClassList(classes: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < classes.length; ) {
    let j = i;
    while (j + 1 < classes.length && (classes[j + 1] as number) === (classes[j] as number) + 1) j++;
    parts.push(j > i ? `${classes[i]}-${classes[j]}` : `${classes[i]}`);
    i = j + 1;
  }
  return parts.join('+');
}

/**
 * Parses `KIND:PRIMARY[+FILLER][?KEY=VALUE,…]` (see the module comment).
 * @throws naming the spec and the bad part: an unknown kind or key (with the nearest one), a value that is
 *   not a non-negative integer or class list, a key given twice, a filler for the probe or rare-only set.
 */
export function parseTwoPartSpec(spec: string): TwoPartSpec {
  const colon = spec.indexOf(':');
  const kindText = (colon < 0 ? spec : spec.slice(0, colon)).trim().toLowerCase();
  if (!(TWO_PART_KINDS as readonly string[]).includes(kindText))
    throw new Error(`dataset '${spec}': expected one of ${TWO_PART_KINDS.join(', ')} before ':'`);
  const kind = kindText as TwoPartKind;
  const rest = colon < 0 ? '' : spec.slice(colon + 1);
  const q = rest.indexOf('?');
  const data = (q < 0 ? rest : rest.slice(0, q)).trim();
  const optionText = q < 0 ? '' : rest.slice(q + 1);
  if (data.length === 0)
    throw new Error(`dataset '${spec}': give the primary dataset after '${kind}:', e.g. ${kind}:mnist`);
  const plus = data.indexOf('+');
  const primary = (plus < 0 ? data : data.slice(0, plus)).trim();
  const fillerText = plus < 0 ? undefined : data.slice(plus + 1).trim();
  if (primary.length === 0 || fillerText === '')
    throw new Error(`dataset '${spec}': expected PRIMARY+FILLER with both dataset specs given, got '${data}'`);
  if (fillerText?.includes('+'))
    throw new Error(`dataset '${spec}': expected at most one '+' (PRIMARY+FILLER), got '${data}'`);
  for (const inner of [primary, fillerText]) {
    if (inner === undefined) continue;
    const innerName = inner.split(':')[0]?.trim().toLowerCase() ?? '';
    if ((TWO_PART_KINDS as readonly string[]).includes(innerName))
      throw new Error(`dataset '${spec}': '${inner}' is itself a two-part spec; give an ordinary dataset`);
  }
  const out: TwoPartSpec = { kind, primary };
  if (fillerText !== undefined && fillerText !== primary) {
    if (kind !== 'two-part')
      throw new Error(
        `dataset '${spec}': ${kind} takes no FILLER (its images have a blank left half); give ${kind}:${primary}`,
      );
    out.filler = fillerText;
  }
  if (optionText.trim().length === 0) {
    if (q >= 0) throw new Error(`dataset '${spec}': empty options after '?'`);
    return out;
  }
  const seen = new Set<string>();
  for (const item of optionText.split(',')) {
    const eq = item.indexOf('=');
    const key = (eq < 0 ? item : item.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? '' : item.slice(eq + 1).trim();
    if (!KEYS[kind].includes(key))
      throw new Error(
        `dataset '${spec}': unknown option '${key}'${didYouMean(key, KEYS[kind])} for ${kind}; known: ${KEYS[kind].join(', ')}`,
      );
    if (eq < 0 || value === '') throw new Error(`dataset '${spec}': option ${key} needs a value (${key}=…)`);
    if (seen.has(key)) throw new Error(`dataset '${spec}': option ${key} is given twice`);
    seen.add(key);
    const listKey = LIST_KEYS[key];
    if (listKey) {
      out[listKey] = parseClassList(value, key, spec);
      continue;
    }
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)))
      throw new Error(`dataset '${spec}': ${key} must be a non-negative integer, got '${value}'`);
    out[NUMBER_KEYS[key] as NumberKey] = Number(value);
  }
  return out;
}

/**
 * The spec as text, options in a fixed order (only those set): parsing it gives `s` back. With every
 * option set (as `loadDataset` names what it built) it does not depend on any default.
 */
export function formatTwoPartSpec(s: TwoPartSpec): string {
  const values: Record<string, string | undefined> = {
    seed: s.seed?.toString(),
    frequent: s.frequentClasses && formatClassList(s.frequentClasses),
    rare: s.rareClasses && formatClassList(s.rareClasses),
    'frequent-per-class': s.frequentPerClass?.toString(),
    'rare-per-class': s.rarePerClass?.toString(),
    'train-per-class': s.trainPerClass?.toString(),
    'test-per-class': s.testPerClass?.toString(),
  };
  const options = KEYS[s.kind].flatMap((k) => (values[k] === undefined ? [] : [`${k}=${values[k]}`]));
  const filler = s.kind === 'two-part' && s.filler !== undefined && s.filler !== s.primary ? `+${s.filler}` : '';
  return `${s.kind}:${s.primary}${filler}${options.length ? `?${options.join(',')}` : ''}`;
}
