/**
 * The talk's experiments, each a grid (see grid.ts) in its default form and
 * in a `--quick` form that finishes in minutes (what the tests run). The
 * default grids are sized for 2 CPU cores; docs/experiments.md has what each
 * measured and how long it took.
 */
import { OptionError } from '../options/index.ts';
import { type Builtin, claim, QUICK_SUBSET, QUIET } from './builtin-parts.ts';
import { TRANSFER_BUILTINS } from './builtin-transfer.ts';
import { type ExperimentSpec, specFrom } from './grid.ts';

/** The imbalance grid's balanced probe sets (MNIST's smallest test class has 892 images). */
const IMBALANCE_SUBSET = { trainPerClass: 1000, testPerClass: 800 };

const methodAxis = (methods: (string | object)[]) => ({ name: 'method', values: methods });

/**
 * The rare-class test's model supervised on the 50 rare pretraining images alone: 25 per batch, as many
 * epochs as give it about the steps of the others on the union (100 × 2 = 200 at the default grid's size).
 */
const rareOnly = (epochs: number) => ({
  label: 'supervised-rare',
  set: { method: 'supervised', dataset: 'two-part-rare:mnist', batchSize: 25, epochs },
});

/** The optimizer axis of the rwSAM grids: plain SGD, SAM (ρ = 0.05) and rwSAM (SAM with KDE-reweighted ascent). */
const OPT = {
  sgd: { label: 'sgd', set: { 'sam.rho': 0 } },
  sam: { label: 'sam', set: { 'sam.rho': 0.05 } },
  rwsam: { label: 'rwsam', set: { 'sam.rho': 0.05, 'sam.reweight': 'kde' } },
};

/** MNIST cells are also probed on Fashion-MNIST and the reverse: the small-scale out-of-domain evaluation. */
const CROSS = { mnist: 'fashion-mnist', 'fashion-mnist': 'mnist' };

const imbalanceClaims = (ratio: string, datasets: string[]) =>
  datasets.flatMap((d) => [
    claim(
      `on ${d} at r = ${ratio}, spectral loses less to imbalance than the supervised baseline (Δ_SSL < Δ_SL)`,
      'delta',
      { dataset: d, method: 'spectral', ratio },
      { dataset: d, method: 'supervised', ratio },
      'a<b',
    ),
    claim(
      `on ${d} at r = ${ratio}, SimSiam loses less to imbalance than the supervised baseline (Δ_SSL < Δ_SL)`,
      'delta',
      { dataset: d, method: 'simsiam', ratio },
      { dataset: d, method: 'supervised', ratio },
      'a<b',
    ),
  ]);

