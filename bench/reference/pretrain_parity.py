"""Reference for bench/pretrain-parity.ts: self-supervised pretraining of the MNIST ConvNet in PyTorch.

The same run as specl's `pretrain` (src/train/pretrain.ts), written the usual
PyTorch way: a Dataset of PIL digits whose __getitem__ makes two views with the
torchvision digits recipe (src/augment/presets.ts `mnist`), a DataLoader
(shuffle, drop_last, one worker process, seeded generator), the ConvNet of
src/nn/convnet.ts plus the method's projector, the method's loss, SGD or LARS
with weight decay on weights only and a per-step linear warm-up + cosine
learning rate. Then the linear probe of src/eval/linear-probe.ts: frozen
features (eval mode) of the full train and test splits, standardized with the
train statistics, multinomial logistic regression fitted by full-batch L-BFGS.

Request: {"method": "spectral"|"simclr", "mnist_dir": "<dir with the raw IDX files>",
          "indices": [training subset, dataset order], "epochs": 2, "batch": 256, "seed": 0,
          "workers": 1, "channels_last": true, "widths": [32, 64, 512], "mean": [0.1307], "std": [0.3081],
          "hidden_dim": 512, "out_dim": 128, "mu": 1 (spectral), "temperature": 0.5 (simclr),
          "optimizer": {"name": "sgd"|"lars", "lr": ..., "weight_decay": ..., "momentum": 0.9,
                        "warmup_steps": ..., "total_steps": ..., "eta": 0.001, "eps": 1e-8},
          "probe": {"l2": 1e-4, "max_iter": 500, "tolerance_grad": 1e-5, "tolerance_change": 1e-9,
                    "history": 10, "batch": 512}}
Reply:   {"images_per_second": steady-state (steps 2..N), "images_per_second_total": over all steps,
          "train_seconds", "steps", "losses": [per step], "lrs": [per step], "probe_top1",
          "probe_train_top1", "probe_iterations", "probe_seconds"}
"""
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
import torchvision.transforms as T
from common import serve
from PIL import Image
from torch import nn
from torch.utils.data import DataLoader, Dataset
from train_step import ConvNet  # the same ConvNet as src/nn/convnet.ts, one definition for both references


def projector(method, d, h, k):
    """src/methods/heads.ts: spectral bnProjector Linear+BN+ReLU, Linear+BN; simclr mlpHead Linear+BN+ReLU, Linear."""
    layers = [nn.Linear(d, h), nn.BatchNorm1d(h), nn.ReLU(inplace=True), nn.Linear(h, k)]
    if method == "spectral":
        layers.append(nn.BatchNorm1d(k))
    return nn.Sequential(*layers)


def spectral_loss(z1, z2, mu):
    """src/methods/losses.ts spectralContrastiveLoss: rows clipped to norm sqrt(mu), (part1 + part2)/mu."""
    b = z1.shape[0]
    r = math.sqrt(mu)
    a1 = z1 * (r / z1.norm(dim=1, keepdim=True).clamp(min=r))
    a2 = z2 * (r / z2.norm(dim=1, keepdim=True).clamp(min=r))
    part1 = (a1 * a2).sum() * (-2.0 / b)
    off = 1.0 - torch.eye(b, dtype=z1.dtype)
    part2 = ((a1 @ a2.t()).square() * off).sum() / (b * (b - 1))
    return (part1 + part2) / mu


def nt_xent(z1, z2, tau):
    """src/methods/losses.ts ntXentLoss: cross-entropy over the 2B unit views, self-similarity masked."""
    b = z1.shape[0]
    u = F.normalize(torch.cat([z1, z2]), dim=1)
    logits = (u @ u.t()) / tau
    logits = logits.masked_fill(torch.eye(2 * b, dtype=torch.bool), float("-inf"))
    positives = torch.cat([torch.arange(b, 2 * b), torch.arange(0, b)])
    return F.cross_entropy(logits, positives)


