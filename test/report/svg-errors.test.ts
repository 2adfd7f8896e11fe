/**
 * Error bars and bands (line and bar charts) and fixed x ticks, against
 * pixel positions computed by hand from the frame geometry each chart has
 * by construction (640 × 400, no title, one legend-free series, fixed
 * ranges): top margin 16, bottom 48, so the plot is 336 px high; y tick
 * labels of three characters ("0.2") make the left margin
 * ⌈3·12·0.6 + 14 + 24⌉ = 60, so the plot is 640 − 60 − 16 = 564 px wide.
 * Every test first checks the frame against that geometry, then the
 * elements against the hand-computed pixels. Charts that use none of the
 * new options must stay byte-identical to the output saved before them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { barChart, CATEGORICAL, lineChart, scatterChart } from '../../src/report/svg/index.ts';
import { snapshotCases } from './svg-snapshot-cases.ts';
import { byClass, findAll, parseXml, type XmlNode } from './tiny-xml.ts';

/** The plot area read from the frame rect. */
function frame(root: XmlNode): [number, number, number, number] {
  const [f] = byClass(root, 'plot-area');
  assert.ok(f, 'a plot-area frame');
  return [Number(f.attrs.x), Number(f.attrs.y), Number(f.attrs.width), Number(f.attrs.height)];
}

/** Rounds as the charts do (0.1 px), for exact comparison of path data. */
function r(v: number): number {
  return Math.round(v * 10) / 10;
}

/** The points of an M/L/Z path, one array per subpath, and whether it is closed. */
function subpaths(d: string): number[][][] {
  const out: number[][][] = [];
  for (const m of d.matchAll(/([ML])(-?[\d.]+),(-?[\d.]+)/g)) {
    if (m[1] === 'M') out.push([]);
    out[out.length - 1]!.push([Number(m[2]), Number(m[3])]);
  }
  return out;
}

/** Hand-built error-bar path data: stem low → high, then the caps given as [x0, x1, y]. */
function barPath(x: number, yLow: number, yHigh: number, caps: [number, number, number][]): number[][][] {
  return [
    [
      [r(x), r(yLow)],
      [r(x), r(yHigh)],
    ],
    ...caps.map(([x0, x1, y]) => [
      [r(x0), r(y)],
      [r(x1), r(y)],
    ]),
  ];
}

function titleOf(n: XmlNode): string | undefined {
  return n.children.find((c) => c.name === 'title')?.text;
}

const ERROR_CLASSES = ['error-bar', 'error-bars', 'error-band'];

// Linear axes on [0, 10] × [0, 1] in a 564 × 336 plot at (60, 16).
const X = (v: number) => 60 + (v / 10) * 564;
const Y = (v: number) => 352 - v * 336;
const fixed = { xLabel: 'x', yLabel: 'y', xRange: [0, 10] as [number, number], yRange: [0, 1] as [number, number] };

describe('charts without the new options', () => {
  it('are byte-identical to the output saved before error bars existed, and have no error elements', () => {
    const saved = JSON.parse(readFileSync(new URL('./svg-snapshots.json', import.meta.url), 'utf8')) as Record<
      string,
      string
    >;
    const now = snapshotCases();
    assert.deepEqual(Object.keys(now).sort(), Object.keys(saved).sort());
    for (const [k, svg] of Object.entries(now)) {
      assert.equal(svg, saved[k], k);
      for (const c of ERROR_CLASSES) assert.equal(byClass(parseXml(svg), c).length, 0, `${k}: no ${c}`);
    }
  });

  it('errors of [NaN, NaN] everywhere draw nothing new', () => {
    const points: [number, number][] = [
      [1, 0.2],
      [4, 0.6],
    ];
    const plain = lineChart({ ...fixed, series: [{ name: 's', points }] });
    const nan = lineChart({
      ...fixed,
      series: [
        {
          name: 's',
          points,
          errors: [
            [Number.NaN, Number.NaN],
            [Number.NaN, 1],
          ],
        },
      ],
    });
    assert.equal(nan, plain);
  });
});

