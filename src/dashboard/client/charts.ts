/// <reference lib="dom" />
/**
 * Line charts of curves with uPlot: several curves over step (aligned with
 * uPlot.join, gaps spanned), optional mean ± sd bands (shaded), debiased-EMA
 * smoothing (src/report/series.ts, the report's own), a log y axis, and
 * uPlot's drag-to-zoom (double-click zooms out). Each chart's element keeps
 * `data-points` (the most points of any of its curves), `data-curves` and
 * `data-bands` up to date, for whoever needs to read the chart's state.
 */
import uPlot from 'uplot';
import { smoothEma } from '../../report/series.ts';
import { h, replace } from './dom.ts';

export interface Curve {
  label: string;
  x: number[];
  y: number[];
}

export interface BandCurve {
  label: string;
  x: number[];
  mean: number[];
  sd: number[];
  /** Curves (seeds) behind the band. */
  n: number;
}

export interface ChartSpec {
  title: string;
  curves: Curve[];
  bands?: BandCurve[];
  /** EMA weight in [0, 1). */
  smoothing: number;
  logY: boolean;
}

export const PALETTE = [
  '#2b6cb0',
  '#c05621',
  '#2f855a',
  '#b83280',
  '#6b46c1',
  '#b7791f',
  '#00838f',
  '#9b2c2c',
  '#4a5568',
  '#38a169',
];

const fade = (hex: string, alpha: number) => {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
};

const positive = (spec: ChartSpec) =>
  spec.curves.every((c) => c.y.every((v) => !Number.isFinite(v) || v > 0)) &&
  (spec.bands ?? []).every((b) => b.mean.every((v, i) => !Number.isFinite(v) || v - (b.sd[i] ?? 0) > 0));

/** One chart in its own box. */
export class Chart {
  readonly el: HTMLElement;
  private plot: uPlot | null = null;
  private shape = '';
  private zoomed = false;
  private readonly body: HTMLElement;
  private readonly note: HTMLElement;

  constructor(parent: HTMLElement, title: string, key: string) {
    this.body = h('div', { class: 'plot' });
    this.note = h('div', { class: 'muted' });
    this.el = h(
      'section',
      { class: 'chart', 'data-chart': key, 'data-points': 0 },
      h('h3', {}, title),
      this.body,
      this.note,
    );
    parent.appendChild(this.el);
    this.body.addEventListener('dblclick', () => {
      this.zoomed = false;
    });
  }

  /** Draws `spec` (the same chart is updated in place when only its data changed). */
  update(spec: ChartSpec): void {
    const bands = spec.bands ?? [];
    const points = Math.max(0, ...spec.curves.map((c) => c.x.length), ...bands.map((b) => b.x.length));
    this.el.setAttribute('data-points', String(points));
    this.el.setAttribute('data-curves', String(spec.curves.length));
    this.el.setAttribute('data-bands', String(bands.length));
    if (points === 0) {
      this.destroy();
      replace(this.body, h('div', { class: 'empty' }, 'no points yet'));
      this.shape = '';
      return;
    }
    const logY = spec.logY && positive(spec);
    this.note.textContent = spec.logY && !logY ? 'log axis needs positive values: linear here' : '';
    const sm = (y: number[]) => (spec.smoothing > 0 ? smoothEma(y, spec.smoothing) : y);
    const tables: uPlot.AlignedData[] = [];
    const series: uPlot.Series[] = [{ label: 'step' }];
    const bandOpts: uPlot.Band[] = [];
    bands.forEach((b, i) => {
      const color = PALETTE[i % PALETTE.length] as string;
      const mean = sm(b.mean);
      const sd = sm(b.sd);
      const base = series.length;
      tables.push([b.x, mean.map((m, j) => m + (sd[j] ?? 0))]);
      tables.push([b.x, mean.map((m, j) => m - (sd[j] ?? 0))]);
      tables.push([b.x, mean]);
      series.push({ label: `${b.label} +sd`, stroke: fade(color, 0.35), width: 1 });
      series.push({ label: `${b.label} −sd`, stroke: fade(color, 0.35), width: 1 });
      series.push({ label: `${b.label} mean (n=${b.n})`, stroke: color, width: 2 });
      bandOpts.push({ series: [base, base + 1], fill: fade(color, 0.2) });
    });
    spec.curves.forEach((c, i) => {
      tables.push([c.x, sm(c.y)]);
      const stroke = PALETTE[(i + bands.length * 3) % PALETTE.length] as string;
      // a curve of a few points (a per-epoch monitor) shows its points
      series.push({ label: c.label, stroke, width: 1.5, points: { show: c.x.length <= 60, size: 5, fill: stroke } });
    });
    const data = uPlot.join(tables);
    const shape = JSON.stringify([series.map((s) => s.label), logY, bandOpts.length]);
    const width = Math.max(300, Math.floor(this.body.clientWidth || this.el.clientWidth - 10 || 460));
    if (this.plot && shape === this.shape) {
      this.plot.setData(data, !this.zoomed);
      return;
    }
    this.destroy();
    replace(this.body);
    this.shape = shape;
    this.plot = new uPlot(
      {
        width,
        height: 220,
        series: series.map((s) => ({ spanGaps: true, points: { show: false }, ...s })),
        bands: bandOpts,
        scales: { x: { time: false }, y: logY ? { distr: 3 } : {} },
        axes: [{}, { size: 60 }],
        legend: { live: true },
        cursor: { drag: { x: true, y: false } },
        hooks: {
          setSelect: [
            (u) => {
              if (u.select.width > 0) this.zoomed = true;
            },
          ],
        },
      },
      data,
      this.body,
    );
  }

  destroy(): void {
    this.plot?.destroy();
    this.plot = null;
  }
}
