/**
 * MoCo v2 (He, Fan, Wu, Xie, Girshick 2020; Chen, Fan, Girshick, He 2020):
 * queries from the encoder plus an MLP head, keys from a momentum copy of
 * both, InfoNCE of each query against its key and a FIFO queue of past keys.
 * Single-device BatchNorm (no shuffle-BN): the key network normalizes over
 * the whole key batch.
 */

import { entriesUnder, withPrefix } from '../nn/index.ts';
import { boolean, option, positive, positiveInt, unitInterval } from '../options/index.ts';
import { cat, nnf, noGrad, type Tensor, tidy } from '../tensor/index.ts';
import { twoViews } from './batch.ts';
import { byScale, defineMethod } from './define.ts';
import { emaUpdate_, frozenCopy } from './ema.ts';
import { ModuleDict, plainMlpHead } from './heads.ts';
import { infoNceQueueLoss } from './losses.ts';
import { KeyQueue } from './queue.ts';
import { expectStateKeys } from './state.ts';

export type MoCoV2Options = {
  temperature: number;
  momentum: number;
  queueSize: number;
  symmetric: boolean;
  hiddenDim: number;
  outDim: number;
};

/**
 * MoCo v2. Heads: `projector` (Linear+ReLU+Linear, no BN). State: the key
 * network (`target.encoder.…`, `target.projector.…`), `queue` (K×d unit keys,
 * a ring buffer) and `queuePtr`. `forward` computes the keys of view 2 (and
 * view 1 when symmetric) with the key network; `afterStep` moves the key
 * network towards the online one and then enqueues those keys, so the next
 * batch sees them as negatives — the order of MoCo's Algorithm 1. Optimizer:
 * SGD, momentum 0.9, lr 0.03·B/256 (MoCo v2; the CIFAR demo's 0.06 at
 * B = 512), wd 5e-4 (the CIFAR demo; 1e-4 on ImageNet), cosine without warm-up.
 */
export const mocov2 = defineMethod<MoCoV2Options>({
  name: 'mocov2',
  summary: 'InfoNCE against a queue of momentum-encoder keys (He et al. 2020; Chen et al. 2020)',
  options: {
    temperature: option(positive, 0.2, 'τ of InfoNCE (0.2, MoCo v2)'),
    momentum: option(
      unitInterval,
      0.99,
      "momentum m of the key network, θ_k ← m·θ_k + (1 − m)·θ_q (0.99: MoCo's CIFAR-10 demo; 0.999 on ImageNet)",
    ),
    queueSize: option(
      positiveInt,
      4096,
      "keys in the queue of negatives (4096: MoCo's CIFAR-10 demo; 65536 on ImageNet)",
    ),
    symmetric: option(boolean, false, "also predict view 1's key from view 2's query and add the two losses"),
    hiddenDim: option(positiveInt, byScale(512, 2048), 'hidden width of the MLP head'),
    outDim: option(positiveInt, 128, 'key and query dimension'),
  },
  recipe: { optimizer: 'sgd', baseLr: 0.03, weightDecay: 5e-4, momentum: 0.9, warmupFraction: 0 },
  batchSize: 256,
  build(o, deps) {
    const featureDim = deps.encoder.featureDim;
    const projector = plainMlpHead(featureDim, o.hiddenDim, o.outDim, deps.generator);
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
    const stateTensors = () => ({ ...withPrefix(target.stateDict(), 'target.'), ...queue.state() });
    return {
      heads: { projector },
      forward(encoder, batch) {
        const [x1, x2] = twoViews('mocov2', batch);
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
      },
      afterStep(encoder) {
        emaUpdate_(keyEncoder, encoder, o.momentum);
        emaUpdate_(keyProjector, projector, o.momentum);
        if (pending) {
          queue.push(pending);
          pending.dispose();
          pending = null;
        }
      },
      stateTensors,
      loadStateTensors(state) {
        expectStateKeys(
          'mocov2',
          state,
          tidy(() => Object.keys(stateTensors())),
        );
        target.loadStateDict(entriesUnder(state, 'target.'));
        queue.load(state.queue as Tensor, state.queuePtr as Tensor);
        pending?.dispose();
        pending = null;
      },
      dispose() {
        target.dispose();
        queue.dispose();
        pending?.dispose();
      },
    };
  },
});
