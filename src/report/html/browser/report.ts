/// <reference lib="dom" />
/**
 * The report's interactive layer, bundled into the page (browser-bundle.ts):
 * each `figure[data-chart]` gets a uPlot chart of the same curves in place
 * of its static SVG (zoom: drag across; reset: double-click; the legend
 * shows the values under the cursor), and the loss an EMA smoothing slider
 * (debiased, so the first points are not pulled towards the first value).
 * Without JavaScript the static SVG stays: the page is complete without this.
 */
import uPlot from 'uplot';
import { smoothEma } from '../../series.ts';
import { CATEGORICAL } from '../../svg/palette.ts';

interface Curve {
  x: number[];
  y: number[];
}
interface ChartSpec {
  run: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: { curve: string; label: string; scale?: number }[];
  smoothing?: boolean;
  threshold?: { y: number; label: string };
}
interface Data {
  charts?: Record<string, ChartSpec>;
  runs?: Record<string, { curves: Record<string, Curve> }>;
}

const source = document.getElementById('specl-data');
const data = JSON.parse(source?.textContent ?? '{}') as Data;

/** The chart's curves on one x axis (uPlot.join: null where a curve has no point), scaled, plus the threshold line. */
function aligned(spec: ChartSpec): uPlot.AlignedData {
  const run = data.runs?.[spec.run];
  const tables = spec.series.map((s): uPlot.AlignedData => {
    const c = run?.curves[s.curve] ?? { x: [], y: [] };
    const k = s.scale ?? 1;
    return [c.x, c.y.map((v) => v * k)];
  });
  const joined = (tables.length === 1 ? tables[0] : uPlot.join(tables)) as uPlot.AlignedData;
  if (!spec.threshold) return joined;
  const y = spec.threshold.y;
  return [...joined, (joined[0] as number[]).map(() => y)] as uPlot.AlignedData;
}

function mount(fig: HTMLElement): void {
  const spec = data.charts?.[fig.dataset.chart ?? ''];
  if (!spec) return;
  const raw = aligned(spec);
  const n = (raw[0] as number[]).length;
  if (n === 0) return;
  const series: uPlot.Series[] = [{ label: spec.xLabel }];
  spec.series.forEach((s, i) => {
    series.push({
      label: s.label,
      stroke: CATEGORICAL[i % CATEGORICAL.length],
      width: 1.5,
      spanGaps: true,
      points: { show: n <= 40 },
    });
  });
  if (spec.threshold)
    series.push({ label: spec.threshold.label, stroke: '#888888', dash: [6, 4], points: { show: false } });
  const holder = document.createElement('div');
  holder.className = 'live-chart';
  const width = Math.max(320, Math.min(680, (fig.parentElement?.clientWidth ?? 680) - 24));
  const opts: uPlot.Options = {
    title: spec.title,
    width,
    height: 320,
    scales: { x: { time: false } },
    axes: [
      { label: spec.xLabel },
      { label: spec.yLabel, size: 70, values: (_u, splits) => splits.map((v) => String(Number(v.toPrecision(3)))) },
    ],
    series,
    cursor: { drag: { x: true, y: false } },
  };
  fig.insertBefore(holder, fig.firstChild);
  const chart = new uPlot(opts, raw, holder);
  fig.classList.add('live');
  const controls = document.createElement('div');
  controls.className = 'controls';
  const hint = document.createElement('span');
  hint.textContent = 'drag to zoom, double-click to reset';
  controls.append(hint);
  if (spec.smoothing) {
    const label = document.createElement('label');
    const slider = document.createElement('input');
    slider.type = 'range';
    slider.min = '0';
    slider.max = '0.99';
    slider.step = '0.01';
    slider.value = '0';
    slider.className = 'smoothing';
    const shown = document.createElement('span');
    shown.textContent = '0.00';
    label.append('smoothing ', slider, ' ', shown);
    slider.addEventListener('input', () => {
      const w = Number(slider.value);
      shown.textContent = w.toFixed(2);
      const next = raw.map((col, i) =>
        i === 0 || (spec.threshold && i === raw.length - 1) ? col : smoothEma(col as number[], w),
      ) as uPlot.AlignedData;
      chart.setData(next, false);
    });
    controls.append(label);
  }
  fig.insertBefore(controls, holder.nextSibling);
}

for (const fig of document.querySelectorAll<HTMLElement>('figure[data-chart]')) {
  try {
    mount(fig);
  } catch (e) {
    console.error(`specl report: chart ${fig.dataset.chart}: ${(e as Error).message}`);
  }
}
document.documentElement.dataset.interactive = 'ready';
