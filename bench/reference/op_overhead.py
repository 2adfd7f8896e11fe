"""Reference for bench/op-overhead.ts: seconds per small eager operation.

Request: {"op": "add" | "conv" | "backward", "warmup": 100, "iters": 20000}
Reply:   {"seconds_per_iter": ...}
"""
import time

import torch
from common import serve

_state = {}


def setup():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(8, 8, generator=g)
    b = torch.randn(8, 8, generator=g)
    x = torch.randn(1, 2, 6, 6, generator=g)
    w = torch.randn(2, 2, 3, 3, generator=g)
    p = torch.randn(8, 8, generator=g).requires_grad_()
    return {"a": a, "b": b, "x": x, "w": w, "p": p}


def run(op, s):
    if op == "add":
        s["a"] + s["b"]
    elif op == "conv":
        torch.nn.functional.conv2d(s["x"], s["w"], None, 1, 1)
    elif op == "backward":
        (s["p"] * s["a"]).sum().backward()
        s["p"].grad = None
    else:
        raise ValueError(f"unknown op {op}")


def handle(req):
    if not _state:
        _state.update(setup())
    op, warmup, iters = req["op"], int(req["warmup"]), int(req["iters"])
    for _ in range(warmup):
        run(op, _state)
    t0 = time.perf_counter()
    for _ in range(iters):
        run(op, _state)
    return {"seconds_per_iter": (time.perf_counter() - t0) / iters}


if __name__ == "__main__":
    serve(handle, __doc__)
