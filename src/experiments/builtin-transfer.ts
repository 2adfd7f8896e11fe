/**
 * The talk's transfer experiments as built-in grids (see builtin.ts for the
 * others): across domains ("Connect, not collapse", Shen, Jones, Kumar, Xie,
 * HaoChen, Ma, Liang, ICML 2022) and to related subpopulations ("Beyond
 * separability", HaoChen, Wei, Kumar, Ma, NeurIPS 2022). Every cell is on a
 * dataset with domains — member 0 the source, member 1 the target — and is
 * evaluated by `evaluation.domains`: a linear probe fitted on labeled source
 * features, scored on source and target, and a linear domain classifier.
 */

import { type Builtin, claim, QUICK_SUBSET, QUIET } from './builtin-parts.ts';

/**
 * The source/target pairs: MNIST → inverted MNIST (the hard one: a source-only model reads ink as
 * background), grey MNIST → MNIST on procedural textures (both 3-channel), Fashion-MNIST → Fashion-MNIST
 * rotated by 90°.
 */
export const TRANSFER_PAIRS = {
  invert: 'union:mnist+shift:mnist?kind=invert',
  texture: 'union:shift:mnist?kind=tint,rgb=1/1/1+shift:mnist?kind=texture',
  rotate: 'union:fashion-mnist+shift:fashion-mnist?kind=rotate',
} as const;

/** The transfer grid's methods: SSL on source ∪ target, SSL on source only, ERM on labeled source, DANN, pixels. */
const TRANSFER_METHODS = {
  spectral: { label: 'spectral', set: { method: 'spectral' } },
  simclr: { label: 'simclr', set: { method: 'simclr' } },
  spectralSource: { label: 'spectral-source', set: { method: 'spectral', sourceOnly: true } },
  erm: { label: 'erm', set: { method: 'supervised', sourceOnly: true } },
  dann: { label: 'dann', set: { method: 'dann' } },
  pixels: { label: 'pixels', set: { method: 'pixels' } },
};

/** Balanced evaluation subsets of each domain: 1,000 training and 800 test images per class. */
const DOMAIN_SUBSET = { trainPerClass: 1000, testPerClass: 800 };
const QUICK_BASE = { ...QUIET, trainSize: 1000, epochs: 1, batchSize: 64, encoder: { widths: [8, 16, 32] } };

const transferClaims = (pairs: string[]) =>
  pairs.flatMap((pair) => [
    claim(
      `${pair}: spectral on unlabeled source ∪ target beats source-only ERM on the target`,
      'target',
      { pair, method: 'spectral' },
      { pair, method: 'erm' },
    ),
    claim(
      `${pair}: spectral on source ∪ target beats spectral on the source alone on the target`,
      'target',
      { pair, method: 'spectral' },
      { pair, method: 'spectral-source' },
    ),
    claim(
      `${pair}: spectral on source ∪ target beats DANN on the target`,
      'target',
      { pair, method: 'spectral' },
      { pair, method: 'dann' },
    ),
    claim(
      `${pair}: not collapse — a linear classifier tells source from target better in spectral features than in DANN's`,
      'domain',
      { pair, method: 'spectral' },
      { pair, method: 'dann' },
    ),
  ]);

const SUBPOP_DATASETS = ['subpop:fashion-mnist', 'subpop:mnist'];

/** The augmentation axis of the connectivity grid: Gaussian noise of rising σ (the theory's), and the dataset's preset. */
const gauss = (sigma: number) => ({
  label: `gauss-${sigma}`,
  set: { 'augment.preset': 'gaussian', 'augment.sigma': sigma },
});
const DEFAULT_PRESET = { label: 'preset', set: { 'augment.sigma': null } };

const CONNECTIVITY_RELATIONS = [
  {
    text: 'target accuracy rises with the same-class cross-domain connectivity relative to the cross-class cross-domain one',
    x: 'alpha-vs-gamma',
    y: 'target',
    expect: 'increasing',
  },
  {
    text: 'target accuracy falls as same-class images of the two domains become easier to tell apart',
    x: 'dist-alpha',
    y: 'target',
    expect: 'decreasing',
  },
];

