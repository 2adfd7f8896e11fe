/** ResNet-18 for CIFAR-size images (3×3 stem, no max-pool), named as torchvision. */
import { opT, type Tensor, tidy } from '../tensor/index.ts';
import { BatchNorm2d } from './batchnorm.ts';
import { Conv2d } from './conv2d.ts';
import { ImageEncoder, type ImageEncoderOptions } from './image-encoder.ts';
import { constant_, kaimingNormal_ } from './init.ts';
import { Module, type ModuleOptions } from './module.ts';
import { Sequential } from './sequential.ts';

/** ReLU over a fresh activation's own storage (torchvision's ReLU(inplace=True)): one pass and allocation less. */
const reluInPlace = (t: Tensor): Tensor => opT('aten::relu_', [t]);

/**
 * torchvision's BasicBlock: y = relu(bn2(conv2(relu(bn1(conv1 x)))) + s(x)),
 * conv 3×3 (pad 1, no bias), s = identity or downsample (conv1×1 stride + BN)
 * when the stride or width changes.
 */
export class BasicBlock extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly downsample: Sequential | null;

  constructor(inPlanes: number, planes: number, stride: number, o: ModuleOptions = {}) {
    super();
    const g = o.generator;
    this.conv1 = this.registerModule(
      'conv1',
      new Conv2d(inPlanes, planes, 3, { stride, padding: 1, bias: false, generator: g }),
    );
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(planes));
    this.conv2 = this.registerModule('conv2', new Conv2d(planes, planes, 3, { padding: 1, bias: false, generator: g }));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(planes));
    this.downsample =
      stride !== 1 || inPlanes !== planes
        ? this.registerModule(
            'downsample',
            new Sequential(
              new Conv2d(inPlanes, planes, 1, { stride, bias: false, generator: g }),
              new BatchNorm2d(planes),
            ),
          )
        : null;
  }

  forward(x: Tensor): Tensor {
    return tidy(() => {
      const h = reluInPlace(this.bn1.forward(this.conv1.forward(x)));
      const out = this.bn2.forward(this.conv2.forward(h));
      const shortcut = this.downsample ? this.downsample.forward(x) : x;
      return reluInPlace(out.add_(shortcut));
    });
  }
}

/** Image channels default to 3. */
export type ResNet18Options = ImageEncoderOptions;

/**
 * He et al. 2016 ResNet-18 as torchvision builds it, adapted to 32×32 inputs
 * the way the SSL literature does (solo-learn, HaoChen et al.): conv1 is
 * 3×3 stride 1 pad 1 without bias, no max-pool, BasicBlocks [2, 2, 2, 2] with
 * widths 64/128/256/512, global average pool → 512-d features, no fc.
 * Parameter names are torchvision's (conv1.weight, bn1.*, layer1.0.conv1.weight,
 * layer2.0.downsample.0.weight, …) so state dicts load into PyTorch with
 * `strict=False` (only fc.* missing). Init as torchvision: convs
 * kaiming_normal(fan_out, relu), BN γ = 1, β = 0.
 */
export class ResNet18 extends ImageEncoder {
  readonly featureDim = 512;
  /** The scale of this architecture, known without building one (config resolution reads it). */
  static readonly scale = 'large';
  readonly scale = ResNet18.scale;

  constructor(o: ResNet18Options = {}) {
    const inChannels = o.inChannels ?? 3;
    super('ResNet18', inChannels);
    const g = o.generator;
    this.registerModule('conv1', new Conv2d(inChannels, 64, 3, { padding: 1, bias: false, generator: g }));
    this.registerModule('bn1', new BatchNorm2d(64));
    let inPlanes = 64;
    [64, 128, 256, 512].forEach((planes, i) => {
      const stride = i === 0 ? 1 : 2;
      const layer = new Sequential(new BasicBlock(inPlanes, planes, stride, o), new BasicBlock(planes, planes, 1, o));
      this.registerModule(`layer${i + 1}`, layer);
      inPlanes = planes;
    });
    for (const [, m] of this.namedModules()) {
      if (m instanceof Conv2d) kaimingNormal_(m.weight, { mode: 'fanOut', nonlinearity: 'relu', generator: g });
      else if (m instanceof BatchNorm2d) {
        constant_(m.weight as Tensor, 1);
        constant_(m.bias as Tensor, 0);
      }
    }
    if (o.channelsLast) this.channelsLast();
  }

  /** N×C×H×W images → N×512 pooled features. */
  forward(x: Tensor): Tensor {
    return tidy(() => {
      let h = this.imageInput(x);
      h = reluInPlace(this.child('bn1').forward(this.child('conv1').forward(h)));
      for (let i = 1; i <= 4; i++) h = this.child(`layer${i}`).forward(h);
      return h.mean([2, 3]);
    });
  }
}
