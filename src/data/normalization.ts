/**
 * Per-channel pixel mean and standard deviation (on the 0–1 scale) used to
 * normalize a dataset's images — the same numbers for the augmentation
 * pipeline and for feature extraction. Known datasets use the constants of
 * the literature; any other dataset is measured on its training split.
 */
import type { ImageSet } from './dataset.ts';
import { describeSplit } from './describe.ts';

export interface Normalization {
  mean: number[];
  std: number[];
}

const KNOWN: Record<string, Normalization> = {
  mnist: { mean: [0.1307], std: [0.3081] },
  'fashion-mnist': { mean: [0.286], std: [0.353] },
  // The authors' code (and SimSiam's CIFAR recipe) uses these CIFAR-10 constants.
  cifar10: { mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] },
  cifar100: { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] },
  'cifar100-coarse': { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] },
};

/** The normalization of dataset `name` (literature constants) or measured on `train`. */
export function normalizationStats(name: string, train: ImageSet): Normalization {
  const channels = train.images.shape[1] as number;
  const known = KNOWN[name];
  if (known && known.mean.length === channels) return { mean: [...known.mean], std: [...known.std] };
  const d = describeSplit(train);
  return { mean: d.mean, std: d.std.map((s) => (s > 0 ? s : 1)) };
}
