/**
 * MoCo v2 (He, Fan, Wu, Xie, Girshick 2020; Chen, Fan, Girshick, He 2020):
 * queries from the encoder plus an MLP head, keys from a momentum copy of
 * both, InfoNCE of each query against its key and a FIFO queue of past keys.
 * Single-device BatchNorm (no shuffle-BN): the key network normalizes over
 * the whole key batch.
 */
import type { EncoderScale, ImageEncoder } from '../nn/index.ts';
import { cat, nnf, noGrad, type Tensor, tidy } from '../tensor/index.ts';
import { twoViews } from './batch.ts';
import { emaUpdate_, frozenCopy } from './ema.ts';
import { ModuleDict, plainMlpHead } from './heads.ts';
import { infoNceQueueLoss } from './losses.ts';
import type { Method, MethodBatch, MethodDeps, MethodOutput } from './method.ts';
import {
  boolean,
  isSmallScale,
  type OptionSpecs,
  positive,
  positiveInt,
  type RecipeOptions,
  recipeSpecs,
  resolveOptions,
  scaledRecipe,
  unitInterval,
} from './options.ts';
import { KeyQueue } from './queue.ts';
import { expectStateKeys, stateUnder, withPrefix } from './state.ts';

export type MoCoV2Config = {
  name: 'mocov2';
  /** τ of InfoNCE (0.2, MoCo v2). */
  temperature: number;
  /** Momentum m of the key network, θ_k ← m·θ_k + (1 − m)·θ_q (0.99, MoCo's CIFAR-10 demo; 0.999 on ImageNet). */
  momentum: number;
  /** Keys in the queue (4096, MoCo's CIFAR-10 demo; 65536 on ImageNet). Any size: pushes wrap around. */
  queueSize: number;
  /** Also predict view 1's key from view 2's query and sum the two losses (the CIFAR demo's option; off in MoCo v2). */
  symmetric: boolean;
  /** MLP head hidden width (2048 for ResNet-18, as MoCo v2's 2048; 512 for the ConvNet). */
  hiddenDim: number;
  /** Key/query dimension (128, MoCo v2). */
  outDim: number;
} & RecipeOptions;

/**
 * Defaults for an encoder of this `scale` (small: the ConvNet; large: ResNet-18). Optimizer: SGD,
 * momentum 0.9, lr 0.03·B/256 (MoCo v2; the CIFAR demo's 0.06 at B = 512),
 * wd 5e-4 (the CIFAR demo; 1e-4 on ImageNet), cosine without warm-up.
 */
export function mocov2Defaults(scale: EncoderScale): MoCoV2Config {
  const small = isSmallScale(scale);
  return {
    name: 'mocov2',
    temperature: 0.2,
    momentum: 0.99,
    queueSize: 4096,
    symmetric: false,
    hiddenDim: small ? 512 : 2048,
    outDim: 128,
    optimizer: 'sgd',
    baseLr: 0.03,
    weightDecay: 5e-4,
    optimizerMomentum: 0.9,
    warmupFraction: 0,
  };
}

function specs(scale: EncoderScale): OptionSpecs<Omit<MoCoV2Config, 'name'>> {
  const d = mocov2Defaults(scale);
  return {
    temperature: positive(d.temperature),
    momentum: unitInterval(d.momentum),
    queueSize: positiveInt(d.queueSize),
    symmetric: boolean(d.symmetric),
    hiddenDim: positiveInt(d.hiddenDim),
    outDim: positiveInt(d.outDim),
    ...recipeSpecs(d),
  };
}

/**
 * MoCo v2. Heads: `projector` (Linear+ReLU+Linear, no BN). State: the key
 * network (`target.encoder.…`, `target.projector.…`), `queue` (K×d unit keys,
 * a ring buffer) and `queuePtr`. `forward` computes the keys of view 2 (and
 * view 1 when symmetric) with the key network; `afterStep` moves the key
 * network towards the online one and then enqueues those keys, so the next
 * batch sees them as negatives — the order of MoCo's Algorithm 1.
 */
export function mocov2(options: Partial<MoCoV2Config>, deps: MethodDeps): Method {
  const featureDim = deps.encoder.featureDim;
  const o = resolveOptions('mocov2', options, specs(deps.encoder.scale));
  const projector = plainMlpHead(featureDim, o.hiddenDim, o.outDim, deps.generator);
  const heads = new ModuleDict({ projector });
  const keyEncoder = frozenCopy(deps.makeEncoder(), deps.encoder);
  const keyProjector = frozenCopy(plainMlpHead(featureDim, o.hiddenDim, o.outDim), projector);
  const target = new ModuleDict({ encoder: keyEncoder, projector: keyProjector });
  const like = deps.encoder.parameters()[0];
  const queue = new KeyQueue(o.queueSize, o.outDim, {
    generator: deps.generator,
    dtype: like?.dtype,
    device: like?.device,
  });
  let pending: Tensor | null = null;
  const keysOf = (x: Tensor): Tensor =>
    noGrad(() => tidy(() => nnf.normalize(keyProjector.forward(keyEncoder.forward(x)), 1)));
  const stateKeys = (): string[] => tidy(() => Object.keys(method.stateTensors()));

  const method: Method = {
    name: 'mocov2',
    config: { name: 'mocov2', ...o } satisfies MoCoV2Config,
    views: 2,
    needsLabels: false,
    heads,
    recipe: (batchSize) => scaledRecipe('mocov2', o, batchSize),
    forward(encoder: ImageEncoder, batch: MethodBatch): MethodOutput {
      const [x1, x2] = twoViews('mocov2', batch);
      return tidy(() => {
        const q1 = projector.forward(encoder.forward(x1));
        const k2 = keysOf(x2);
        let loss = infoNceQueueLoss(q1, k2, queue.keys, o.temperature);
        let keys = k2;
        if (o.symmetric) {
          const q2 = projector.forward(encoder.forward(x2));
          const k1 = keysOf(x1);
          loss = loss.add(infoNceQueueLoss(q2, k1, queue.keys, o.temperature));
          keys = cat([k1, k2]);
        }
        pending?.dispose();
        pending = keys.keep();
        return { loss, embedding: q1.detach() };
      });
    },
    afterStep(encoder: ImageEncoder) {
      emaUpdate_(keyEncoder, encoder, o.momentum);
      emaUpdate_(keyProjector, projector, o.momentum);
      if (pending) {
        queue.push(pending);
        pending.dispose();
        pending = null;
      }
    },
    stateTensors: () => ({ ...withPrefix(target.stateDict(), 'target.'), ...queue.state() }),
    loadStateTensors(state) {
      expectStateKeys('mocov2', state, stateKeys());
      target.loadStateDict(stateUnder(state, 'target.'));
      queue.load(state.queue as Tensor, state.queuePtr as Tensor);
      pending?.dispose();
      pending = null;
    },
    dispose() {
      heads.dispose();
      target.dispose();
      queue.dispose();
      pending?.dispose();
    },
  };
  return method;
}
