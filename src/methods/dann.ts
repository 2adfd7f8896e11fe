/**
 * DANN, domain-adversarial training (Ganin, Ustinova, Ajakan, Germain,
 * Larochelle, Laviolette, Marchand, Lempitsky, JMLR 2016): the supervised
 * classifier on the labeled source images plus a domain classifier that sees
 * the features of every image through a gradient-reversal layer, so the
 * encoder learns features that classify the source and that the domain
 * classifier cannot tell apart — the standard unsupervised domain-adaptation
 * baseline of "Connect, not collapse" (Shen et al. 2022).
 *
 * The trainer gives a method with `needsDomains` labels that carry both
 * facts, ℓ = class + K·domain (K classes; domain 0 is the source), so the
 * view loader stays as it is; the class term reads only the source rows.
 */
import { gradientReversal, Linear } from '../nn/index.ts';
import { nonNegative, oneOf, option, positiveInt } from '../options/index.ts';
import { nnf, type Tensor, tensor, tidy } from '../tensor/index.ts';
import { byScale, defineMethod } from './define.ts';
import { mlpHead } from './heads.ts';
import { crossEntropyLoss } from './losses.ts';
import type { MethodContext } from './method.ts';

export type DannOptions = { lambda: number; schedule: 'ganin' | 'constant'; domainHiddenDim: number };

/**
 * The reversal coefficient at training progress p = step / totalSteps:
 * λ·(2 / (1 + exp(−10p)) − 1) with the 'ganin' schedule (Ganin et al. 2016,
 * §5.2.2: from 0 to λ, so the domain classifier's early noise does not reach
 * the encoder), λ throughout with 'constant'.
 */
export function dannLambda(o: Pick<DannOptions, 'lambda' | 'schedule'>, ctx: MethodContext): number {
  if (o.schedule === 'constant') return o.lambda;
  const p = ctx.totalSteps > 0 ? Math.min(1, Math.max(0, ctx.step / ctx.totalSteps)) : 1;
  return o.lambda * (2 / (1 + Math.exp(-10 * p)) - 1);
}

/**
 * Splits DANN's combined labels ℓ = class + K·domain into [class, domain] (int64, shape [B]), after
 * checking they are int64 of shape [B] in 0…K·D − 1.
 */
export function splitDomainLabels(
  labels: Tensor | null,
  b: number,
  classes: number,
  domains: number,
): [Tensor, Tensor] {
  if (!labels) throw new Error('dann: batches must carry labels (batch.labels is null)');
  if (labels.dtype !== 'int64' || labels.ndim !== 1 || labels.shape[0] !== b)
    throw new Error(`dann: labels must be int64 of shape [${b}], got ${labels.dtype} [${labels.shape}]`);
  const [lo, hi] = tidy(() => [labels.min().item() as number, labels.max().item() as number]);
  if (lo < 0 || hi >= classes * domains)
    throw new Error(
      `dann: labels must be class + ${classes}·domain in 0…${classes * domains - 1} (${classes} classes, ` +
        `${domains} domains), got values from ${lo} to ${hi}`,
    );
  const domain = labels.div(classes).floor().long();
  return [labels.sub(domain.mul(classes)), domain];
}

/**
 * DANN. Heads: `classifier` Linear(d→K) and `domainClassifier`
 * (Linear(d→h)+BN+ReLU, Linear(h→D)) behind the gradient-reversal layer
 * R_λ. Loss, on one view:
 *
 *   L = (1/|S|)·Σ_{i∈S} CE(classifier(fᵢ), yᵢ) + (1/B)·Σᵢ CE(domainClassifier(R_λ(fᵢ)), dᵢ),
 *
 * S the batch's source images (the class term is 0 in a batch without
 * any). The domain head descends on its loss; through R_λ the encoder
 * ascends on it. Optimizer: the supervised baseline's, SGD lr 0.1·B/256, wd
 * 5e-4, momentum 0.9, so DANN and source-only ERM differ only in the domain
 * term. Batches are drawn uniformly from the union (Ganin et al. draw half
 * source, half target; a union of two equal members gives that on average).
 */
export const dann = defineMethod<DannOptions>({
  name: 'dann',
  summary: 'supervised on labeled source + a domain classifier through gradient reversal (Ganin et al. 2016)',
  options: {
    lambda: option(nonNegative, 1, 'weight λ of the reversed gradient the domain classifier sends the encoder'),
    schedule: option(
      oneOf(['ganin', 'constant'] as const),
      'ganin',
      "'ganin': λ·(2/(1+e^(−10p)) − 1), rising from 0 to λ over training p ∈ [0, 1]; 'constant': λ throughout",
    ),
    domainHiddenDim: option(positiveInt, byScale(256, 1024), 'hidden width of the domain classifier'),
  },
  recipe: { optimizer: 'sgd', baseLr: 0.1, weightDecay: 5e-4, momentum: 0.9, warmupFraction: 0 },
  batchSize: 256,
  views: 1,
  needsLabels: true,
  needsDomains: true,
  logs: ['class', 'domain', 'lambda'],
  build(o, deps) {
    const classes = deps.numClasses;
    const domains = deps.numDomains;
    if (classes === undefined || !Number.isInteger(classes) || classes < 2)
      throw new Error(`dann: deps.numClasses must be an integer ≥ 2, got ${classes}`);
    if (domains === undefined || !Number.isInteger(domains) || domains < 2)
      throw new Error(
        `dann: the dataset must have at least 2 domains (a union:SOURCE+TARGET or a subpop: dataset), got ${domains}`,
      );
    const d = deps.encoder.featureDim;
    const classifier = new Linear(d, classes, { generator: deps.generator });
    const domainClassifier = mlpHead(d, o.domainHiddenDim, domains, deps.generator);
    return {
      heads: { classifier, domainClassifier },
      forward(encoder, batch, ctx) {
        const x = batch.views[0];
        if (!x) throw new Error('dann: a batch must have 1 view, got 0');
        const b = x.shape[0] as number;
        const [y, dom] = splitDomainLabels(batch.labels, b, classes, domains);
        const features = encoder.forward(x);
        const logits = classifier.forward(features);
        // Σ_{i∈S} CE / max(|S|, 1): the source rows' mean, 0 in a batch without source images.
        const source = dom.eq(0).float();
        const classLoss = nnf
          .crossEntropy(logits, y, { reduction: 'none' })
          .mul(source)
          .sum()
          .div(source.sum().clamp(1));
        const lambda = dannLambda(o, ctx);
        const domainLoss = crossEntropyLoss(domainClassifier.forward(gradientReversal(features, lambda)), dom);
        return {
          loss: classLoss.add(domainLoss),
          embedding: logits.detach(),
          logs: { class: classLoss.detach(), domain: domainLoss.detach(), lambda: tensor(lambda) },
        };
      },
    };
  },
});