class LARS(torch.optim.Optimizer):
    """src/optim/lars.ts (solo-learn's LARS without clipping): for a group without lars_exclude, when
    |p| > 0 and |g| > 0, q = eta |p| / (|g| + wd |p| + eps) and d = q (g + wd p), else d = g; then
    torch.optim.SGD's momentum (buf = d at first, buf = m buf + d) and p -= lr buf."""

    def __init__(self, groups, lr, momentum, eta=1e-3, eps=1e-8):
        super().__init__(groups, dict(lr=lr, momentum=momentum, weight_decay=0.0, eta=eta, eps=eps, lars_exclude=False))

    @torch.no_grad()
    def step(self):
        for g in self.param_groups:
            for p in g["params"]:
                if p.grad is None:
                    continue
                d = p.grad
                if not g["lars_exclude"]:
                    pn, gn = p.norm(), d.norm()
                    ok = (pn > 0) & (gn > 0)
                    q = g["eta"] * pn / (gn + g["weight_decay"] * pn + g["eps"])
                    d = torch.where(ok, q * (d + g["weight_decay"] * p), d)
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = d.clone()
                else:
                    buf.mul_(g["momentum"]).add_(d)
                p.add_(buf, alpha=-g["lr"])


def param_groups(modules, weight_decay):
    """src/optim/param-groups.ts splitWeightDecay: tensors with ndim <= 1 (biases, BN) get no decay, no LARS."""
    decay, no_decay = [], []
    for m in modules:
        for p in m.parameters():
            (no_decay if p.ndim <= 1 else decay).append(p)
    return [
        {"params": decay, "weight_decay": weight_decay, "lars_exclude": False},
        {"params": no_decay, "weight_decay": 0.0, "lars_exclude": True},
    ]


def warmup_cosine(base_lr, warmup, total):
    """src/optim/schedule.ts warmupCosine with final lr 0."""

    def lr(step):
        if step < warmup:
            return base_lr * step / warmup
        t = min(1.0, (step - warmup) / (total - warmup))
        return base_lr * (1 + math.cos(math.pi * t)) / 2

    return lr


def digits_recipe(mean, std):
    """src/augment/presets.ts `mnist`, in torchvision (as reference/augment.py, PIL path)."""
    return T.Compose(
        [
            T.RandomResizedCrop(28, scale=(0.5, 1.0), ratio=(0.8, 1.25)),
            T.RandomAffine(10, translate=(0.1, 0.1), interpolation=T.InterpolationMode.BILINEAR),
            T.RandomApply([T.ColorJitter(brightness=0.4, contrast=0.4)], p=0.8),
            T.ToTensor(),
            T.Normalize(mean, std),
        ]
    )


class TwoViews(Dataset):
    def __init__(self, images, transform):
        self.images, self.transform = images, transform  # N x 28 x 28 uint8

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        img = Image.fromarray(self.images[i], mode="L")
        return self.transform(img), self.transform(img)


def read_idx(path, offset, shape):
    raw = np.fromfile(path, dtype=np.uint8, offset=offset)
    return raw.reshape(shape)


_data = {}


def mnist(dirname):
    if dirname not in _data:
        _data.clear()
        _data[dirname] = {
            "train_images": read_idx(os.path.join(dirname, "train-images-idx3-ubyte"), 16, (-1, 28, 28)),
            "train_labels": read_idx(os.path.join(dirname, "train-labels-idx1-ubyte"), 8, (-1,)).astype(np.int64),
            "test_images": read_idx(os.path.join(dirname, "t10k-images-idx3-ubyte"), 16, (-1, 28, 28)),
            "test_labels": read_idx(os.path.join(dirname, "t10k-labels-idx1-ubyte"), 8, (-1,)).astype(np.int64),
        }
    return _data[dirname]