/** The built-in transfer experiments, in builtin.ts's shape. */
export const TRANSFER_BUILTINS: Record<string, Builtin> = {
  transfer: {
    summary:
      'source → target accuracy of a probe fitted on labeled source features: SSL on source ∪ target, SSL on source, ERM, DANN (Shen et al. 2022)',
    full: {
      name: 'transfer',
      description:
        'Contrastive pretraining on unlabeled source ∪ target data, then a linear head fitted on labeled ' +
        'source data only, classifies the target domain (Shen, Jones, Kumar, Xie, HaoChen, Ma, Liang, ICML ' +
        '2022, "Connect, not collapse"), while source and target features stay apart. Three pairs: MNIST → ' +
        'inverted MNIST, grey MNIST → MNIST on procedural textures, Fashion-MNIST → Fashion-MNIST rotated ' +
        'by 90°. Spectral and SimCLR pretrain on 10,000 images drawn from source ∪ target; spectral also on ' +
        '10,000 source images alone; ERM (the supervised baseline) on 10,000 labeled source images; DANN ' +
        '(Ganin et al. 2016) on labeled source + unlabeled target through a gradient-reversal domain ' +
        'classifier; raw pixels for reference. All probed with a linear head fitted on 1,000 labeled ' +
        'source images per class, scored on 800 test images per class of each domain; a linear domain ' +
        'classifier on the same features says how far apart the domains stay.',
      base: { ...QUIET, trainSize: 10000, epochs: 3 },
      axes: [
        {
          name: 'pair',
          values: Object.entries(TRANSFER_PAIRS).map(([label, dataset]) => ({ label, set: { dataset } })),
        },
        { name: 'method', values: Object.values(TRANSFER_METHODS) },
      ],
      seeds: [0, 1, 2],
      evaluation: { domains: true, subset: DOMAIN_SUBSET },
      claims: transferClaims(Object.keys(TRANSFER_PAIRS)),
      report: { x: 'pair', series: 'method', metrics: ['target', 'source', 'domain'] },
    },
    quick: {
      name: 'transfer-quick',
      description:
        'The transfer grid on MNIST → inverted MNIST: spectral on source ∪ target, ERM and DANN, 1,000 ' +
        'images, one epoch, one seed.',
      base: { ...QUICK_BASE, dataset: TRANSFER_PAIRS.invert },
      axes: [
        { name: 'pair', values: [{ label: 'invert', set: { dataset: TRANSFER_PAIRS.invert } }] },
        { name: 'method', values: [TRANSFER_METHODS.spectral, TRANSFER_METHODS.erm, TRANSFER_METHODS.dann] },
      ],
      seeds: [0],
      evaluation: { domains: true, subset: QUICK_SUBSET },
      claims: transferClaims(['invert']).slice(0, 1),
      report: { x: 'pair', series: 'method', metrics: ['target', 'source', 'domain'] },
    },
  },
  connectivity: {
    summary:
      'α, β, γ of the positive-pair graph and classifier distinguishability against target accuracy, across pairs and augmentations (Shen et al. 2022)',
    full: {
      name: 'connectivity',
      description:
        'The explanation of "Connect, not collapse" (Shen et al., ICML 2022): transfer works when same-class ' +
        'cross-domain (α) and cross-class same-domain (β) pairs are more connected than cross-class ' +
        'cross-domain pairs (γ). For each transfer pair and augmentation (Gaussian noise σ = 0.1, 0.3, 1 — ' +
        "the theory's — and the dataset's own preset), spectral pretrains on 10,000 images of source ∪ " +
        'target and is probed as in the transfer grid; under the same augmentation, ρ, α, β, γ are measured ' +
        'on the positive-pair graph of 40 training images per (class, domain) group (4 views each, 10 nearest ' +
        'neighbours in pixel space), and linear classifiers on the views’ pixels tell 6 pairs of groups of ' +
        'each kind apart on held-out images (dist-α, dist-β, dist-γ: 50 % = connected). The verdicts relate ' +
        'target accuracy to (α − γ)/(α + γ) and to dist-α across the 12 (pair, augmentation) groups.',
      base: { ...QUIET, trainSize: 10000, epochs: 3, method: 'spectral' },
      axes: [
        {
          name: 'pair',
          values: Object.entries(TRANSFER_PAIRS).map(([label, dataset]) => ({ label, set: { dataset } })),
        },
        { name: 'augment', values: [gauss(0.1), gauss(0.3), gauss(1), DEFAULT_PRESET] },
      ],
      seeds: [0, 1],
      evaluation: { domains: true, connectivity: true, subset: DOMAIN_SUBSET },
      relations: CONNECTIVITY_RELATIONS,
      report: {
        x: 'augment',
        series: 'pair',
        metrics: ['target', 'alpha', 'beta', 'gamma', 'alpha-vs-gamma', 'dist-alpha'],
      },
    },
    quick: {
      name: 'connectivity-quick',
      description:
        'The connectivity grid on MNIST → inverted MNIST with σ = 0.3 noise and the MNIST preset, 1,000 images, ' +
        'one epoch, one seed; the graph on 10 images per group, 2 classifier pairs per kind.',
      base: { ...QUICK_BASE, dataset: TRANSFER_PAIRS.invert, method: 'spectral' },
      axes: [
        { name: 'pair', values: [{ label: 'invert', set: { dataset: TRANSFER_PAIRS.invert } }] },
        { name: 'augment', values: [gauss(0.3), DEFAULT_PRESET] },
      ],
      seeds: [0],
      evaluation: {
        domains: true,
        connectivity: { imagesPerGroup: 10, pairsPerKind: 2 },
        subset: QUICK_SUBSET,
      },
      relations: CONNECTIVITY_RELATIONS,
      report: { x: 'augment', series: 'pair', metrics: ['target', 'alpha', 'gamma', 'alpha-vs-gamma'] },
    },
  },
  subpopulations: {
    summary:
      'a super-class probe fitted on some sub-classes, tested on held-out ones: SSL on all images vs supervised on the source sub-classes (HaoChen et al. 2022)',
    full: {
      name: 'subpopulations',
      description:
        'Linear transferability to related subpopulations (HaoChen, Wei, Kumar, Ma, NeurIPS 2022): ' +
        'BREEDS-style super-classes of sub-classes — Fashion-MNIST tops (T-shirt, pullover | coat, shirt), ' +
        'footwear (sandal, sneaker | ankle boot), other (trouser, dress | bag); MNIST loops (0, 6 | 8, 9), ' +
        'straight (1, 4 | 7), curves (2, 3 | 5), source | target. Spectral and SimCLR pretrain on 10,000 ' +
        'images of every sub-class without labels; the supervised baseline on 10,000 labeled images of the ' +
        'source sub-classes (super-class labels); raw pixels for reference. A linear super-class probe is ' +
        'fitted on source sub-class images (1,000 per super-class) and scored on the target sub-classes it ' +
        'never saw (`target`) and on source test images (`source`).',
      base: { ...QUIET, trainSize: 10000, epochs: 3 },
      axes: [
        {
          name: 'dataset',
          values: SUBPOP_DATASETS.map((d) => ({ label: d.slice('subpop:'.length), set: { dataset: d } })),
        },
        {
          name: 'method',
          values: [
            TRANSFER_METHODS.spectral,
            TRANSFER_METHODS.simclr,
            { label: 'supervised-source', set: { method: 'supervised', sourceOnly: true } },
            TRANSFER_METHODS.pixels,
          ],
        },
      ],
      seeds: [0, 1, 2],
      evaluation: { domains: true, subset: DOMAIN_SUBSET },
      claims: ['fashion-mnist', 'mnist'].map((dataset) =>
        claim(
          `${dataset}: on held-out sub-classes, spectral beats the supervised baseline trained on the source sub-classes`,
          'target',
          { dataset, method: 'spectral' },
          { dataset, method: 'supervised-source' },
        ),
      ),
      report: { x: 'dataset', series: 'method', metrics: ['target', 'source'] },
    },
    quick: {
      name: 'subpopulations-quick',
      description: 'The subpopulations grid on Fashion-MNIST: spectral and supervised-source, 1,000 images, one epoch.',
      base: { ...QUICK_BASE, dataset: 'subpop:fashion-mnist' },
      axes: [
        { name: 'dataset', values: [{ label: 'fashion-mnist', set: { dataset: 'subpop:fashion-mnist' } }] },
        {
          name: 'method',
          values: [
            TRANSFER_METHODS.spectral,
            { label: 'supervised-source', set: { method: 'supervised', sourceOnly: true } },
          ],
        },
      ],
      seeds: [0],
      evaluation: { domains: true, subset: QUICK_SUBSET },
      claims: [
        claim(
          'on held-out sub-classes, spectral beats the supervised baseline trained on the source sub-classes',
          'target',
          { method: 'spectral' },
          { method: 'supervised-source' },
        ),
      ],
      report: { x: 'dataset', series: 'method', metrics: ['target', 'source'] },
    },
  },
};
