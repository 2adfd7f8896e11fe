/**
 * The four chart kinds: well-formed standalone SVG (checked by a parser
 * written in the tests and by librsvg through sharp), data-to-pixel mapping
 * recomputed from the plot-area frame, legends, escaping, log-axis and
 * empty-input errors, heatmap colours and determinism.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import {
  barChart,
  CATEGORICAL,
  DIVERGING,
  heatmap,
  lineChart,
  MISSING,
  SEQUENTIAL,
  scatterChart,
} from '../../src/report/svg/index.ts';
import { Rng } from '../helpers/prng.ts';
import { allText, byClass, findAll, parseXml, type XmlNode } from './tiny-xml.ts';

/** Parses and checks the document-level requirements of a standalone SVG 1.1 file. */
function svgRoot(svg: string, width = 640, height = 400): XmlNode {
  const root = parseXml(svg);
  assert.equal(root.name, 'svg');
  assert.equal(root.attrs.xmlns, 'http://www.w3.org/2000/svg');
  assert.equal(root.attrs.version, '1.1');
  assert.equal(root.attrs.width, String(width));
  assert.equal(root.attrs.height, String(height));
  assert.equal(root.attrs.viewBox, `0 0 ${width} ${height}`);
  return root;
}

/** The plot area as numbers, read from the frame rect. */
function plotArea(root: XmlNode): { x: number; y: number; w: number; h: number } {
  const [frame] = byClass(root, 'plot-area');
  assert.ok(frame, 'a plot-area frame');
  const a = frame.attrs;
  return { x: Number(a.x), y: Number(a.y), w: Number(a.width), h: Number(a.height) };
}

/** (x, y) pairs of an M/L path, one array per subpath. */
function subpaths(d: string): [number, number][][] {
  const out: [number, number][][] = [];
  for (const m of d.matchAll(/([ML])(-?[\d.]+),(-?[\d.]+)/g)) {
    if (m[1] === 'M') out.push([]);
    out[out.length - 1]!.push([Number(m[2]), Number(m[3])]);
  }
  return out;
}

