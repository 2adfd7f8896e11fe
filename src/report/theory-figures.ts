/**
 * The theory lab's figures: one function per theorem check, turning its
 * result into named standalone SVG documents (file name → SVG text).
 */
import type { BlockTransferResult } from '../experiments/theory/block-transfer.ts';
import type { ConnectivityResult } from '../experiments/theory/connectivity.ts';
import type { LearnedResult } from '../experiments/theory/learned.ts';
import type { OptimumReport } from '../experiments/theory/optimum.ts';
import type { RealGraphResult } from '../experiments/theory/real.ts';
import type { SeparabilityReport } from '../experiments/theory/separability.ts';
import { barChart, heatmap, type LineSeries, lineChart, scatterChart } from './svg/index.ts';

/** File name (without folder) → SVG document. */
export type Figures = Record<string, string>;

/** The top eigenvalues λ₁ ≥ λ₂ ≥ … against their index, with the chosen k marked. */
function spectrum(title: string, values: readonly number[], k?: number, extra: [number, string][] = []): string {
  const series: LineSeries[] = [{ name: 'λᵢ of Ā', points: values.map((v, i) => [i + 1, v]), markers: true }];
  for (const [y, name] of extra) {
    series.push({
      name,
      points: [
        [1, y],
        [values.length, y],
      ],
      markers: false,
      dashed: true,
    });
  }
  if (k !== undefined && k < values.length) {
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    series.push({
      name: `k = ${k}`,
      points: [
        [k + 0.5, lo],
        [k + 0.5, hi],
      ],
      markers: false,
      dashed: true,
    });
  }
  return lineChart({ title, xLabel: 'index i', yLabel: 'eigenvalue λᵢ', series });
}

/** Theorem 1: loss of gradient descent against the Eckart–Young optimum, and the spectrum with k. */
export function optimumFigures(r: OptimumReport): Figures {
  const curve = r.lossCurve.filter((p) => p.step > 0);
  const last = curve.at(-1)?.step ?? 1;
  return {
    'optimum-loss.svg': lineChart({
      title: `‖Ā − FFᵀ‖²_F by gradient descent (k = ${r.k})`,
      xLabel: 'step',
      yLabel: 'loss',
      logX: true,
      logY: true,
      series: [
        { name: 'gradient descent', points: curve.map((p) => [p.step, p.loss]) },
        {
          name: 'Eckart–Young optimum Σ_{i>k} λᵢ²',
          points: [
            [curve[0]?.step ?? 1, r.eckartYoung],
            [last, r.eckartYoung],
          ],
          dashed: true,
        },
      ],
    }),
    'optimum-spectrum.svg': spectrum(
      'Spectrum of the augmentation graph',
      r.eigenvalues.slice(0, Math.max(3 * r.k, 12)),
      r.k,
    ),
  };
}

/** Theorem 2: principal-angle cosines (trained vs random init), the learned embedding, the loss curve. */
export function learnedFigures(r: LearnedResult): Figures {
  const bars = [
    ...r.cosines.map((c, i) => ({ label: `θ${i + 1}`, value: c, group: 'trained MLP' })),
    ...r.randomInitCosines.map((c, i) => ({ label: `θ${i + 1}`, value: c, group: 'random init' })),
  ];
  const e = r.embedding2d;
  const points = Array.from(e.x, (x, i) => ({ x, y: e.y[i] as number, group: `manifold ${e.labels[i]}` }));
  return {
    'learned-angles.svg': barChart({
      title: `cos of principal angles, span f(X) vs top-${r.k} eigenvectors (mean ${r.meanCosine.toFixed(3)})`,
      xLabel: 'principal angle',
      yLabel: 'cosine',
      yRange: [0, 1],
      bars,
    }),
    'learned-embedding.svg': scatterChart({
      title: 'Learned features (first two, rotated onto U_kΛ_k^½)',
      xLabel: 'feature 1',
      yLabel: 'feature 2',
      points,
    }),
    'learned-loss.svg': lineChart({
      title: 'Batch spectral contrastive loss while training',
      xLabel: 'step',
      yLabel: 'loss',
      series: [
        { name: 'batch loss', points: r.lossCurve.map((p) => [p.step, p.loss]) },
        {
          name: 'optimum −Σ_{i≤k} λᵢ²',
          points: [
            [r.lossCurve[0]?.step ?? 0, r.optimalLoss],
            [r.lossCurve.at(-1)?.step ?? 1, r.optimalLoss],
          ],
          dashed: true,
        },
      ],
    }),
  };
}

