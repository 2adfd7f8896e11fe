/**
 * Charts without error bars or custom ticks whose output was saved under
 * snapshots/ before those features existed: adding them must not change a
 * byte of a chart that does not use them.
 */
import { barChart, lineChart, scatterChart } from '../../src/report/svg/index.ts';

export function snapshotCases(): Record<string, string> {
  return {
    'line-two-series': lineChart({
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
    'line-loglog': lineChart({
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
    'line-clipped': lineChart({
      xLabel: 'x',
      yLabel: 'y',
      yRange: [0, 1],
      width: 480,
      height: 300,
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
    scatter: scatterChart({
      xLabel: 'f₁',
      yLabel: 'f₂',
      points: [
        { x: 0, y: 1, group: 'a' },
        { x: 1, y: 3, group: 'b' },
        { x: 2.5, y: -1, group: 'a' },
      ],
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
    'bars-grouped': barChart({
      xLabel: 'dataset',
      yLabel: 'accuracy',
      yRange: [-0.5, 1],
      bars: [
        { label: 'mnist', value: 1, group: 'spectral' },
        { label: 'mnist', value: 0.5, group: 'simclr' },
        { label: 'cifar', value: -0.5, group: 'spectral' },
      ],
    }),
  };
}