describe('the experiment report call', () => {
  it('logX, markers, errors with [NaN, NaN] for single runs and named x ticks: well-formed, rendered, deterministic', async () => {
    const make = () =>
      lineChart({
        title: 'sweep: accuracy',
        xLabel: 'batch',
        yLabel: 'accuracy (%)',
        logX: true,
        series: [8, 32].map((shift, k) => ({
          name: `method ${k}`,
          points: [16, 64, 256].map((x, i) => [x, 70 + shift / 4 + i * 5] as [number, number]),
          errors: [16, 64, 256].map((_, i) =>
            i === 1 ? ([Number.NaN, Number.NaN] as [number, number]) : ([68 + i * 5, 73 + i * 5] as [number, number]),
          ),
          markers: true,
        })),
        xTicks: { values: [16, 64, 256], labels: ['16', '64', 'all'] },
      });
    const svg = make();
    assert.equal(svg, make());
    const root = parseXml(svg);
    assert.equal(byClass(root, 'error-bar').length, 4, 'two intervals per series, the NaN ones skipped');
    assert.deepEqual(
      findAll(byClass(root, 'x-axis')[0]!, (n) => n.name === 'text').map((n) => n.text),
      ['16', '64', 'all'],
    );
    const info = await sharp(Buffer.from(svg)).metadata();
    assert.deepEqual([info.width, info.height], [640, 400]);
  });
});