/** Theorem 3: probe accuracy against k, and the rows of U_r as scaled one-hot cluster indicators. */
export function separabilityFigures(r: SeparabilityReport): Figures {
  const acc = r.accuracyByK;
  const lastK = acc.at(-1)?.k ?? 1;
  return {
    'separability-accuracy.svg': lineChart({
      title: `Linear probe on the top-k spectral embedding (${r.classes} clusters)`,
      xLabel: 'k',
      yLabel: 'accuracy',
      yRange: [0, 1],
      markers: true,
      series: [
        { name: 'test', points: acc.map((a) => [a.k, a.test]) },
        { name: 'train', points: acc.map((a) => [a.k, a.train]) },
        {
          name: 'chance',
          points: [
            [1, r.chance],
            [lastK, r.chance],
          ],
          dashed: true,
          markers: false,
        },
      ],
    }),
    'separability-indicators.svg': heatmap({
      title: `Rows of U_${r.classes}·R (one-hot score ${r.oneHotScore.toFixed(3)})`,
      xLabel: 'eigenvector (rotated)',
      yLabel: 'vertex, by cluster',
      values: r.indicatorRows.values,
      rowGroups: r.indicatorRows.cluster,
      diverging: true,
    }),
    'separability-spectrum.svg': spectrum('Spectrum of the augmentation graph', r.eigenvalues, r.classes),
  };
}

/** Theorem 4: conductance across and inside manifolds, and the eigengap at r, against σ. */
export function connectivityFigures(r: ConnectivityResult): Figures {
  const rows = r.rows;
  return {
    'connectivity-conductance.svg': lineChart({
      title: `Conductance as augmentation grows (${r.manifolds} manifolds)`,
      xLabel: 'augmentation σ',
      yLabel: 'conductance φ',
      logX: true,
      markers: true,
      series: [
        { name: 'across manifolds (max φ of a manifold)', points: rows.map((x) => [x.sigma, x.acrossConductance]) },
        { name: 'inside manifolds (min sweep-cut φ)', points: rows.map((x) => [x.sigma, x.insideConductance]) },
      ],
    }),
    'connectivity-eigengap.svg': lineChart({
      title: `Eigengap at r = ${r.manifolds}`,
      xLabel: 'augmentation σ',
      yLabel: 'eigenvalue',
      logX: true,
      markers: true,
      series: [
        { name: 'λ_r − λ_{r+1}', points: rows.map((x) => [x.sigma, x.eigengap]) },
        { name: 'λ_r', points: rows.map((x) => [x.sigma, x.lambdaR]), dashed: true },
        { name: 'λ_{r+1}', points: rows.map((x) => [x.sigma, x.lambdaNext]), dashed: true },
      ],
    }),
  };
}

/** The block-graph toy: target accuracy and the two competing eigenvalues against α/γ. */
export function blockTransferFigures(r: BlockTransferResult): Figures {
  const rows = r.rows;
  return {
    'block-transfer.svg': lineChart({
      title: `Source → target on the class × domain block graph (k = ${r.settings.k})`,
      xLabel: 'α/γ',
      yLabel: 'target accuracy (%)',
      markers: true,
      series: [
        { name: 'target accuracy of the source-fitted head', points: rows.map((x) => [x.ratio, x.accuracy * 100]) },
      ],
    }),
    'block-transfer-eigenvalues.svg': lineChart({
      title: 'The class and class×domain eigenvalues cross at α = γ',
      xLabel: 'α/γ',
      yLabel: 'eigenvalue of Ā',
      markers: true,
      series: [
        { name: 'class (ρ − β + (D−1)(α − γ))/s', points: rows.map((x) => [x.ratio, x.classValue]) },
        {
          name: 'class×domain (ρ − α − β + γ)/s',
          points: rows.map((x) => [x.ratio, x.classDomainValue]),
          dashed: true,
        },
      ],
    }),
  };
}

/** Theorem 5 on real data: the spectrum with its near-1 band, and where the edge weight goes. */
export function realFigures(r: RealGraphResult): Figures {
  const f = r.edgeFractions;
  return {
    'real-spectrum.svg': spectrum(
      `Positive-pair graph of ${r.dataset} (${r.vertices} views): ${r.nearOne} eigenvalues ≥ 1 − ${r.epsilon}, ${r.classes} classes`,
      r.eigenvalues,
      r.classes,
      [[1 - r.epsilon, `1 − ε`]],
    ),
    'real-edges.svg': barChart({
      title: 'Share of the edge weight',
      xLabel: 'edge kind',
      yLabel: 'share of weight',
      yRange: [0, 1],
      bars: [
        { label: 'same image', value: f.sameImage },
        { label: 'same class', value: f.sameClass },
        { label: 'other class', value: f.otherClass },
      ],
    }),
  };
}
