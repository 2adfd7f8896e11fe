/**
 * Heads shared by the methods: a named container for them (the `heads`
 * module the trainer checkpoints) and the projector/predictor MLPs of the
 * papers, with PyTorch's layer names (`projector.0.weight`, …).
 */
import { MLP, Module } from '../nn/index.ts';
import type { Generator, Tensor } from '../tensor/index.ts';

/**
 * Modules under fixed names, like torch.nn.ModuleDict: `new ModuleDict({
 * projector, predictor })` names their parameters `projector.…` and
 * `predictor.…`. It has no computation of its own; methods call the children.
 */
export class ModuleDict extends Module {
  constructor(modules: Record<string, Module>) {
    super();
    for (const [name, m] of Object.entries(modules)) this.registerModule(name, m);
  }

  forward(_x: Tensor): Tensor {
    const names = this.namedChildren().map(([n]) => n);
    throw new Error(`ModuleDict: no forward of its own; call one of its modules (${names.join(', ')})`);
  }
}

/**
 * Linear(d→h)+BN+ReLU, Linear(h→k)+BN: the spectral-contrastive projector of
 * HaoChen et al. 2021 (their CIFAR ResNet-18 `proj_resnet_layer1/2`), also
 * SimSiam's 2-layer CIFAR projector (Chen & He 2021, App. B) with
 * `lastAffine` false.
 */
export function bnProjector(d: number, h: number, k: number, generator?: Generator, lastAffine = true): MLP {
  return new MLP([d, h, k], { batchNorm: true, lastBatchNorm: true, lastBatchNormAffine: lastAffine, generator });
}

/**
 * Linear(d→h)+BN+ReLU, Linear(h→k): SimCLR's projection head g (Chen et al.
 * 2020, with BN as in SimCLR v2 and solo-learn), BYOL's projector and
 * predictor (Grill et al. 2020), SimSiam's predictor (bottleneck h < k) and
 * SwAV's projector (Caron et al. 2020).
 */
export function mlpHead(d: number, h: number, k: number, generator?: Generator): MLP {
  return new MLP([d, h, k], { batchNorm: true, generator });
}

/** Linear(d→h)+ReLU, Linear(h→k) without BN: MoCo v2's MLP head (Chen, Fan, Girshick, He 2020). */
export function plainMlpHead(d: number, h: number, k: number, generator?: Generator): MLP {
  return new MLP([d, h, k], { generator });
}

/**
 * Linear(d→h)+BN+ReLU, Linear(h→h)+BN+ReLU, Linear(h→k): the 3-layer
 * projector of Barlow Twins (Zbontar et al. 2021) and expander of VICReg
 * (Bardes et al. 2022), 8192 wide on ImageNet in both papers.
 */
export function threeLayerProjector(d: number, h: number, k: number, generator?: Generator): MLP {
  return new MLP([d, h, h, k], { batchNorm: true, generator });
}