describe('lineChart error bars', () => {
  it('stems and caps sit at the hand-computed pixels, each with a hover title; a NaN interval is skipped', () => {
    const root = parseXml(
      lineChart({
        ...fixed,
        markers: true,
        series: [
          {
            name: 's',
            points: [
              [2, 0.5],
              [5, 0.25],
              [8, 0.75],
            ],
            errors: [
              [0.4, 0.6],
              [Number.NaN, Number.NaN],
              [0.5, 1],
            ],
          },
        ],
      }),
    );
    assert.deepEqual(frame(root), [60, 16, 564, 336]);
    const bars = byClass(root, 'error-bar');
    assert.equal(bars.length, 2, 'the NaN interval has no bar');
    // x = 2: 60 + 0.2·564 = 172.8; y 0.4 → 352 − 134.4 = 217.6, 0.6 → 150.4; caps ±4 px.
    assert.deepEqual(subpaths(bars[0]!.attrs.d!), [
      [
        [172.8, 217.6],
        [172.8, 150.4],
      ],
      [
        [168.8, 217.6],
        [176.8, 217.6],
      ],
      [
        [168.8, 150.4],
        [176.8, 150.4],
      ],
    ]);
    // x = 8: 511.2; y 0.5 → 184, 1 → 16 (on the frame's top edge: still inside, so capped).
    assert.deepEqual(
      subpaths(bars[1]!.attrs.d!),
      barPath(511.2, 184, 16, [
        [507.2, 515.2, 184],
        [507.2, 515.2, 16],
      ]),
    );
    assert.equal(titleOf(bars[0]!), 's: 0.5 [0.4, 0.6]');
    assert.equal(titleOf(bars[1]!), 's: 0.75 [0.5, 1]');
    // The point with no interval is still drawn: three line vertices and three markers.
    assert.equal(subpaths(byClass(root, 'line')[0]!.attrs.d!)[0]!.length, 3);
    assert.equal(findAll(byClass(root, 'markers')[0]!, (n) => n.name === 'circle').length, 3);
    // Bars take the series colour and sit between the line and the markers.
    const group = byClass(root, 'series')[0]!;
    assert.deepEqual(
      group.children.map((c) => c.attrs.class),
      ['line', 'error-bars', 'markers'],
    );
    assert.equal(byClass(root, 'error-bars')[0]!.attrs.stroke, CATEGORICAL[0]);
    // The legend says nothing new (one series: no legend at all).
    assert.equal(byClass(root, 'legend').length, 0);
  });

  it('clips at the frame: a cut-off end has no cap, a bar wholly outside is not drawn, caps stop at the side', () => {
    const root = parseXml(
      lineChart({
        ...fixed,
        series: [
          {
            name: 's',
            points: [
              [5, 0.75],
              [6, 0.5],
              [7, 0.9],
              [10, 0.5],
            ],
            errors: [
              [0.5, 1.5],
              [-1, 2],
              [1.2, 1.5],
              [0.25, 0.75],
            ],
          },
        ],
      }),
    );
    assert.deepEqual(frame(root), [60, 16, 564, 336]);
    const bars = byClass(root, 'error-bar');
    assert.equal(bars.length, 3, 'the interval [1.2, 1.5] lies above the range');
    // x = 5 → 342: from 0.5 (184) up to the top edge 16, cap only at the low end.
    assert.deepEqual(subpaths(bars[0]!.attrs.d!), barPath(342, 184, 16, [[338, 346, 184]]));
    // x = 6 → 398.4: both ends cut, the stem spans the plot, no caps.
    assert.deepEqual(subpaths(bars[1]!.attrs.d!), barPath(398.4, 352, 16, []));
    // x = 10 → 624, the right edge: caps end there (620 → 624).
    assert.deepEqual(
      subpaths(bars[2]!.attrs.d!),
      barPath(624, Y(0.25), Y(0.75), [
        [620, 624, Y(0.25)],
        [620, 624, Y(0.75)],
      ]),
    );
    assert.equal(titleOf(bars[1]!), 's: 0.5 [−1, 2]');
  });

  it('the y extent grows to the intervals', () => {
    const points: [number, number][] = [
      [0, 1],
      [1, 2],
    ];
    const yLabels = (svg: string) =>
      findAll(byClass(parseXml(svg), 'y-axis')[0]!, (n) => n.name === 'text').map((n) => n.text);
    const base = { xLabel: 'x', yLabel: 'y' };
    // Without errors y spans [1, 2]: step 0.2.
    assert.deepEqual(yLabels(lineChart({ ...base, series: [{ name: 's', points }] })), [
      '1',
      '1.2',
      '1.4',
      '1.6',
      '1.8',
      '2',
    ]);
    const svg = lineChart({
      ...base,
      series: [
        {
          name: 's',
          points,
          errors: [
            [0, 1.5],
            [1.5, 5],
          ],
        },
      ],
    });
    // With them [0, 5]: 5 intervals of 1. Labels "0".."5" (one character) make the left margin
    // ⌈7.2 + 14 + 24⌉ = 46 and the plot 640 − 46 − 16 = 578 wide; x [0, 1] has step 0.2, domain [0, 1].
    assert.deepEqual(yLabels(svg), ['0', '1', '2', '3', '4', '5']);
    const root = parseXml(svg);
    assert.deepEqual(frame(root), [46, 16, 578, 336]);
    const y = (v: number) => 352 - (v / 5) * 336;
    const bars = byClass(root, 'error-bar');
    // The first interval starts at 0, the bottom edge; the second reaches 5, the top edge, at x = 1, the right edge.
    assert.deepEqual(
      subpaths(bars[0]!.attrs.d!),
      barPath(46, y(0), y(1.5), [
        [46, 50, y(0)],
        [46, 50, y(1.5)],
      ]),
    );
    assert.deepEqual(
      subpaths(bars[1]!.attrs.d!),
      barPath(624, y(1.5), y(5), [
        [620, 624, y(1.5)],
        [620, 624, y(5)],
      ]),
    );
  });

  it('respects a log y axis', () => {
    const root = parseXml(
      lineChart({
        xLabel: 'x',
        yLabel: 'y',
        logY: true,
        series: [
          {
            name: 's',
            points: [
              [1, 1],
              [10, 10],
            ],
            errors: [
              [0.5, 2],
              [5, 20],
            ],
          },
        ],
      }),
    );
    // y data and intervals span [0.5, 20] → decades [0.1, 100], labels "0.1" … "100": left 60.
    // x [1, 10] on 6 intervals: step 2, domain [0, 10].
    assert.deepEqual(frame(root), [60, 16, 564, 336]);
    const y = (v: number) => 352 - ((Math.log10(v) + 1) / 3) * 336;
    const bars = byClass(root, 'error-bar');
    assert.deepEqual(
      subpaths(bars[0]!.attrs.d!),
      barPath(X(1), y(0.5), y(2), [
        [X(1) - 4, X(1) + 4, y(0.5)],
        [X(1) - 4, X(1) + 4, y(2)],
      ]),
    );
    assert.deepEqual(
      subpaths(bars[1]!.attrs.d!),
      barPath(X(10), y(5), y(20), [
        [X(10) - 4, X(10), y(5)],
        [X(10) - 4, X(10), y(20)],
      ]),
    );
    // Spot values: 2 → 352 − (log₁₀2 + 1)/3·336 ≈ 206.3.
    assert.equal(subpaths(bars[0]!.attrs.d!)[0]![1]![1], 206.3);
  });

  it('refuses mismatched lengths, low > high, non-pairs, unknown styles and low ≤ 0 on a log y axis', () => {
    const base = { xLabel: 'x', yLabel: 'y' };
    const points: [number, number][] = [
      [1, 1],
      [2, 2],
    ];
    assert.throws(
      () => lineChart({ ...base, series: [{ name: 'acc', points, errors: [[0, 1]] }] }),
      /lineChart: series "acc" has 1 errors for 2 points/,
    );
    assert.throws(
      () =>
        lineChart({
          ...base,
          series: [
            {
              name: 'acc',
              points,
              errors: [
                [0, 1],
                [3, 2.5],
              ],
            },
          ],
        }),
      /series "acc" errors\[1\] has low 3 > high 2.5/,
    );
    assert.throws(
      () => lineChart({ ...base, series: [{ name: 'acc', points, errors: [[0, 1], [1]] as never }] }),
      /series "acc" errors\[1\] must be a pair of numbers/,
    );
    assert.throws(
      () => lineChart({ ...base, series: [{ name: 'acc', points, errors: 'x' as never }] }),
      /series "acc".errors must be an array/,
    );
    assert.throws(
      () =>
        lineChart({
          ...base,
          logY: true,
          series: [
            {
              name: 'acc',
              points,
              errors: [
                [0.5, 1.5],
                [0, 3],
              ],
            },
          ],
        }),
      /lineChart: logY needs error bounds > 0, but series "acc" point 1 has low = 0/,
    );
    assert.throws(
      () => lineChart({ ...base, errorStyle: 'whiskers' as never, series: [{ name: 'acc', points }] }),
      /errorStyle must be 'bars' or 'band'/,
    );
    assert.throws(
      () => lineChart({ ...base, series: [{ name: 'acc', points, errorStyle: 'x' as never }] }),
      /series "acc".errorStyle/,
    );
    // A skipped interval is not checked against the log axis; nor is the interval of a skipped point.
    assert.doesNotThrow(() =>
      lineChart({
        ...base,
        logY: true,
        series: [
          {
            name: 'acc',
            points: [
              [1, 1],
              [2, Number.NaN],
            ],
            errors: [
              [Number.NaN, -1],
              [-5, 2],
            ],
          },
        ],
      }),
    );
  });
});

