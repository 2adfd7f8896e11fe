"""Reference for bench/knn-graph.ts: the symmetrized Gaussian k-NN graph with scikit-learn and SciPy.

The usual Python construction of the graph specl's knnGraph builds:
NearestNeighbors(n_neighbors=k+1).fit(X).kneighbors(X) (algorithm 'auto',
n_jobs = the thread count; the query set is the training set, so each point
comes back as its own neighbour and that column is dropped), Gaussian weights
exp(-d^2 / (2 h^2)) with h the median distance to the k-th neighbour, a SciPy
CSR matrix and W.maximum(W.T). Everything after reading the points is timed.

Request: {"path": "<raw float64 file, row-major>", "n": 100000, "d": 32, "k": 10}
Reply:   {"seconds": ..., "search_seconds": ..., "sum_sq_distances": <sum of the n*k squared distances>, "nnz": ...}
"""
import time

import numpy as np
from common import serve


def drop_self(dist, ind):
    """The k columns left once each row's own index is removed (the last column where it is absent: ties)."""
    n, kp1 = ind.shape
    is_self = ind == np.arange(n)[:, None]
    missing = ~is_self.any(axis=1)
    is_self[missing, kp1 - 1] = True
    first = is_self.argmax(axis=1)  # exactly one True per row now
    keep = np.ones_like(is_self)
    keep[np.arange(n), first] = False
    return dist[keep].reshape(n, kp1 - 1), ind[keep].reshape(n, kp1 - 1)


def handle(req):
    import torch
    from scipy.sparse import csr_matrix

    try:
        from sklearn.neighbors import NearestNeighbors
    except ImportError as e:
        raise RuntimeError("scikit-learn is missing: apt-get install python3-sklearn (Debian)") from e

    n, d, k = int(req["n"]), int(req["d"]), int(req["k"])
    x = np.fromfile(req["path"], dtype=np.float64, count=n * d).reshape(n, d)
    jobs = torch.get_num_threads()
    t0 = time.perf_counter()
    nn = NearestNeighbors(n_neighbors=k + 1, n_jobs=jobs).fit(x)
    dist, ind = nn.kneighbors(x)
    t1 = time.perf_counter()
    dist, ind = drop_self(dist, ind)
    h = np.median(dist[:, k - 1])
    w = np.exp(-(dist**2) / (2 * h * h))
    W = csr_matrix((w.ravel(), ind.ravel(), np.arange(0, n * k + 1, k)), shape=(n, n))
    W = W.maximum(W.T).tocsr()
    t2 = time.perf_counter()
    return {
        "seconds": t2 - t0,
        "search_seconds": t1 - t0,
        "sum_sq_distances": float((dist**2).sum()),
        "nnz": int(W.nnz),
        "algorithm": nn._fit_method,
    }


if __name__ == "__main__":
    serve(handle, __doc__)
