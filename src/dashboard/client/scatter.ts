/// <reference lib="dom" />
/**
 * The feature projection of a run as a scatter on a canvas: one dot per
 * test image at its (PC1, PC2), coloured by class, with a legend whose class
 * names are text nodes (a class name is a folder name: it may hold markup).
 * The element keeps `data-points` and `data-classes` for whoever reads it.
 */
import { PALETTE } from './charts.ts';
import { h } from './dom.ts';

export interface ProjectionData {
  images: number;
  ofTest: number;
  dim: number;
  classes: string[];
  labels: number[];
  coords: number[][];
  ratio: number[];
  weights: string;
}

const colour = (c: number) => PALETTE[c % PALETTE.length] as string;

/** The scatter and its legend. */
export function scatter(p: ProjectionData, o: { width?: number; height?: number } = {}): HTMLElement {
  const width = o.width ?? 560;
  const height = o.height ?? 420;
  const pad = 36;
  const canvas = h('canvas', { 'data-scatter': '1' });
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  const xs = p.coords.map((c) => c[0] as number);
  const ys = p.coords.map((c) => (c[1] ?? 0) as number);
  const lo = (v: number[]) => v.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
  const hi = (v: number[]) => v.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
  const [x0, x1, y0, y1] = [lo(xs), hi(xs), lo(ys), hi(ys)];
  const sx = (x: number) => pad + ((x - x0) / (x1 - x0 || 1)) * (width - 2 * pad);
  const sy = (y: number) => height - pad - ((y - y0) / (y1 - y0 || 1)) * (height - 2 * pad);
  if (ctx) {
    ctx.scale(dpr, dpr);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.strokeStyle = '#d9dde5';
    ctx.strokeRect(pad - 8, pad - 8, width - 2 * pad + 16, height - 2 * pad + 16);
    ctx.fillStyle = '#5b6475';
    ctx.font = '12px system-ui, sans-serif';
    const share = (i: number) => `${((p.ratio[i] ?? 0) * 100).toFixed(1)} %`;
    ctx.fillText(`PC1 (${share(0)} of the variance)`, pad, height - 8);
    ctx.save();
    ctx.translate(14, height - pad);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(`PC2 (${share(1)})`, 0, 0);
    ctx.restore();
    ctx.globalAlpha = 0.75;
    p.coords.forEach((_, i) => {
      ctx.fillStyle = colour(p.labels[i] ?? 0);
      ctx.beginPath();
      ctx.arc(sx(xs[i] as number), sy(ys[i] as number), 2.6, 0, 2 * Math.PI);
      ctx.fill();
    });
    ctx.globalAlpha = 1;
  }
  const counts = p.classes.map((_, c) => p.labels.filter((l) => l === c).length);
  const legend = h(
    'ul',
    { class: 'legend' },
    ...p.classes.map((name, c) => {
      const swatch = h('span', { class: 'swatch' });
      swatch.style.backgroundColor = colour(c); // CSSOM, which the policy allows (a style attribute it would not)
      return h('li', { 'data-class': c }, swatch, name, h('span', { class: 'muted' }, ` (${counts[c]})`));
    }),
  );
  return h(
    'div',
    { class: 'projection', 'data-points': p.coords.length, 'data-classes': p.classes.length },
    canvas,
    legend,
  );
}