describe('lineChart error bands', () => {
  it('a band runs along the high curve and back along the low one; a lone interval becomes a bar', async () => {
    const svg = lineChart({
      ...fixed,
      errorStyle: 'band',
      series: [
        {
          name: 's',
          points: [
            [0, 0.5],
            [5, 0.5],
            [10, 0.5],
          ],
          errors: [
            [0.25, 0.75],
            [0.375, 0.625],
            [0.25, 0.75],
          ],
        },
        {
          name: 't',
          points: [
            [1, 0.1],
            [2, 0.1],
            [3, 0.1],
            [4, 0.1],
          ],
          errors: [
            [0, 0.2],
            [Number.NaN, Number.NaN],
            [0.05, 0.15],
            [0.05, 0.2],
          ],
        },
      ],
    });
    const root = parseXml(svg);
    // Two series: a legend of width ⌈12 + 28 + 7.2 + 8⌉ = 56 on the right, plot 640 − 60 − 72 = 508 wide.
    assert.deepEqual(frame(root), [60, 16, 508, 336]);
    const x = (v: number) => 60 + (v / 10) * 508;
    const bands = byClass(root, 'error-band');
    assert.equal(bands.length, 2);
    // High curve 0.75, 0.625, 0.75 → y 100, 142, 100; low 0.25, 0.375, 0.25 → 268, 226, 268.
    assert.equal(bands[0]!.attrs.d, `M60,100L${r(x(5))},142L568,100L568,268L${r(x(5))},226L60,268Z`);
    assert.equal(bands[0]!.attrs.fill, CATEGORICAL[0]);
    assert.equal(bands[0]!.attrs['fill-opacity'], '0.2');
    assert.equal(titleOf(bands[0]!), 's: 0.5 [0.25, 0.75]\ns: 0.5 [0.375, 0.625]\ns: 0.5 [0.25, 0.75]');
    // Series t: the interval at x = 1 has no neighbour (x = 2 has none) → a bar; x = 3, 4 → a band.
    const t = byClass(root, 'series')[1]!;
    const tBands = byClass(t, 'error-band');
    assert.equal(tBands.length, 1);
    assert.deepEqual(subpaths(tBands[0]!.attrs.d!), [
      [
        [r(x(3)), r(Y(0.15))],
        [r(x(4)), r(Y(0.2))],
        [r(x(4)), r(Y(0.05))],
        [r(x(3)), r(Y(0.05))],
      ],
    ]);
    const tBars = byClass(t, 'error-bar');
    assert.equal(tBars.length, 1);
    assert.deepEqual(
      subpaths(tBars[0]!.attrs.d!),
      barPath(x(1), Y(0), Y(0.2), [
        [x(1) - 4, x(1) + 4, Y(0)],
        [x(1) - 4, x(1) + 4, Y(0.2)],
      ]),
    );
    assert.equal(byClass(t, 'error-bars')[0]!.attrs.stroke, CATEGORICAL[1]);
    // The band lies under the line.
    assert.deepEqual(
      byClass(root, 'series')[0]!.children.map((c) => c.attrs.class),
      ['error-band', 'line'],
    );
    // librsvg paints the band as the series colour at 20 % over white, e.g. at (1, 0.68): inside the
    // band (high there is 0.725), above the line, away from grid lines.
    const { data, info } = await sharp(Buffer.from(svg)).raw().toBuffer({ resolveWithObject: true });
    const at = (px: number, py: number) => {
      const o = (Math.floor(py) * info.width + Math.floor(px)) * info.channels;
      return Array.from(data.subarray(o, o + 3));
    };
    const blend = [0, 114, 178].map((c) => 0.8 * 255 + 0.2 * c); // #0072B2
    const got = at(x(1), Y(0.68));
    assert.ok(
      got.every((v, k) => Math.abs(v - blend[k]!) <= 3),
      `band pixel rgb(${got}), expected about rgb(${blend.map(Math.round)})`,
    );
  });

  it('is clipped to the frame', () => {
    const root = parseXml(
      lineChart({
        ...fixed,
        series: [
          {
            name: 's',
            errorStyle: 'band',
            points: [
              [0, 0.5],
              [10, 0.5],
            ],
            errors: [
              [0.25, 0.75],
              [0.25, 1.25],
            ],
          },
        ],
      }),
    );
    assert.deepEqual(frame(root), [60, 16, 564, 336]);
    // High edge (60, 100) → (624, −68) leaves the top edge y = 16 halfway (84 of 168 px down): x = 342.
    assert.equal(byClass(root, 'error-band')[0]!.attrs.d, 'M60,100L342,16L624,16L624,268L60,268Z');
  });

  it('a per-series style overrides the chart default', () => {
    const series = (errorStyle?: 'bars' | 'band') => ({
      name: 's',
      errorStyle,
      points: [
        [1, 0.5],
        [2, 0.5],
      ] as [number, number][],
      errors: [
        [0.4, 0.6],
        [0.4, 0.6],
      ] as [number, number][],
    });
    const root = parseXml(lineChart({ ...fixed, errorStyle: 'band', series: [series('bars'), series()] }));
    const [a, b] = byClass(root, 'series');
    assert.equal(byClass(a!, 'error-bar').length, 2);
    assert.equal(byClass(a!, 'error-band').length, 0);
    assert.equal(byClass(b!, 'error-band').length, 1);
  });
});