/** Coordinates are rounded to 0.1 px. */
function near(actual: number, expected: number, what: string, tol = 0.051): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual}, expected ${expected}`);
}

/** RGBA of pixel (x, y) of the SVG rendered by librsvg (a real XML parser and renderer). */
async function render(svg: string): Promise<{ width: number; height: number; at(x: number, y: number): number[] }> {
  const { data, info } = await sharp(Buffer.from(svg)).raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    at: (x, y) => {
      const o = (Math.floor(y) * info.width + Math.floor(x)) * info.channels;
      return Array.from(data.subarray(o, o + 3));
    },
  };
}

function rgb(hex: string): number[] {
  return [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
}

function sameColour(actual: number[], hex: string, what: string): void {
  const e = rgb(hex);
  assert.ok(
    actual.every((v, k) => Math.abs(v - e[k]!) <= 2),
    `${what}: rendered rgb(${actual}) expected ${hex}`,
  );
}

const HOSTILE = `</svg><script>alert("x")</script> & 'q' <b>`;

function allCharts(): Record<string, string> {
  const rng = new Rng(3);
  return {
    line: lineChart({
      title: 'Spectrum',
      xLabel: 'i',
      yLabel: 'λᵢ',
      series: [
        {
          name: 'a',
          points: [
            [1, 0.9],
            [2, 0.5],
            [3, Number.NaN],
            [4, 0.1],
          ],
        },
        {
          name: 'b',
          points: [
            [1, 0.8],
            [4, 0.2],
          ],
          dashed: true,
        },
      ],
      markers: true,
    }),
    loglog: lineChart({
      xLabel: 'σ',
      yLabel: 'φ',
      logX: true,
      logY: true,
      series: [
        {
          name: 's',
          points: [
            [0.01, 1e-6],
            [100, 0.5],
          ],
        },
      ],
    }),
    scatter: scatterChart({
      xLabel: 'f₁',
      yLabel: 'f₂',
      points: Array.from({ length: 300 }, (_, i) => ({ x: rng.normal(), y: rng.normal(), group: `c${i % 3}` })),
    }),
    heat: heatmap({
      title: 'U',
      xLabel: 'j',
      yLabel: 'i',
      values: [
        [1, -1],
        [0.5, Number.NaN],
      ],
      diverging: true,
      rowGroups: [0, 1],
    }),
    bars: barChart({
      xLabel: 'k',
      yLabel: 'acc',
      bars: [
        { label: 'x', value: 1 },
        { label: 'y', value: -2 },
      ],
      valueLabels: true,
    }),
    hostile: lineChart({
      title: HOSTILE,
      xLabel: HOSTILE,
      yLabel: HOSTILE,
      series: [
        { name: HOSTILE, points: [[0, 0]] },
        { name: 'n', points: [[1, 1]] },
      ],
    }),
  };
}

describe('SVG documents', () => {
  it('the test parser itself rejects malformed XML', () => {
    assert.throws(() => parseXml('<svg><g></svg>'), /does not match/);
    assert.throws(() => parseXml('<svg a=1/>'), /quoted/);
    assert.throws(() => parseXml('<svg a="1" a="2"/>'), /duplicate/);
    assert.throws(() => parseXml('<svg>a & b</svg>'), /bare &/);
    assert.throws(() => parseXml('<svg a="<"/>'), /raw </);
    assert.throws(() => parseXml('<svg/><svg/>'), /second root/);
    assert.throws(() => parseXml('<svg>'), /unclosed/);
    assert.equal(parseXml('<svg t="&lt;&amp;&#39;">x &gt; y</svg>').attrs.t, "<&'");
  });

  it('every chart kind is well-formed standalone SVG 1.1 that librsvg renders at its size', async () => {
    for (const [name, svg] of Object.entries(allCharts())) {
      const root = svgRoot(svg);
      assert.ok(findAll(root, (n) => n.name === 'text').length > 0, `${name} has text`);
      const img = await render(svg);
      assert.deepEqual([img.width, img.height], [640, 400], name);
      // White background where nothing is drawn (top-left corner).
      sameColour(img.at(1, 1), '#FFFFFF', `${name} background`);
    }
  });

  it('custom width and height set the size and the viewBox', () => {
    svgRoot(
      barChart({ xLabel: 'a', yLabel: 'b', bars: [{ label: 'x', value: 1 }], width: 300, height: 200 }),
      300,
      200,
    );
  });

  it('text is escaped and comes back unchanged through a parser', () => {
    const svg = allCharts().hostile;
    assert.ok(!svg.includes('<script>'), 'no raw markup from user text');
    const root = svgRoot(svg);
    assert.equal(findAll(root, (n) => n.name === 'title')[0]!.text, HOSTILE);
    assert.equal(allText(byClass(root, 'title')[0]!), HOSTILE);
    assert.equal(allText(byClass(root, 'x-label')[0]!), HOSTILE);
    assert.equal(allText(byClass(root, 'y-label')[0]!), HOSTILE);
    assert.equal(byClass(root, 'series')[0]!.attrs['data-name'], HOSTILE);
    // Legend names are shortened to 32 characters, still escaped.
    const legendText = byClass(root, 'legend-entry').map(allText);
    assert.equal(legendText[0], `${[...HOSTILE].slice(0, 31).join('')}…`);
  });

  it('the same input gives the same string', () => {
    const a = allCharts();
    const b = allCharts();
    for (const k of Object.keys(a)) assert.equal(a[k], b[k], k);
  });
});

describe('lineChart', () => {
  it('maps data to pixels inside the plot area (linear axes)', () => {
    const pts: [number, number][] = [
      [0, 0],
      [2, 0.5],
      [7, 0.25],
      [10, 1],
    ];
    const root = svgRoot(
      lineChart({ xLabel: 'x', yLabel: 'y', series: [{ name: 's', points: pts }], yRange: [0, 1], markers: true }),
    );
    const a = plotArea(root);
    const path = byClass(root, 'line')[0]!;
    const [sub] = subpaths(path.attrs.d!);
    assert.equal(subpaths(path.attrs.d!).length, 1);
    assert.equal(sub!.length, pts.length);
    // x in [0, 10] is a whole number of any 1-2-5 step, so the x domain is exactly [0, 10].
    pts.forEach(([x, y], i) => {
      near(sub![i]![0], a.x + (x / 10) * a.w, `x of point ${i}`);
      near(sub![i]![1], a.y + a.h - y * a.h, `y of point ${i}`);
    });
    const circles = findAll(byClass(root, 'markers')[0]!, (n) => n.name === 'circle');
    assert.equal(circles.length, pts.length);
    near(Number(circles[2]!.attrs.cx), a.x + 0.7 * a.w, 'marker cx');
    near(Number(circles[2]!.attrs.cy), a.y + 0.75 * a.h, 'marker cy');
    // Tick labels sit at their values: "0.6" on y, "4" on x.
    const yLab = findAll(byClass(root, 'y-axis')[0]!, (n) => n.name === 'text' && n.text === '0.6')[0]!;
    near(Number(yLab.attrs.y), a.y + 0.4 * a.h, 'y tick 0.6');
    const xLab = findAll(byClass(root, 'x-axis')[0]!, (n) => n.name === 'text' && n.text === '4')[0]!;
    near(Number(xLab.attrs.x), a.x + 0.4 * a.w, 'x tick 4');
  });

  it('maps data to pixels on log axes', () => {
    const pts: [number, number][] = [
      [1, 0.01],
      [10, 0.1],
      [30, 0.5],
      [1000, 1],
    ];
    const root = svgRoot(
      lineChart({ xLabel: 'x', yLabel: 'y', logX: true, logY: true, series: [{ name: 's', points: pts }] }),
    );
    const a = plotArea(root);
    const [sub] = subpaths(byClass(root, 'line')[0]!.attrs.d!);
    // Domains [1, 1000] and [0.01, 1]: three and two decades.
    pts.forEach(([x, y], i) => {
      near(sub![i]![0], a.x + (Math.log10(x) / 3) * a.w, `x of point ${i}`);
      near(sub![i]![1], a.y + a.h - ((Math.log10(y) + 2) / 2) * a.h, `y of point ${i}`);
    });
    const xLabels = findAll(byClass(root, 'x-axis')[0]!, (n) => n.name === 'text').map((n) => n.text);
    assert.deepEqual(xLabels, ['1', '10', '100', '1000']);
  });

  it('skips NaN and ±Infinity points with a gap, and shows an isolated point as a dot', () => {
    const root = svgRoot(
      lineChart({
        xLabel: 'x',
        yLabel: 'y',
        series: [
          {
            name: 's',
            points: [
              [0, 0],
              [1, 1],
              [2, Number.NaN],
              [3, 1],
              [4, 0],
              [5, Number.POSITIVE_INFINITY],
              [6, 0.5],
              [Number.NaN, 1],
              [8, 1],
              [9, 0],
            ],
          },
        ],
      }),
    );
    const subs = subpaths(byClass(root, 'line')[0]!.attrs.d!);
    assert.deepEqual(
      subs.map((s) => s.length),
      [2, 2, 2],
    );
    const a = plotArea(root);
    const dots = findAll(byClass(root, 'markers')[0]!, (n) => n.name === 'circle');
    assert.equal(dots.length, 1, 'the point at x = 6 has no finite neighbour');
    near(Number(dots[0]!.attrs.cx), a.x + (6 / 10) * a.w, 'dot x');
  });

  it('clips lines at a fixed y range', () => {
    const root = svgRoot(
      lineChart({
        xLabel: 'x',
        yLabel: 'y',
        yRange: [0, 1],
        series: [
          {
            name: 's',
            points: [
              [0, 0],
              [5, 2],
              [10, 0],
            ],
          },
        ],
      }),
    );
    const a = plotArea(root);
    const subs = subpaths(byClass(root, 'line')[0]!.attrs.d!);
    assert.equal(subs.length, 2, 'the part above the range is cut out');
    // Segment (0,0)→(5,2) meets y = 1 at x = 2.5; (5,2)→(10,0) at x = 7.5.
    near(subs[0]![1]![0], a.x + 0.25 * a.w, 'exit x');
    near(subs[0]![1]![1], a.y, 'exit y');
    near(subs[1]![0]![0], a.x + 0.75 * a.w, 're-entry x');
    for (const s of subs) for (const [, y] of s) assert.ok(y >= a.y - 0.05 && y <= a.y + a.h + 0.05);
  });

  it('legend lists every series with its colour and dash; one series has none', () => {
    const root = svgRoot(
      lineChart({
        xLabel: 'x',
        yLabel: 'y',
        series: [
          {
            name: 'first',
            points: [
              [0, 1],
              [1, 2],
            ],
          },
          {
            name: 'second',
            points: [
              [0, 2],
              [1, 3],
            ],
            dashed: true,
          },
          {
            name: 'third',
            points: [
              [0, 3],
              [1, 1],
            ],
          },
        ],
      }),
    );
    const entries = byClass(root, 'legend-entry');
    assert.deepEqual(entries.map(allText), ['first', 'second', 'third']);
    const lines = byClass(root, 'line');
    entries.forEach((e, i) => {
      const swatch = findAll(e, (n) => n.name === 'line')[0]!;
      assert.equal(swatch.attrs.stroke, CATEGORICAL[i]);
      assert.equal(lines[i]!.attrs.stroke, CATEGORICAL[i]);
    });
    assert.equal(lines[1]!.attrs['stroke-dasharray'], '6 4');
    assert.equal(lines[0]!.attrs['stroke-dasharray'], undefined);
    assert.equal(findAll(entries[1]!, (n) => n.name === 'line')[0]!.attrs['stroke-dasharray'], '6 4');
    assert.equal(byClass(root, 'markers').length, 0, 'markers are off by default');
    const single = svgRoot(
      lineChart({
        xLabel: 'x',
        yLabel: 'y',
        series: [
          {
            name: 'only',
            points: [
              [0, 1],
              [1, 2],
            ],
          },
        ],
      }),
    );
    assert.equal(byClass(single, 'legend').length, 0);
  });

  it('rejects empty input, non-positive values on log axes and bad ranges', () => {
    const base = { xLabel: 'x', yLabel: 'y' };
    assert.throws(() => lineChart({ ...base, series: [] }), /lineChart: series must be a non-empty array/);
    assert.throws(() => lineChart({ ...base, series: [{ name: 's', points: [] }] }), /no finite points/);
    assert.throws(() => lineChart({ ...base, series: [{ name: 's', points: [[Number.NaN, 1]] }] }), /no finite points/);
    assert.throws(
      () =>
        lineChart({
          ...base,
          logX: true,
          series: [
            {
              name: 's',
              points: [
                [1, 1],
                [0, 2],
              ],
            },
          ],
        }),
      /logX needs x > 0, but series "s" point 1 has x = 0/,
    );
    assert.throws(
      () => lineChart({ ...base, logY: true, series: [{ name: 's', points: [[1, -3]] }] }),
      /logY needs y > 0.*y = -3/,
    );
    assert.throws(() => lineChart({ ...base, yRange: [1, 0], series: [{ name: 's', points: [[1, 1]] }] }), /yRange/);
    assert.throws(
      () => lineChart({ ...base, logY: true, yRange: [0, 1], series: [{ name: 's', points: [[1, 1]] }] }),
      /yRange.*positive/,
    );
    assert.throws(() => lineChart({ ...base, width: 50, series: [{ name: 's', points: [[1, 1]] }] }), /width/);
    assert.throws(() => lineChart({ ...base, series: [{ name: 's', points: [[1]] as never }] }), /pair of numbers/);
  });
});

describe('scatterChart', () => {
  it('5,000 points: one circle each at the mapped position, 0.1 px coordinates, compact file', () => {
    const rng = new Rng(11);
    const points = Array.from({ length: 5000 }, (_, i) => ({
      x: rng.uniform() * 10,
      y: rng.uniform() * 4,
      group: i % 4,
    }));
    const svg = scatterChart({ xLabel: 'x', yLabel: 'y', points, xRange: [0, 10], yRange: [0, 4] });
    assert.ok(svg.length < 250_000, `size ${svg.length} bytes`);
    const root = svgRoot(svg);
    const a = plotArea(root);
    const groups = byClass(root, 'group');
    assert.deepEqual(
      groups.map((g) => g.attrs['data-group']),
      ['0', '1', '2', '3'],
    );
    const circles = groups.map((g) => findAll(g, (n) => n.name === 'circle'));
    assert.deepEqual(
      circles.map((c) => c.length),
      [1250, 1250, 1250, 1250],
    );
    for (const c of circles.flat()) {
      assert.match(c.attrs.cx!, /^\d+(\.\d)?$/);
      assert.match(c.attrs.cy!, /^\d+(\.\d)?$/);
    }
    // Point i is the (i/4)-th circle of group i mod 4.
    for (const i of [0, 7, 4999]) {
      const c = circles[i % 4]![Math.floor(i / 4)]!;
      near(Number(c.attrs.cx), a.x + (points[i]!.x / 10) * a.w, `cx of point ${i}`);
      near(Number(c.attrs.cy), a.y + a.h - (points[i]!.y / 4) * a.h, `cy of point ${i}`);
    }
  });

  it('numeric groups are ordered, coloured from the palette and listed in the legend; the render shows the colour', async () => {
    const svg = scatterChart({
      xLabel: 'x',
      yLabel: 'y',
      radius: 6,
      opacity: 1,
      points: [
        { x: 0, y: 0, group: 2 },
        { x: 1, y: 1, group: 0 },
        { x: 2, y: 2, group: 1 },
      ],
      xRange: [-1, 3],
      yRange: [-1, 3],
    });
    const root = svgRoot(svg);
    assert.deepEqual(byClass(root, 'legend-entry').map(allText), ['0', '1', '2']);
    const groups = byClass(root, 'group');
    assert.deepEqual(
      groups.map((g) => g.attrs.fill),
      CATEGORICAL.slice(0, 3),
    );
    const a = plotArea(root);
    const img = await render(svg);
    // Group 0 is the point (1, 1), halfway along both axes of [−1, 3]; group 2 is (0, 0), a quarter of the way.
    sameColour(img.at(a.x + 0.5 * a.w, a.y + 0.5 * a.h), CATEGORICAL[0]!, 'group 0 point');
    sameColour(img.at(a.x + 0.25 * a.w, a.y + 0.75 * a.h), CATEGORICAL[2]!, 'group 2 point');
  });

  it('rejects empty input and non-positive values on log axes', () => {
    assert.throws(
      () => scatterChart({ xLabel: 'x', yLabel: 'y', points: [] }),
      /scatterChart: points must be a non-empty array/,
    );
    assert.throws(
      () => scatterChart({ xLabel: 'x', yLabel: 'y', points: [{ x: Number.NaN, y: 0, group: 0 }] }),
      /no point has finite/,
    );
    assert.throws(
      () => scatterChart({ xLabel: 'x', yLabel: 'y', logY: true, points: [{ x: 1, y: 0, group: 0 }] }),
      /logY needs y > 0, but points\[0\] has y = 0/,
    );
  });
});

describe('heatmap', () => {
  /** The cell rect (after run merging) covering the centre of cell (i, j). */
  function cellFill(root: XmlNode, rows: number, cols: number, i: number, j: number): string {
    const a = plotArea(root);
    const cx = a.x + ((j + 0.5) * a.w) / cols;
    const cy = a.y + ((i + 0.5) * a.h) / rows;
    const hits = findAll(byClass(root, 'cells')[0]!, (n) => {
      if (n.name !== 'rect') return false;
      const [x, y, w, h] = ['x', 'y', 'width', 'height'].map((k) => Number(n.attrs[k]));
      return cx >= x! && cx < x! + w! && cy >= y! && cy < y! + h!;
    });
    assert.equal(hits.length, 1, `one rect covers cell (${i}, ${j})`);
    return hits[0]!.attrs.fill!;
  }

  it('sequential: min and max cells take the ends of the scale, a quarter-way value mixes the stops', async () => {
    // min −3 at (0, 1), max 5 at (2, 0); value −1 is a quarter of the way: t = 0.25 → between stops 2 and 3.
    const values = [
      [0, -3, 1],
      [-1, 2, 2],
      [5, 4, Number.NaN],
    ];
    const svg = heatmap({ xLabel: 'x', yLabel: 'y', values });
    const root = svgRoot(svg);
    assert.equal(cellFill(root, 3, 3, 0, 1), SEQUENTIAL[0]);
    assert.equal(cellFill(root, 3, 3, 2, 0), SEQUENTIAL[SEQUENTIAL.length - 1]);
    assert.equal(cellFill(root, 3, 3, 2, 2), MISSING);
    const [lo, hi] = [rgb(SEQUENTIAL[2]!), rgb(SEQUENTIAL[3]!)];
    const quarter = rgb(cellFill(root, 3, 3, 1, 0));
    for (let k = 0; k < 3; k++) assert.ok(Math.abs(quarter[k]! - (lo[k]! + hi[k]!) / 2) <= 0.5, `channel ${k}`);
    // Equal neighbours (2, 2) in row 1 merge into one rect, and librsvg paints the corner cells as computed.
    const a = plotArea(root);
    const img = await render(svg);
    sameColour(img.at(a.x + a.w / 2, a.y + a.h / 6), SEQUENTIAL[0]!, 'rendered min cell');
    sameColour(img.at(a.x + a.w / 6, a.y + (5 * a.h) / 6), SEQUENTIAL[SEQUENTIAL.length - 1]!, 'rendered max cell');
    assert.equal(byClass(root, 'colour-bar').length, 1);
  });

  it('diverging: symmetric around zero, zero is the middle colour', () => {
    const root = svgRoot(heatmap({ xLabel: 'x', yLabel: 'y', values: [[-1, 0, 2]], diverging: true }));
    assert.equal(cellFill(root, 1, 3, 0, 2), DIVERGING[DIVERGING.length - 1]);
    assert.equal(cellFill(root, 1, 3, 0, 1), DIVERGING[4]);
    // −1 on [−2, 2] is t = 0.25: stop 2 of 0…8 exactly.
    assert.equal(cellFill(root, 1, 3, 0, 0), DIVERGING[2]);
    // Colour-bar labels cover the domain ends.
    const barLabels = findAll(byClass(root, 'colour-bar')[0]!, (n) => n.name === 'text').map((n) => n.text);
    assert.equal(barLabels[0], '−2');
    assert.equal(barLabels[barLabels.length - 1], '2');
  });

  it('row groups: separators where the group changes and group names at the middle of each block', () => {
    const values = Array.from({ length: 6 }, (_, i) => [i, -i]);
    const root = svgRoot(heatmap({ xLabel: 'x', yLabel: 'y', values, rowGroups: ['a', 'a', 'b', 'b', 'b', 'c'] }));
    const a = plotArea(root);
    const seps = findAll(byClass(root, 'row-separators')[0]!, (n) => n.name === 'line');
    assert.equal(seps.length, 2);
    near(Number(seps[0]!.attrs.y1), a.y + (2 * a.h) / 6, 'separator a|b');
    near(Number(seps[1]!.attrs.y1), a.y + (5 * a.h) / 6, 'separator b|c');
    const labels = findAll(byClass(root, 'y-axis')[0]!, (n) => n.name === 'text');
    assert.deepEqual(
      labels.map((n) => n.text),
      ['a', 'b', 'c'],
    );
    near(Number(labels[1]!.attrs.y), a.y + (3.5 * a.h) / 6, 'label b', 0.11);
  });

  it('rejects empty, ragged and all-NaN matrices and mismatched groups', () => {
    const base = { xLabel: 'x', yLabel: 'y' };
    assert.throws(() => heatmap({ ...base, values: [] }), /heatmap: values must be a non-empty/);
    assert.throws(() => heatmap({ ...base, values: [[]] }), /values\[0\]/);
    assert.throws(() => heatmap({ ...base, values: [[1, 2], [3]] }), /values\[1\] has 1/);
    assert.throws(() => heatmap({ ...base, values: [[Number.NaN]] }), /no finite/);
    assert.throws(() => heatmap({ ...base, values: [[1], [2]], rowGroups: [0] }), /rowGroups.*2/);
    assert.throws(() => heatmap({ ...base, values: [[1]], range: [1, 1] }), /range/);
  });
});

describe('barChart', () => {
  it('bars start at zero and reach their value; grouped bars get palette colours and a legend', async () => {
    const svg = barChart({
      xLabel: 'dataset',
      yLabel: 'accuracy',
      yRange: [-0.5, 1],
      bars: [
        { label: 'mnist', value: 1, group: 'spectral' },
        { label: 'mnist', value: 0.5, group: 'simclr' },
        { label: 'cifar', value: -0.5, group: 'spectral' },
      ],
    });
    const root = svgRoot(svg);
    const a = plotArea(root);
    const y0 = a.y + a.h * (1 / 1.5); // 0 on [−0.5, 1]
    const rects = findAll(byClass(root, 'data')[0]!, (n) => n.name === 'rect');
    const get = (label: string, group: string) =>
      rects.find((r) => r.attrs['data-label'] === label && r.attrs['data-group'] === group)!;
    const full = get('mnist', 'spectral');
    near(Number(full.attrs.y), a.y, 'top of the value-1 bar');
    near(Number(full.attrs.height), y0 - a.y, 'height of the value-1 bar', 0.11);
    const half = get('mnist', 'simclr');
    near(Number(half.attrs.y), y0 - (0.5 / 1.5) * a.h, 'top of the value-0.5 bar');
    const neg = get('cifar', 'spectral');
    near(Number(neg.attrs.y), y0, 'a negative bar hangs from zero');
    near(Number(neg.attrs.height), a.y + a.h - y0, 'down to −0.5', 0.11);
    // Two categories: slot centres at 1/4 and 3/4 of the width carry the labels.
    const xl = findAll(byClass(root, 'x-axis')[0]!, (n) => n.name === 'text');
    assert.deepEqual(
      xl.map((n) => n.text),
      ['mnist', 'cifar'],
    );
    near(Number(xl[1]!.attrs.x), a.x + 0.75 * a.w, 'cifar label');
    assert.equal(full.attrs.fill, CATEGORICAL[0]);
    assert.equal(half.attrs.fill, CATEGORICAL[1]);
    assert.deepEqual(byClass(root, 'legend-entry').map(allText), ['spectral', 'simclr']);
    const img = await render(svg);
    const mid = (r: XmlNode) => [
      Number(r.attrs.x) + Number(r.attrs.width) / 2,
      Number(r.attrs.y) + Number(r.attrs.height) / 2,
    ];
    sameColour(img.at(mid(full)[0]!, mid(full)[1]!), CATEGORICAL[0]!, 'rendered spectral bar');
    sameColour(img.at(mid(half)[0]!, mid(half)[1]!), CATEGORICAL[1]!, 'rendered simclr bar');
  });

  it('an ungrouped chart has no legend; bad bars are rejected', () => {
    const root = svgRoot(
      barChart({
        xLabel: 'x',
        yLabel: 'y',
        bars: [
          { label: 'a', value: 2 },
          { label: 'b', value: 3 },
        ],
      }),
    );
    assert.equal(byClass(root, 'legend').length, 0);
    assert.throws(() => barChart({ xLabel: 'x', yLabel: 'y', bars: [] }), /barChart: bars must be a non-empty array/);
    assert.throws(
      () => barChart({ xLabel: 'x', yLabel: 'y', bars: [{ label: 'a', value: Number.NaN }] }),
      /bars\[0\] \("a"\) value must be a finite number/,
    );
    assert.throws(
      () =>
        barChart({
          xLabel: 'x',
          yLabel: 'y',
          bars: [
            { label: 'a', value: 1 },
            { label: 'a', value: 2 },
          ],
        }),
      /two bars share label "a"/,
    );
  });
});