def pretrain(req, data, fmt):
    method = req["method"]
    if method not in ("spectral", "simclr"):
        raise ValueError(f"method must be 'spectral' or 'simclr', got {method!r}")
    o = req["optimizer"]
    if o["name"] not in ("sgd", "lars"):
        raise ValueError(f"optimizer.name must be 'sgd' or 'lars', got {o['name']!r}")
    seed, batch, epochs = int(req["seed"]), int(req["batch"]), int(req["epochs"])
    torch.manual_seed(seed)
    encoder = ConvNet(widths=tuple(int(w) for w in req["widths"])).to(memory_format=fmt).train()
    head = projector(method, encoder.out_features, int(req["hidden_dim"]), int(req["out_dim"])).train()
    groups = param_groups([encoder, head], float(o["weight_decay"]))
    if o["name"] == "lars":
        opt = LARS(groups, lr=o["lr"], momentum=o["momentum"], eta=o["eta"], eps=o["eps"])
    else:
        opt = torch.optim.SGD(groups, lr=o["lr"], momentum=o["momentum"])
    schedule = warmup_cosine(float(o["lr"]), int(o["warmup_steps"]), int(o["total_steps"]))

    images = data["train_images"][np.asarray(req["indices"], dtype=np.int64)]
    dataset = TwoViews(images, digits_recipe(req["mean"], req["std"]))
    loader = DataLoader(
        dataset,
        batch_size=batch,
        shuffle=True,
        drop_last=True,
        num_workers=int(req["workers"]),
        persistent_workers=int(req["workers"]) > 0,  # no worker restart between epochs, as specl's loader
        generator=torch.Generator().manual_seed(seed),
    )

    losses, lrs, stamps = [], [], []
    step = 0
    t0 = time.perf_counter()
    for _ in range(epochs):
        for x1, x2 in loader:
            lr = schedule(step)
            for g in opt.param_groups:
                g["lr"] = lr
            x1 = x1.contiguous(memory_format=fmt)
            x2 = x2.contiguous(memory_format=fmt)
            z1 = head(encoder(x1))
            z2 = head(encoder(x2))
            if method == "spectral":
                loss = spectral_loss(z1, z2, float(req["mu"]))
            else:
                loss = nt_xent(z1, z2, float(req["temperature"]))
            value = loss.item()
            if not math.isfinite(value):
                raise FloatingPointError(f"the loss became {value} at step {step}")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(value)
            lrs.append(lr)
            step += 1
            stamps.append(time.perf_counter() - t0)
    del loader  # ends the worker process
    if step < 2:
        raise ValueError(f"need at least 2 steps to time, got {step}")
    return encoder, {
        "steps": step,
        "train_seconds": stamps[-1],
        "images_per_second": (step - 1) * batch / (stamps[-1] - stamps[0]),
        "images_per_second_total": step * batch / stamps[-1],
        "losses": losses,
        "lrs": lrs,
    }


@torch.no_grad()
def features(encoder, images, mean, std, batch, fmt):
    """src/eval/features.ts extractFeatures: (x/255 - mean)/std through the encoder in eval mode."""
    encoder.eval()
    out = []
    for i in range(0, len(images), batch):
        x = torch.from_numpy(images[i : i + batch]).unsqueeze(1).float().div(255)
        x = ((x - mean[0]) / std[0]).contiguous(memory_format=fmt)
        out.append(encoder(x).float())
    return torch.cat(out)


def linear_probe(train, y_train, test, y_test, p):
    """src/eval/linear-probe.ts linearProbe (method 'lbfgs'): standardize (population std, 1 where < 1e-8),
    minimize mean CE + l2/2 |W|^2 (bias unpenalized) from zeros by full-batch L-BFGS, report top-1."""
    mean = train.mean(0, keepdim=True)
    std = train.std(0, unbiased=False, keepdim=True)
    std = std.masked_fill(std < 1e-8, 1.0)
    train, test = (train - mean) / std, (test - mean) / std
    y_train, y_test = torch.from_numpy(y_train), torch.from_numpy(y_test)
    classes = 10
    w = torch.zeros(classes, train.shape[1], requires_grad=True)
    b = torch.zeros(classes, requires_grad=True)
    l2 = float(p["l2"])
    opt = torch.optim.LBFGS(
        [w, b],
        lr=1,
        max_iter=int(p["max_iter"]),
        history_size=int(p["history"]),
        tolerance_grad=float(p["tolerance_grad"]),
        tolerance_change=float(p["tolerance_change"]),
        line_search_fn="strong_wolfe",
    )

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(train @ w.t() + b, y_train) + (l2 / 2) * w.square().sum()
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        top1 = ((test @ w.t() + b).argmax(1) == y_test).float().mean().item()
        train_top1 = ((train @ w.t() + b).argmax(1) == y_train).float().mean().item()
    return top1, train_top1, opt.state[opt._params[0]].get("n_iter", 0)


def handle(req):
    fmt = torch.channels_last if req.get("channels_last", True) else torch.contiguous_format
    data = mnist(req["mnist_dir"])
    encoder, out = pretrain(req, data, fmt)
    p = req["probe"]
    t0 = time.perf_counter()
    mean, std, batch = req["mean"], req["std"], int(p["batch"])
    train = features(encoder, data["train_images"], mean, std, batch, fmt)
    test = features(encoder, data["test_images"], mean, std, batch, fmt)
    top1, train_top1, iterations = linear_probe(train, data["train_labels"], test, data["test_labels"], p)
    out.update(
        probe_top1=top1,
        probe_train_top1=train_top1,
        probe_iterations=iterations,
        probe_seconds=time.perf_counter() - t0,
    )
    return out


if __name__ == "__main__":
    serve(handle, __doc__)