describe('barChart error bars', () => {
  it('sit centred on the bar at the hand-computed pixels, the y extent covers them, value labels move above', () => {
    const svg = barChart({
      xLabel: 'x',
      yLabel: 'y',
      valueLabels: true,
      bars: [
        { label: 'a', value: 1, error: [0.5, 3] },
        { label: 'b', value: 2, error: [Number.NaN, Number.NaN] },
      ],
    });
    const root = parseXml(svg);
    // [0, 3] on 5 intervals: step 0.5 (without the error it would end at 2); labels "0.5": left 60.
    const yl = findAll(byClass(root, 'y-axis')[0]!, (n) => n.name === 'text').map((n) => n.text);
    assert.deepEqual(yl, ['0', '0.5', '1', '1.5', '2', '2.5', '3']);
    assert.deepEqual(frame(root), [60, 16, 564, 336]);
    // Two slots of 282 px; bar a is centred at 60 + 141 = 201 and 225.6 wide, so the cap half-width is 6.
    const y = (v: number) => 352 - (v / 3) * 336;
    const bars = byClass(root, 'error-bar');
    assert.equal(bars.length, 1);
    assert.deepEqual(
      subpaths(bars[0]!.attrs.d!),
      barPath(201, y(0.5), y(3), [
        [195, 207, y(0.5)],
        [195, 207, y(3)],
      ]),
    );
    assert.equal(titleOf(bars[0]!), 'a: 1 [0.5, 3]');
    assert.equal(byClass(root, 'error-bars')[0]!.attrs.stroke, '#222222');
    // The value label of a goes above its error bar (y(3) − 4 = 12), that of b above its bar.
    const labels = findAll(byClass(root, 'value-labels')[0]!, (n) => n.name === 'text');
    assert.equal(Number(labels[0]!.attrs.y), 12);
    assert.equal(Number(labels[1]!.attrs.y), y(2) - 4);
  });

  it('grouped bars: each error bar over its own bar, named by label and group, clipped at a fixed range', () => {
    const root = parseXml(
      barChart({
        xLabel: 'dataset',
        yLabel: 'accuracy',
        yRange: [0, 1.5],
        bars: [
          { label: 'mnist', value: 1, group: 'spectral', error: [0.9, 2] },
          { label: 'mnist', value: 0.5, group: 'simclr', error: [0.4, 0.6] },
          { label: 'cifar', value: 0.8, group: 'spectral' },
        ],
      }),
    );
    // Ticks 0 … 1.4 by 0.2 (labels of 3 characters): left 60. Legend ⌈12 + 28 + 8·7.2 + 8⌉ = 106 wide:
    // right margin 122, plot 458 wide; slots of 229, bars 229·0.8/2 = 91.6 wide.
    assert.deepEqual(frame(root), [60, 16, 458, 336]);
    const y = (v: number) => 352 - (v / 1.5) * 336;
    const centre = (slot: number, g: number) => 60 + slot * 229 + 22.9 + g * 91.6 + 45.8;
    const bars = byClass(root, 'error-bar');
    assert.equal(bars.length, 2);
    // spectral's interval [0.9, 2] leaves the range at 1.5 (the top edge): no cap there.
    assert.deepEqual(
      subpaths(bars[0]!.attrs.d!),
      barPath(centre(0, 0), y(0.9), 16, [[centre(0, 0) - 6, centre(0, 0) + 6, y(0.9)]]),
    );
    assert.deepEqual(
      subpaths(bars[1]!.attrs.d!),
      barPath(centre(0, 1), y(0.4), y(0.6), [
        [centre(0, 1) - 6, centre(0, 1) + 6, y(0.4)],
        [centre(0, 1) - 6, centre(0, 1) + 6, y(0.6)],
      ]),
    );
    assert.equal(titleOf(bars[0]!), 'mnist (spectral): 1 [0.9, 2]');
    assert.equal(titleOf(bars[1]!), 'mnist (simclr): 0.5 [0.4, 0.6]');
  });

  it('refuses low > high and non-pairs', () => {
    const base = { xLabel: 'x', yLabel: 'y' };
    assert.throws(
      () => barChart({ ...base, bars: [{ label: 'a', value: 1, error: [2, 1] }] }),
      /barChart: bars\[0\] \("a"\) error has low 2 > high 1/,
    );
    assert.throws(
      () => barChart({ ...base, bars: [{ label: 'a', value: 1, error: [1] as never }] }),
      /bars\[0\] \("a"\) error must be a pair of numbers/,
    );
  });
});

