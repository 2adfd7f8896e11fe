"""Reference for bench/augment.ts: two-view augmentation throughput in torchvision.

torchvision's transforms draw one set of random parameters per call, so a
per-sample recipe runs image by image: the usual path is a Dataset whose
__getitem__ transforms one image twice (two views), fed through a DataLoader
with `workers` worker processes. Two variants of that path:
  "pil":    images as PIL (as torchvision.datasets.CIFAR10/MNIST give them), ToTensor at the end;
  "tensor": images as uint8 CHW tensors, the same transforms on tensors.
Each request builds a fresh DataLoader (workers start at its first batch) and
times `batches` batches of `batch` images end to end, after `warmup` batches
of a first loader.

Request: {"recipe": "cifar"|"mnist", "path": "pil"|"tensor", "batch": 512,
          "batches": 10, "workers": 2, "mnist": "<path to train-images-idx3-ubyte>"}
Reply:   {"images_per_second": ...}
"""
import time

import numpy as np
import torch
import torchvision.transforms as T
from common import serve
from PIL import Image
from torch.utils.data import DataLoader, Dataset

CIFAR_MEAN, CIFAR_STD = (0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010)
MNIST_MEAN, MNIST_STD = (0.1307,), (0.3081,)


def recipe(name, path):
    """The same transforms as src/augment/presets.ts, in torchvision."""
    if name == "cifar":
        geo_color = [
            T.RandomResizedCrop(32, scale=(0.2, 1.0)),
            T.RandomHorizontalFlip(),
            T.RandomApply([T.ColorJitter(0.4, 0.4, 0.4, 0.1)], p=0.8),
            T.RandomGrayscale(p=0.2),
        ]
        mean, std = CIFAR_MEAN, CIFAR_STD
    else:
        geo_color = [
            T.RandomResizedCrop(28, scale=(0.5, 1.0), ratio=(0.8, 1.25)),
            T.RandomAffine(10, translate=(0.1, 0.1), interpolation=T.InterpolationMode.BILINEAR),
            T.RandomApply([T.ColorJitter(brightness=0.4, contrast=0.4)], p=0.8),
        ]
        mean, std = MNIST_MEAN, MNIST_STD
    if path == "pil":
        return T.Compose(geo_color + [T.ToTensor(), T.Normalize(mean, std)])
    return T.Compose(geo_color + [T.ConvertImageDtype(torch.float32), T.Normalize(mean, std)])


class TwoViews(Dataset):
    def __init__(self, images, transform, path):
        self.images, self.transform, self.path = images, transform, path  # images: N x H x W x C uint8

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        a = self.images[i]
        if self.path == "pil":
            img = Image.fromarray(a[:, :, 0] if a.shape[2] == 1 else a)
        else:
            img = torch.from_numpy(a).permute(2, 0, 1)
        return self.transform(img), self.transform(img)


_data = {}


def images(req):
    key = req["recipe"]
    if key not in _data:
        if key == "cifar":
            _data[key] = np.random.default_rng(0).integers(0, 256, size=(20000, 32, 32, 3), dtype=np.uint8)
        else:
            raw = np.fromfile(req["mnist"], dtype=np.uint8, offset=16)
            _data[key] = raw.reshape(-1, 28, 28, 1)
    return _data[key]


def run(req, batches):
    ds = TwoViews(images(req), recipe(req["recipe"], req["path"]), req["path"])
    workers = req["workers"]
    loader = DataLoader(ds, batch_size=req["batch"], shuffle=True, num_workers=workers, drop_last=True)
    t0 = time.perf_counter()
    n = 0
    for k, (v1, v2) in enumerate(loader):
        n += v1.shape[0]
        if k + 1 == batches:
            break
    return n / (time.perf_counter() - t0)


def handle(req):
    if req.get("warmup", 0) > 0:
        run(req, req["warmup"])
    return {"images_per_second": run(req, req["batches"])}


if __name__ == "__main__":
    serve(handle, __doc__)
