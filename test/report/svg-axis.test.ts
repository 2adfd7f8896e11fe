/**
 * Ticks, tick labels, scales, palette interpolation and escaping of the SVG
 * chart library, against hand-computed expectations.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CATEGORICAL,
  colourAt,
  DIVERGING,
  escapeXml,
  formatValue,
  linearTicks,
  logTicks,
  makeScale,
  niceStep,
  SEQUENTIAL,
} from '../../src/report/svg/index.ts';
import { Rng } from '../helpers/prng.ts';

describe('linear ticks', () => {
  it('[0, 1] gives 0, 0.2, …, 1 with clean labels', () => {
    const t = linearTicks(0, 1, 5);
    assert.deepEqual(t.domain, [0, 1]);
    assert.deepEqual(t.values, [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(t.labels, ['0', '0.2', '0.4', '0.6', '0.8', '1']);
  });

  it('tick values equal the decimal literals (no 0.30000000000000004)', () => {
    const t = linearTicks(0, 0.3, 3);
    assert.deepEqual(t.values, [0, 0.1, 0.2, 0.3]);
    assert.equal(t.values[3], 0.3);
    assert.deepEqual(t.labels, ['0', '0.1', '0.2', '0.3']);
    // 0.7 / 0.1 style steps: 0.1 + 0.2 would be 0.30000000000000004, the ticks must not be.
    const u = linearTicks(0.1, 0.7, 6);
    assert.deepEqual(u.values, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
    assert.deepEqual(u.labels, ['0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7']);
  });

  it('widens the domain to whole 1-2-5 steps (hand-computed cases)', () => {
    // span 0.74 / 5 = 0.148 → step 0.2; floor(0.13/0.2)=0, ceil(0.87/0.2)=5.
    const a = linearTicks(0.13, 0.87, 5);
    assert.deepEqual(a.domain, [0, 1]);
    assert.deepEqual(a.values, [0, 0.2, 0.4, 0.6, 0.8, 1]);
    // span 15.8 / 4 = 3.95 → step 5; domain [−5, 15]; negative labels use U+2212.
    const b = linearTicks(-3.7, 12.1, 4);
    assert.deepEqual(b.domain, [-5, 15]);
    assert.deepEqual(b.values, [-5, 0, 5, 10, 15]);
    assert.deepEqual(b.labels, ['−5', '0', '5', '10', '15']);
    // A single value v is widened by 10 %: [1110.6, 1357.4] / 5 = 49.36 → step 50 → [1100, 1400].
    const c = linearTicks(1234, 1234, 5);
    assert.deepEqual(c.domain, [1100, 1400]);
    assert.deepEqual(c.values, [1100, 1150, 1200, 1250, 1300, 1350, 1400]);
    // Without widening, only ticks inside the fixed range: step 0.2 inside [0.05, 0.95].
    const d = linearTicks(0.05, 0.95, 5, false);
    assert.deepEqual(d.domain, [0.05, 0.95]);
    assert.deepEqual(d.values, [0.2, 0.4, 0.6, 0.8]);
  });

  it('large and small magnitudes share one power of ten', () => {
    assert.deepEqual(linearTicks(0, 2e6, 4).labels, ['0', '0.5×10⁶', '1×10⁶', '1.5×10⁶', '2×10⁶']);
    assert.deepEqual(linearTicks(0, 4e-5, 4).labels, ['0', '1×10⁻⁵', '2×10⁻⁵', '3×10⁻⁵', '4×10⁻⁵']);
    assert.deepEqual(linearTicks(0, 250000, 5).labels, ['0', '50000', '100000', '150000', '200000', '250000']);
  });

  it('niceStep picks 1, 2 or 5 times a power of ten', () => {
    assert.equal(niceStep(0.2).step, 0.2);
    assert.equal(niceStep(0.13).step, 0.1);
    assert.equal(niceStep(0.15).step, 0.2);
    assert.equal(niceStep(4).step, 5);
    assert.equal(niceStep(8).step, 10);
    assert.equal(niceStep(3e-7).step, 2e-7);
    assert.throws(() => niceStep(0), /positive/);
  });

  it('random ranges: ticks are exact multiples of a 1-2-5 step, cover the data, and print short', () => {
    const rng = new Rng(5);
    for (let trial = 0; trial < 400; trial++) {
      const scale = 10 ** rng.int(-9, 10);
      const a = (rng.uniform() * 2 - 1) * scale;
      const b = a + rng.uniform() * scale * 3 + 1e-3 * scale;
      const count = rng.int(2, 11);
      const t = linearTicks(a, b, count);
      assert.ok(t.domain[0] <= a && t.domain[1] >= b, `domain ${t.domain} covers [${a}, ${b}]`);
      assert.ok(t.values.length >= 2, 'at least two ticks');
      const step = t.values[1]! - t.values[0]!;
      const mant = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
      assert.ok(
        [1, 2, 5].some((m) => Math.abs(mant - m) < 1e-6),
        `step ${step} is 1-2-5`,
      );
      const intervals = t.values.length - 1;
      assert.ok(intervals >= count / 3 && intervals <= count * 3 + 2, `${intervals} intervals for count ${count}`);
      for (const [i, v] of t.values.entries()) {
        // v is a whole number of steps from the first tick, and its printed form has no float noise.
        assert.ok(Math.abs((v - t.values[0]!) / step - i) < 1e-6);
        assert.match(t.labels[i]!, /^−?\d{1,7}(\.\d{1,6})?(×10[⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)?$/, `label ${t.labels[i]} of ${v}`);
      }
      assert.equal(new Set(t.labels).size, t.labels.length, `distinct labels ${t.labels}`);
    }
  });

  it('rejects bad input', () => {
    assert.throws(() => linearTicks(1, 0), /min must be ≤ max/);
    assert.throws(() => linearTicks(0, Number.NaN), /finite/);
    assert.throws(() => linearTicks(0, 1, 0), /count/);
  });
});

describe('log ticks', () => {
  it('[0.001, 1000] gives 10⁻³ … 10³ at the exact powers', () => {
    const t = logTicks(0.001, 1000);
    assert.deepEqual(t.domain, [0.001, 1000]);
    assert.deepEqual(t.values, [0.001, 0.01, 0.1, 1, 10, 100, 1000]);
    assert.deepEqual(t.labels, ['10⁻³', '10⁻²', '10⁻¹', '10⁰', '10¹', '10²', '10³']);
  });

  it('widens to whole decades and adds 2× and 5× ticks over at most two decades', () => {
    const t = logTicks(3, 70);
    assert.deepEqual(t.domain, [1, 100]);
    assert.deepEqual(t.values, [1, 2, 5, 10, 20, 50, 100]);
    assert.deepEqual(t.labels, ['1', '2', '5', '10', '20', '50', '100']);
  });

  it('thins many decades to every other power', () => {
    const t = logTicks(1e-12, 1e8);
    assert.deepEqual(t.values, [1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2, 1, 1e2, 1e4, 1e6, 1e8]);
    assert.equal(t.labels[0], '10⁻¹²');
    assert.equal(t.labels[10], '10⁸');
  });

  it('rejects non-positive values', () => {
    assert.throws(() => logTicks(0, 1), /positive/);
    assert.throws(() => logTicks(-1, 10), /positive/);
    assert.throws(
      () => makeScale(1, 10, [0, 100], { log: true, fixed: [0, 10], name: 'y range' }),
      /y range.*positive/,
    );
  });
});

describe('scales', () => {
  it('map data to pixels linearly and logarithmically', () => {
    const s = makeScale(0, 10, [100, 600]);
    assert.deepEqual(s.domain, [0, 10]);
    assert.equal(s.map(2.5), 225);
    assert.equal(s.map(10), 600);
    const y = makeScale(0, 1, [400, 40], { fixed: [0, 1] });
    assert.equal(y.map(0.25), 310);
    const l = makeScale(1, 100, [0, 200], { log: true });
    assert.ok(Math.abs(l.map(10) - 100) < 1e-9);
    assert.ok(Math.abs(l.map(Math.sqrt(10)) - 50) < 1e-9);
    assert.throws(() => makeScale(0, 1, [0, 1], { fixed: [1, 1], name: 'x range' }), /x range.*lo < hi/);
  });
});

describe('formatValue', () => {
  it('prints up to 4 significant digits without float noise', () => {
    assert.equal(formatValue(0.1 + 0.2), '0.3');
    assert.equal(formatValue(123456789), '1.235×10⁸');
    assert.equal(formatValue(999999.7), '1×10⁶');
    assert.equal(formatValue(-0.00012346), '−1.235×10⁻⁴');
    assert.equal(formatValue(2 / 3), '0.6667');
    assert.equal(formatValue(0), '0');
  });
});

describe('palette', () => {
  const rgb = (c: string) => [1, 3, 5].map((i) => Number.parseInt(c.slice(i, i + 2), 16));
  it('ends of the scales are the first and last stops; midpoints mix linearly', () => {
    assert.equal(colourAt(SEQUENTIAL, 0), SEQUENTIAL[0]);
    assert.equal(colourAt(SEQUENTIAL, 1), SEQUENTIAL[SEQUENTIAL.length - 1]);
    assert.equal(colourAt(SEQUENTIAL, -3), SEQUENTIAL[0]);
    assert.equal(colourAt(DIVERGING, 0.5), DIVERGING[4]);
    // t = 0.05 is halfway between viridis stops 0 and 1 (stops every 0.1).
    const [a, b] = [rgb(SEQUENTIAL[0]!), rgb(SEQUENTIAL[1]!)];
    const mid = rgb(colourAt(SEQUENTIAL, 0.05));
    for (let k = 0; k < 3; k++) assert.ok(Math.abs(mid[k]! - (a[k]! + b[k]!) / 2) <= 0.5, `channel ${k}`);
  });
  it('the categorical palette is 8 distinct colours', () => {
    assert.equal(new Set(CATEGORICAL).size, 8);
    for (const c of CATEGORICAL) assert.match(c, /^#[0-9A-F]{6}$/);
  });
});

describe('escapeXml', () => {
  it('escapes markup characters and drops characters XML forbids', () => {
    assert.equal(escapeXml(`a<b>&"c'`), 'a&lt;b&gt;&amp;&quot;c&#39;');
    assert.equal(escapeXml('&amp;'), '&amp;amp;');
    assert.equal(escapeXml('x\u0001y\u001Fz\tw\n'), 'xyz\tw\n');
    assert.equal(escapeXml('λ₂ ≤ 1 — Ā'), 'λ₂ ≤ 1 — Ā');
  });
});