describe('xTicks', () => {
  const xAxis = (root: XmlNode) => findAll(byClass(root, 'x-axis')[0]!, (n) => n.name === 'text');

  it('replaces the automatic ticks and grid lines by the given positions and labels', () => {
    const root = parseXml(
      lineChart({
        xLabel: 'labels per class',
        yLabel: 'y',
        yRange: [0, 1],
        series: [
          {
            name: 's',
            points: [
              [1, 0.2],
              [2, 0.5],
              [3, 0.9],
            ],
          },
        ],
        xTicks: { values: [1, 2, 3], labels: ['8', '32', 'all'] },
      }),
    );
    // x [1, 3] padded by 5 % of its span each side: domain [0.9, 3.1], so 1, 2, 3 sit at 1/22, 1/2 and
    // 21/22 of the 564 px: 85.6, 342, 598.4.
    assert.deepEqual(frame(root), [60, 16, 564, 336]);
    const labels = xAxis(root);
    assert.deepEqual(
      labels.map((n) => n.text),
      ['8', '32', 'all'],
    );
    assert.deepEqual(
      labels.map((n) => Number(n.attrs.x)),
      [85.6, 342, 598.4],
    );
    const vertical = findAll(byClass(root, 'grid')[0]!, (n) => n.name === 'line' && n.attrs.x1 === n.attrs.x2);
    assert.deepEqual(
      vertical.map((n) => Number(n.attrs.x1)),
      [85.6, 342, 598.4],
    );
    // The tick marks are there too, and the points line up with them.
    const marks = findAll(byClass(root, 'x-axis')[0]!, (n) => n.name === 'line');
    assert.deepEqual(
      marks.map((n) => Number(n.attrs.x1)),
      [85.6, 342, 598.4],
    );
    assert.deepEqual(
      subpaths(byClass(root, 'line')[0]!.attrs.d!)[0]!.map((p) => p[0]),
      [85.6, 342, 598.4],
    );
  });

  it('on a log x axis, at log positions; values widen the domain, which is padded rather than made nice', () => {
    const root = parseXml(
      lineChart({
        xLabel: 'batch',
        yLabel: 'y',
        yRange: [0, 1],
        logX: true,
        series: [
          {
            name: 's',
            points: [
              [2, 0.2],
              [8, 0.5],
            ],
          },
        ],
        xTicks: { values: [2, 8, 32], labels: ['2', '8', 'all'] },
      }),
    );
    // x [2, 32] (32 from the ticks) spans log₁₀ 16; padded by 5 % of that each side in log space, 8 (the
    // geometric middle) sits at 1/2 and 2, 32 at 1/22 and 21/22 of the width, as on the linear axis above.
    assert.deepEqual(frame(root), [60, 16, 564, 336]);
    const labels = xAxis(root);
    assert.deepEqual(
      labels.map((n) => n.text),
      ['2', '8', 'all'],
    );
    assert.deepEqual(
      labels.map((n) => Number(n.attrs.x)),
      [85.6, 342, 598.4],
    );
    // Cross-check against the log formula: t = (log₁₀ v − log₁₀ 2 + 0.05·log₁₀ 16) / (1.1·log₁₀ 16).
    labels.forEach((n, i) => {
      const v = [2, 8, 32][i]!;
      const t = (Math.log10(v) - Math.log10(2) + 0.05 * Math.log10(16)) / (1.1 * Math.log10(16));
      assert.equal(Number(n.attrs.x), r(60 + t * 564), `tick ${v}`);
    });
  });

  it('with a fixed xRange, values outside it are left out; scatter charts take them too', () => {
    const root = parseXml(
      lineChart({
        ...fixed,
        series: [{ name: 's', points: [[5, 0.5]] }],
        xTicks: { values: [-1, 5, 11], labels: ['a', 'b', 'c'] },
      }),
    );
    const labels = xAxis(root);
    assert.deepEqual(
      labels.map((n) => [n.text, Number(n.attrs.x)]),
      [['b', 342]],
    );
    // A single value: ±10 % of it, [4.5, 5.5], puts it in the middle.
    const single = parseXml(
      lineChart({
        xLabel: 'x',
        yLabel: 'y',
        yRange: [0, 1],
        series: [{ name: 's', points: [[5, 0.5]] }],
        xTicks: { values: [5], labels: ['all'] },
      }),
    );
    assert.deepEqual(frame(single), [60, 16, 564, 336]);
    assert.deepEqual(
      xAxis(single).map((n) => [n.text, Number(n.attrs.x)]),
      [['all', 342]],
    );
    const scatter = parseXml(
      scatterChart({
        ...fixed,
        points: [{ x: 5, y: 0.5, group: 0 }],
        xTicks: { values: [0, 10], labels: ['lo', 'hi'] },
      }),
    );
    assert.deepEqual(
      xAxis(scatter).map((n) => [n.text, Number(n.attrs.x)]),
      [
        ['lo', 60],
        ['hi', 624],
      ],
    );
  });

  it('refuses values ≤ 0 on a log axis (naming the index), mismatched lengths and non-finite values', () => {
    const base = { xLabel: 'x', yLabel: 'y', series: [{ name: 's', points: [[1, 1]] as [number, number][] }] };
    assert.throws(
      () => lineChart({ ...base, logX: true, xTicks: { values: [1, 0], labels: ['1', '0'] } }),
      /lineChart: logX needs xTicks.values > 0, but xTicks.values\[1\] is 0/,
    );
    assert.throws(
      () => lineChart({ ...base, xTicks: { values: [1, 2], labels: ['1'] } }),
      /xTicks has 2 values but 1 labels/,
    );
    assert.throws(
      () => lineChart({ ...base, xTicks: { values: [Number.NaN], labels: ['x'] } }),
      /xTicks.values\[0\] must be a finite number/,
    );
    assert.throws(
      () => lineChart({ ...base, xTicks: { values: [1], labels: [1] as never } }),
      /xTicks.labels\[0\] must be a string/,
    );
  });
});
