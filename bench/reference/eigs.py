"""Reference for bench/eigs.ts: the k largest eigenpairs of a sparse symmetric
matrix with scipy.sparse.linalg.eigsh (ARPACK's implicitly restarted Lanczos,
which='LA', default ncv = 2k + 1) on the very matrix specl solves.

The harness writes the CSR arrays of the matrix to a folder: header.json
({"n": ..., "nnz": ...}), crow.bin (int64, n + 1), col.bin (int64, nnz),
val.bin (float64, nnz), all little-endian. The matrix is loaded once per
folder (int32 indices, as scipy builds them itself) and cached.

Request: {"dir": "<folder>", "k": 16, "tol": 1e-8, "threads": 2, "count": false}
Reply:   {"seconds": ..., "max_residual": ..., "values": [... descending],
          "matvecs": <products, only when "count" is true, from a second untimed run>}
ARPACK's start vector is a seeded Gaussian, so runs are reproducible; its
convergence test is ||A v - theta v|| <= tol * |theta|, and the residuals in
the reply are recomputed explicitly from the returned pairs.
"""
import contextlib
import json
import os
import time

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as sla
from common import serve

_cache = {}


def load(folder):
    if folder not in _cache:
        _cache.clear()
        with open(os.path.join(folder, "header.json")) as f:
            header = json.load(f)
        n, nnz = int(header["n"]), int(header["nnz"])
        crow = np.fromfile(os.path.join(folder, "crow.bin"), dtype="<i8")
        col = np.fromfile(os.path.join(folder, "col.bin"), dtype="<i8")
        val = np.fromfile(os.path.join(folder, "val.bin"), dtype="<f8")
        if crow.shape != (n + 1,) or col.shape != (nnz,) or val.shape != (nnz,):
            raise ValueError(f"{folder}: arrays do not match header n={n}, nnz={nnz}")
        index = np.int32 if nnz < 2**31 else np.int64
        _cache[folder] = sp.csr_matrix((val, col.astype(index), crow.astype(index)), shape=(n, n))
    return _cache[folder]


def solve(a, k, tol, operator=None):
    n = a.shape[0]
    v0 = np.random.default_rng(0).standard_normal(n)
    return sla.eigsh(a if operator is None else operator, k=k, which="LA", tol=tol, v0=v0)


def handle(req):
    a = load(req["dir"])
    k, tol = int(req["k"]), float(req["tol"])
    try:
        from threadpoolctl import threadpool_limits

        limits = threadpool_limits(limits=int(req.get("threads", os.cpu_count())))
    except ImportError:  # BLAS then uses its own default thread count
        limits = contextlib.nullcontext()
    with limits:
        t0 = time.perf_counter()
        vals, vecs = solve(a, k, tol)
        seconds = time.perf_counter() - t0
        res = np.linalg.norm(a @ vecs - vecs * vals, axis=0)
        out = {"seconds": seconds, "max_residual": float(res.max()), "values": sorted(vals.tolist(), reverse=True)}
        if req.get("count"):
            count = [0]

            def matvec(x):
                count[0] += 1
                return a @ x

            op = sla.LinearOperator(a.shape, matvec=matvec, dtype=np.float64)
            solve(a, k, tol, op)
            out["matvecs"] = count[0]
        return out

if __name__ == "__main__":
    serve(handle, __doc__)
