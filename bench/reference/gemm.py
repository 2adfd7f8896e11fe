"""Reference for bench/gemm.ts: seconds per float32 n×n by n×n torch.mm.

Request: {"n": 1024, "warmup": 3, "iters": 20}
Reply:   {"seconds_per_iter": ...}
"""
import time

import torch
from common import serve

_inputs = {}


def handle(req):
    n, warmup, iters = int(req["n"]), int(req["warmup"]), int(req["iters"])
    if n not in _inputs:
        g = torch.Generator().manual_seed(0)
        _inputs.clear()
        _inputs[n] = (torch.randn(n, n, generator=g), torch.randn(n, n, generator=g))
    a, b = _inputs[n]
    with torch.no_grad():
        for _ in range(warmup):
            torch.mm(a, b)
        t0 = time.perf_counter()
        for _ in range(iters):
            torch.mm(a, b)  # a fresh output each call, as Tensor.mm does
        return {"seconds_per_iter": (time.perf_counter() - t0) / iters}


if __name__ == "__main__":
    serve(handle, __doc__)
