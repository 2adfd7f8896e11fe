"""Reference for bench/train-step.ts: seconds per SGD training step in PyTorch.

One step = forward, cross-entropy, backward, SGD update (lr 0.1, momentum 0.9,
weight decay 5e-4) on a fixed random batch, for the same models as specl's
src/nn: ConvNet on 1x28x28 and the CIFAR ResNet-18 on 3x32x32, each with a
linear classifier head (10 classes).

Request: {"model": "convnet"|"resnet18", "format": "nchw"|"channels-last",
          "batch": 256, "warmup": 3, "steps": 20}
Reply:   {"seconds_per_step": ..., "loss": ...}
"""
import time

import torch
from common import serve
from torch import nn


def conv3x3(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)


class ConvNet(nn.Module):
    """src/nn/convnet.ts: per width conv-BN-ReLU, a 2x2 max-pool between stages, global average pool.

    Default widths (32, 64, 512) as CONVNET_WIDTHS: 512 features.
    """

    def __init__(self, in_channels=1, widths=(32, 64, 512)):
        super().__init__()
        layers, c = [], in_channels
        for i, w in enumerate(widths):
            layers += [conv3x3(c, w), nn.BatchNorm2d(w), nn.ReLU(inplace=True)]
            if i + 1 < len(widths):
                layers.append(nn.MaxPool2d(2))
            c = w
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.out_features = widths[-1]

    def forward(self, x):
        return torch.flatten(self.pool(self.features(x)), 1)


class BasicBlock(nn.Module):
    """torchvision's ResNet BasicBlock: two 3x3 conv-BN, identity or 1x1 conv-BN shortcut."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1, self.bn1 = conv3x3(cin, cout, stride), nn.BatchNorm2d(cout)
        self.conv2, self.bn2 = conv3x3(cout, cout), nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += identity
        return self.relu(out)


class ResNet18(nn.Module):
    """torchvision resnet18 for 32x32 inputs: 3x3 stride-1 stem, no max-pool, fc removed (512 features)."""

    def __init__(self, in_channels=3):
        super().__init__()
        self.conv1 = conv3x3(in_channels, 64)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        layers, cin = [], 64
        for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            layers.append(nn.Sequential(BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)))
            cin = cout
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.out_features = 512
        for m in self.modules():  # torchvision's init, as src/nn/resnet18.ts
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return torch.flatten(self.avgpool(x), 1)


MODELS = {"convnet": (ConvNet, (1, 28, 28)), "resnet18": (ResNet18, (3, 32, 32))}
FORMATS = {"nchw": torch.contiguous_format, "channels-last": torch.channels_last}
CLASSES = 10

_state = {}  # the last (model, format, batch) set-up, reused across repeats


def setup(name, fmt, batch):
    key = (name, fmt, batch)
    if _state.get("key") != key:
        _state.clear()  # free the previous model and batch first
        torch.manual_seed(0)
        backbone_cls, shape = MODELS[name]
        backbone = backbone_cls()
        model = nn.Sequential(backbone, nn.Linear(backbone.out_features, CLASSES))
        model = model.to(memory_format=FORMATS[fmt]).train()
        x = torch.randn(batch, *shape).contiguous(memory_format=FORMATS[fmt])
        y = torch.randint(0, CLASSES, (batch,))
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
        _state.update(key=key, model=model, x=x, y=y, opt=opt)
    return _state["model"], _state["x"], _state["y"], _state["opt"]


def handle(req):
    name, fmt = req["model"], req["format"]
    if name not in MODELS:
        raise ValueError(f"model must be one of {sorted(MODELS)}, got {name!r}")
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {sorted(FORMATS)}, got {fmt!r}")
    model, x, y, opt = setup(name, fmt, int(req["batch"]))
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    for _ in range(int(req["warmup"])):
        step()
    steps = int(req["steps"])
    t0 = time.perf_counter()
    for _ in range(steps):
        loss = step()
    return {"seconds_per_step": (time.perf_counter() - t0) / steps, "loss": loss.item()}


if __name__ == "__main__":
    serve(handle, __doc__)
