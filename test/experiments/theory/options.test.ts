/**
 * The theory checks' options are declared once (OPTIMUM_OPTIONS, …): these
 * tests keep docs/theory.md's option tables equal to the declarations, and
 * check that the declarations resolve, reject what they should and never
 * restate a default in a help sentence.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { flagsOf, helpDefault } from '../../../src/cli/option-flags.ts';
import { BLOCK_TRANSFER_OPTIONS } from '../../../src/experiments/theory/block-transfer.ts';
import { CONNECTIVITY_OPTIONS } from '../../../src/experiments/theory/connectivity.ts';
import { LEARNED_OPTIONS } from '../../../src/experiments/theory/learned.ts';
import { OPTIMUM_OPTIONS } from '../../../src/experiments/theory/optimum.ts';
import { REAL_OPTIONS } from '../../../src/experiments/theory/real.ts';
import { SEPARABILITY_OPTIONS } from '../../../src/experiments/theory/separability.ts';
import type { Schema } from '../../../src/options/index.ts';
import { resolveOptions } from '../../../src/options/index.ts';

const SCHEMAS: Record<string, Schema> = {
  optimum: OPTIMUM_OPTIONS,
  learned: LEARNED_OPTIONS,
  separability: SEPARABILITY_OPTIONS,
  connectivity: CONNECTIVITY_OPTIONS,
  real: REAL_OPTIONS,
  'block-transfer': BLOCK_TRANSFER_OPTIONS,
};

/** Checks that draw nothing at random (so they have no seed). */
const DETERMINISTIC = new Set(['block-transfer']);

const doc = readFileSync(new URL('../../../docs/theory.md', import.meta.url), 'utf8');

/** flag → [default, what it does] from the table under "### Options of `specl theory <name>`". */
function docTable(name: string): Map<string, [string, string]> {
  const heading = `### Options of \`specl theory ${name}\``;
  const start = doc.indexOf(heading);
  assert.ok(start >= 0, `docs/theory.md has no "${heading}"`);
  const rest = doc.slice(start + heading.length);
  const end = rest.search(/^#{2,3} /m);
  const rows = new Map<string, [string, string]>();
  for (const line of (end >= 0 ? rest.slice(0, end) : rest).split('\n')) {
    const m = /^\| `--([a-z0-9-]+)` \| (.*?) \| (.*) \|$/.exec(line);
    if (m) rows.set(m[1] as string, [(m[2] as string).replace(/\\\|/g, '|'), m[3] as string]);
  }
  return rows;
}

describe('docs/theory.md option tables', () => {
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    it(`${name}: every option with its default, and nothing else`, () => {
      const rows = docTable(name);
      const flags = flagsOf(schema, { all: true });
      for (const f of flags) {
        const row = rows.get(f.flag);
        assert.ok(row, `docs/theory.md: specl theory ${name} has no row for --${f.flag}`);
        assert.equal(row[0], helpDefault(f.decl), `docs/theory.md: the default of specl theory ${name} --${f.flag}`);
        assert.ok(row[1].length > 0, `--${f.flag} says what it does`);
      }
      assert.deepEqual(
        [...rows.keys()].sort(),
        flags.map((f) => f.flag).sort(),
        `docs/theory.md: rows of specl theory ${name}`,
      );
    });
  }
});

describe('the declarations', () => {
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    it(`${name}: every default passes its own check; help sentences speak of the option, not its default`, () => {
      const settings = resolveOptions(schema, {}, `theory ${name}`) as Record<string, unknown>;
      assert.deepEqual(Object.keys(settings), Object.keys(schema));
      if (!DETERMINISTIC.has(name)) assert.ok('seed' in settings, `${name} has a seed option`);
      for (const [key, decl] of Object.entries(schema)) {
        assert.equal(decl.kind, 'option', `${name}.${key} is a top-level option (a flag)`);
        if (decl.kind !== 'option') continue;
        assert.ok(decl.help.length > 10, `${name}.${key} has a help sentence`);
        assert.doesNotMatch(
          decl.help,
          /\(default|default:? [\d.]/i,
          `${name}.${key}: the default lives in the declaration`,
        );
      }
      // Given back, the settings resolve to themselves (a run's JSON reruns it).
      assert.deepEqual(resolveOptions(schema, settings, `theory ${name}`), settings);
    });
  }

  it('unknown options, wrong types and out-of-range values name the option, the expectation and the value', () => {
    assert.throws(
      () => resolveOptions(OPTIMUM_OPTIONS, { maxk: 4 }, 'theory optimum'),
      /^OptionError: theory optimum: unknown option 'maxk' \(did you mean 'maxK'\?\)/,
    );
    assert.throws(
      () => resolveOptions(SEPARABILITY_OPTIONS, { vertices: '100' }, 'theory separability'),
      /theory separability: vertices must be an integer ≥ 4, got "100" \(a string\)/,
    );
    assert.throws(
      () => resolveOptions(CONNECTIVITY_OPTIONS, { separation: -1 }, 'theory connectivity'),
      /theory connectivity: separation must be a number in \[0, 1e100\] .*, got -1/,
    );
    assert.throws(
      () => resolveOptions(REAL_OPTIONS, { epsilon: 1 }, 'theory real'),
      /theory real: epsilon must be a number in \(0, 1\), got 1/,
    );
    assert.throws(
      () => resolveOptions(LEARNED_OPTIONS, { k: 'some' }, 'theory learned'),
      /theory learned: k must be a positive integer, or "auto", got "some" \(a string\)/,
    );
  });

  it('a default that follows another option follows the value given', () => {
    const s = resolveOptions(SEPARABILITY_OPTIONS, { manifolds: 3, labels: 'subcluster' }, 'theory separability');
    assert.equal(s.ambientDim, 3);
    assert.equal(s.subclusters, 2);
    assert.equal(s.maxK, 18);
    const o = resolveOptions(OPTIMUM_OPTIONS, { manifolds: 5, maxK: 4 }, 'theory optimum');
    assert.equal(o.ambientDim, 5);
    assert.equal(o.maxK, 4);
    assert.equal(resolveOptions(CONNECTIVITY_OPTIONS, { manifolds: 6 }, 'theory connectivity').eigenvalues, 14);
    assert.equal(resolveOptions(LEARNED_OPTIONS, { manifolds: 5 }, 'theory learned').naturalPoints, 300);
  });
});