const BUILTINS: Record<string, Builtin> = {
  imbalance: {
    summary: 'the balanced–imbalanced gap Δ(n, r) of spectral, SimSiam and supervised pretraining (Liu et al. 2022)',
    full: {
      name: 'imbalance',
      description:
        'Self-supervised representations lose less than supervised ones when the pretraining data are ' +
        'imbalanced (Liu, HaoChen, Gaidon, Ma, ICLR 2022). Pretraining sets of n = 10,000 images with an ' +
        'exponential class profile, r = min_c n_c / max_c n_c ∈ {1, 0.1, 0.01}, on MNIST and Fashion-MNIST; ' +
        'spectral, SimSiam and the supervised baseline on the same imbalanced set and backbone (its head ' +
        'dropped). In-domain: a linear probe fitted on a balanced training set (1,000 images per class of ' +
        'the training split, the same for every cell), scored on 800 test images per class; out-of-domain: ' +
        'the same features probed on the other dataset, likewise. Δ(n, r) = (A(n,1) − A(n,r)) / A(n,1) per seed.',
      base: { ...QUIET, trainSize: 10000, epochs: 3 },
      axes: [
        { name: 'dataset', values: ['mnist', 'fashion-mnist'] },
        methodAxis(['spectral', 'simsiam', 'supervised']),
        { name: 'ratio', key: 'imbalance.ratio', values: [1, 0.1, 0.01] },
      ],
      seeds: [0, 1, 2],
      // Balanced evaluation subsets: two probes per cell on the full 70,000 images of both datasets would be
      // 81 of the grid's minutes alone; 18,000 per dataset keep the grid within 90 minutes on 2 cores.
      evaluation: { probe: true, transfer: CROSS, subset: IMBALANCE_SUBSET },
      derived: [
        { name: 'delta', metric: 'probe', axis: 'ratio', reference: '1' },
        { name: 'delta-transfer', metric: 'probe:transfer', axis: 'ratio', reference: '1' },
      ],
      claims: imbalanceClaims('0.01', ['mnist', 'fashion-mnist']),
      report: { x: 'ratio', series: 'method', logX: true },
    },
    quick: {
      name: 'imbalance-quick',
      description: 'The imbalance grid on MNIST at r ∈ {1, 0.1}, n = 1,000, one epoch, one seed.',
      base: { ...QUIET, dataset: 'mnist', trainSize: 1000, epochs: 1, batchSize: 64, encoder: { widths: [8, 16, 32] } },
      axes: [methodAxis(['spectral', 'supervised']), { name: 'ratio', key: 'imbalance.ratio', values: [1, 0.1] }],
      seeds: [0],
      evaluation: { probe: true, transfer: { mnist: 'fashion-mnist' }, subset: QUICK_SUBSET },
      derived: [{ name: 'delta', metric: 'probe', axis: 'ratio', reference: '1' }],
      claims: [
        claim(
          'at r = 0.1, spectral loses less to imbalance than the supervised baseline',
          'delta',
          { method: 'spectral', ratio: '0.1' },
          { method: 'supervised', ratio: '0.1' },
          'a<b',
        ),
      ],
      report: { x: 'ratio', series: 'method', logX: true },
    },
  },
  'rare-classes': {
    summary:
      'rare-class accuracy when only the frequent images show rare-class features, in their label-irrelevant half (Liu et al. 2022, §3.2)',
    full: {
      name: 'rare-classes',
      description:
        'SSL learns label-irrelevant but transferable features that help rare classes (Liu, HaoChen, Gaidon, ' +
        'Ma, ICLR 2022, §3.2: on CIFAR-10, rare-class accuracy SSL 70.1 % vs supervised 44.3 %, and 36.5 % ' +
        'for a model supervised on the rare images alone). Two-part 28×56 images: 5 frequent MNIST digits ' +
        '(0–4, 2,000 images each) have the digit on the left and a random Fashion-MNIST image on the right; ' +
        '5 rare digits (5–9, 10 images each) have a blank left half and the digit on the right. No flip. ' +
        'Spectral and SimSiam pretrain on the union without labels, the supervised baseline with labels, ' +
        'and a supervised model on the 50 rare images alone; a linear probe is fitted on balanced rare-class ' +
        'images (blank left, digit right; 1,000 per class) and scored on the rare classes of the test split.',
      base: { ...QUIET, dataset: `two-part:mnist+fashion-mnist?frequent-per-class=2000`, epochs: 3 },
      axes: [methodAxis(['spectral', 'simsiam', 'supervised', rareOnly(100), 'random', 'pixels'])],
      seeds: [0, 1, 2],
      evaluation: { probe: true, dataset: 'two-part-probe:mnist?train-per-class=1000' },
      claims: [
        claim(
          'on the rare classes, spectral beats the supervised baseline trained on the same images',
          'probe',
          { method: 'spectral' },
          { method: 'supervised' },
        ),
        claim(
          'on the rare classes, SimSiam beats the supervised baseline trained on the same images',
          'probe',
          { method: 'simsiam' },
          { method: 'supervised' },
        ),
        claim(
          'on the rare classes, spectral beats a model supervised on the 50 rare images alone',
          'probe',
          { method: 'spectral' },
          { method: 'supervised-rare' },
        ),
      ],
      report: { series: 'method' },
    },
    quick: {
      name: 'rare-classes-quick',
      description:
        'The rare-class grid on 200 images per frequent class, one epoch, one seed: spectral, supervised, ' +
        'supervised on the rare images alone; the probe on 100 rare-class images per class.',
      base: {
        ...QUIET,
        dataset: 'two-part:mnist+fashion-mnist?frequent-per-class=200',
        epochs: 1,
        batchSize: 64,
        encoder: { widths: [8, 16, 32] },
      },
      axes: [methodAxis(['spectral', 'supervised', rareOnly(2)])],
      seeds: [0],
      evaluation: { probe: true, dataset: 'two-part-probe:mnist?train-per-class=100,test-per-class=100' },
      claims: [
        claim(
          'on the rare classes, spectral beats the supervised baseline',
          'probe',
          { method: 'spectral' },
          { method: 'supervised' },
        ),
      ],
      report: { series: 'method' },
    },
  },
  rwsam: {
    summary: 'spectral with plain SGD, SAM and rwSAM under step imbalance (Liu et al. 2022, §4)',
    full: {
      name: 'rwsam',
      description:
        'Reweighted sharpness-aware minimization (Liu, HaoChen, Gaidon, Ma, ICLR 2022, §4: rwSAM improves ' +
        'SimSiam by more than a point under imbalance). Spectral pretrains on 10,000 Fashion-MNIST images ' +
        'with a step imbalance (5 classes × many, 5 × few, r = 0.02) and balanced, with plain SGD, SAM ' +
        '(ρ = 0.05) and rwSAM (SAM whose ascent step weighs each example by its inverse Gaussian-KDE ' +
        'density on the batch features). SAM doubles the cost of a step.',
      base: { ...QUIET, dataset: 'fashion-mnist', trainSize: 10000, epochs: 3, imbalance: { profile: 'step' } },
      axes: [
        {
          name: 'opt',
          values: [OPT.sgd, OPT.sam, OPT.rwsam],
        },
        { name: 'ratio', key: 'imbalance.ratio', values: [1, 0.02] },
      ],
      seeds: [0, 1, 2],
      evaluation: { probe: true },
      derived: [{ name: 'delta', metric: 'probe', axis: 'ratio', reference: '1' }],
      claims: [
        claim(
          'under step imbalance (r = 0.02), rwSAM beats plain SGD',
          'probe',
          { opt: 'rwsam', ratio: '0.02' },
          { opt: 'sgd', ratio: '0.02' },
        ),
        claim(
          'under step imbalance (r = 0.02), rwSAM beats SAM',
          'probe',
          { opt: 'rwsam', ratio: '0.02' },
          { opt: 'sam', ratio: '0.02' },
        ),
      ],
      report: { x: 'ratio', series: 'opt', logX: true },
    },
    quick: {
      name: 'rwsam-quick',
      description: 'The rwSAM grid cut to plain SGD and rwSAM at r = 0.1 on 1,000 images, one epoch, one seed.',
      base: {
        ...QUIET,
        dataset: 'fashion-mnist',
        trainSize: 1000,
        epochs: 1,
        batchSize: 64,
        encoder: { widths: [8, 16, 32] },
        imbalance: { profile: 'step', ratio: 0.1 },
      },
      axes: [
        {
          name: 'opt',
          values: [OPT.sgd, OPT.rwsam],
        },
      ],
      seeds: [0],
      evaluation: { probe: true, subset: QUICK_SUBSET },
      claims: [claim('rwSAM beats plain SGD', 'probe', { opt: 'rwsam' }, { opt: 'sgd' })],
      report: { series: 'opt' },
    },
  },
  'batch-size': {
    summary: 'linear-probe accuracy against the batch size: spectral, SimCLR and VICReg at equal epochs',
    full: {
      name: 'batch-size',
      description:
        'Spectral contrastive learning works at small batch sizes (the talk: batch 384, much smaller than ' +
        "SimCLR's 4096). Spectral, SimCLR and VICReg pretrain on Fashion-MNIST at B = 32…512 for the same " +
        "epochs, the learning rate scaled by each method's recipe (base lr × B/256); the linear probe is " +
        'fitted on the frozen features of the full training split.',
      base: { ...QUIET, dataset: 'fashion-mnist', trainSize: 10000, epochs: 3 },
      axes: [
        methodAxis(['spectral', 'simclr', 'vicreg']),
        { name: 'batch', key: 'batchSize', values: [32, 64, 128, 256, 512] },
      ],
      seeds: [0, 1, 2],
      evaluation: { probe: true },
      claims: [
        claim(
          'spectral at batch 64 beats its batch 512 at equal epochs (small batches do not hurt it)',
          'probe',
          { method: 'spectral', batch: '64' },
          { method: 'spectral', batch: '512' },
        ),
        claim(
          'spectral beats SimCLR at batch 32',
          'probe',
          { method: 'spectral', batch: '32' },
          { method: 'simclr', batch: '32' },
        ),
      ],
      report: { x: 'batch', series: 'method', logX: true },
    },
    quick: {
      name: 'batch-size-quick',
      description: 'The batch-size grid cut to two batch sizes, one epoch of 1,024 images, one seed.',
      base: { ...QUIET, dataset: 'fashion-mnist', trainSize: 1024, epochs: 1, encoder: { widths: [8, 16, 32] } },
      axes: [methodAxis(['spectral', 'simclr']), { name: 'batch', key: 'batchSize', values: [32, 128] }],
      seeds: [0],
      evaluation: { probe: true, subset: QUICK_SUBSET },
      claims: [
        claim(
          'spectral beats SimCLR at batch 32',
          'probe',
          { method: 'spectral', batch: '32' },
          { method: 'simclr', batch: '32' },
        ),
      ],
      report: { x: 'batch', series: 'method', logX: true },
    },
  },
  'label-efficiency': {
    summary:
      'linear-probe accuracy with m = 1, 5, 10, 100 and all labels per class: spectral, SimCLR, supervised, raw pixels',
    full: {
      name: 'label-efficiency',
      description:
        "The talk's first claim: pretraining on unlabeled data makes labels go further. Spectral, SimCLR and " +
        'the supervised baseline pretrain on MNIST; a linear probe is fitted on m labeled images per class ' +
        '(mean over 3 draws) of their frozen features, and on raw pixels and a random-init ConvNet for reference.',
      base: { ...QUIET, dataset: 'mnist', trainSize: 20000, epochs: 3 },
      axes: [methodAxis(['spectral', 'simclr', 'supervised', 'random', 'pixels'])],
      seeds: [0, 1, 2],
      evaluation: { probe: false, labelEfficiency: { perClass: [1, 5, 10, 100, 'all'], seeds: [0, 1, 2] } },
      claims: [
        claim(
          'with 10 labels per class, spectral features beat raw pixels',
          'probe@10',
          { method: 'spectral' },
          { method: 'pixels' },
        ),
        claim(
          'with 10 labels per class, spectral features beat a random-init ConvNet',
          'probe@10',
          { method: 'spectral' },
          { method: 'random' },
        ),
      ],
      report: { series: 'method' },
    },
    quick: {
      name: 'label-efficiency-quick',
      description: 'The label-efficiency grid on 1,024 images, one epoch, one seed, m = 1 and 10.',
      base: { ...QUIET, dataset: 'mnist', trainSize: 1024, epochs: 1, batchSize: 64, encoder: { widths: [8, 16, 32] } },
      axes: [methodAxis(['spectral', 'pixels'])],
      seeds: [0],
      evaluation: { probe: false, labelEfficiency: { perClass: [1, 10], seeds: [0, 1] }, subset: QUICK_SUBSET },
      claims: [
        claim(
          'with 10 labels per class, spectral features beat raw pixels',
          'probe@10',
          { method: 'spectral' },
          { method: 'pixels' },
        ),
      ],
      report: { series: 'method' },
    },
  },
  dimension: {
    summary: "spectral's linear-probe accuracy against its output dimension k = 2…256",
    full: {
      name: 'dimension',
      description:
        'The theory: a linear head on k-dimensional spectral features classifies r well-separated clusters ' +
        "once k exceeds about 2r. Spectral pretrains on MNIST with its projector's output k = 2…256; the " +
        'linear probe reads the frozen encoder features (the backbone, before the projector).',
      base: { ...QUIET, dataset: 'mnist', trainSize: 10000, epochs: 3, method: { name: 'spectral' } },
      axes: [{ name: 'k', key: 'method.outDim', values: [2, 4, 8, 16, 32, 64, 128, 256] }],
      seeds: [0, 1, 2],
      evaluation: { probe: true },
      claims: [claim('k = 32 (above 2 × 10 classes) beats k = 4 (below)', 'probe', { k: '32' }, { k: '4' })],
      report: { x: 'k', logX: true },
    },
    quick: {
      name: 'dimension-quick',
      description: 'The dimension grid at k = 2 and 32, one epoch of 1,024 images, one seed.',
      base: {
        ...QUIET,
        dataset: 'mnist',
        trainSize: 1024,
        epochs: 1,
        batchSize: 64,
        method: { name: 'spectral' },
        encoder: { widths: [8, 16, 32] },
      },
      axes: [{ name: 'k', key: 'method.outDim', values: [2, 32] }],
      seeds: [0],
      evaluation: { probe: true, subset: QUICK_SUBSET },
      claims: [],
      report: { x: 'k', logX: true },
    },
  },
  ...TRANSFER_BUILTINS,
};

/** The built-in experiments' names and one-line summaries. */
export function builtinExperiments(): { name: string; summary: string }[] {
  return Object.entries(BUILTINS).map(([name, b]) => ({ name, summary: b.summary }));
}

/** A built-in experiment's spec (its default grid, or the `quick` one). */
export function builtinExperiment(name: string, o: { quick?: boolean } = {}): ExperimentSpec {
  const b = BUILTINS[name];
  if (!b)
    throw new OptionError(
      `experiment: no built-in experiment ${name} (built in: ${Object.keys(BUILTINS).join(', ')}; or give a .yaml/.json file)`,
    );
  return specFrom(o.quick ? b.quick : b.full, `built-in experiment ${name}${o.quick ? ' (quick)' : ''}`);
}
