#!/usr/bin/python3
"""The peers' side of the clustering benchmark: scikit-learn and faiss from Debian, run on the
same raw float32 files bench_cluster reads, one measurement per process (so /usr/bin/time -v
reports each one's peak memory). Prints one JSON object per call, like bench_cluster.

  peers.py seed sklearn DATA N D K THREADS SEED
  peers.py kmeans sklearn|faiss DATA N D K THREADS MAX_ITER TOL INIT.f32|- SEED
  peers.py minibatch sklearn DATA N D K THREADS BATCH SEED
  peers.py gmm sklearn DATA N D K THREADS LABELS.i32 TOL MAX_ITER full|diag
  peers.py dbscan sklearn DATA N D EPS MIN_SAMPLES THREADS OUT_LABELS.i32
  peers.py silhouette sklearn DATA N D LABELS.i32 K THREADS
  peers.py inertia DATA N D K CENTROIDS.f32        exact inertia (float64) of nearest-centre labels
  peers.py compare_labels A.i32 B.i32 N           identical? and ARI of two labellings

Threads: threadpoolctl limits OpenMP and BLAS pools to THREADS; faiss.omp_set_num_threads too.
"""
import json
import os
import sys
import time

import numpy as np


def load(path, n, d):
    return np.fromfile(path, dtype=np.float32, count=n * d).reshape(n, d)


def limit(threads):
    from threadpoolctl import threadpool_limits
    return threadpool_limits(limits=threads)


def out(**kw):
    print(json.dumps(kw))


def nearest_labels(x, c):
    """Nearest centre per row, exactly (float64), in chunks."""
    c64 = c.astype(np.float64)
    cn = (c64 * c64).sum(1)
    lab = np.empty(x.shape[0], dtype=np.int64)
    for s in range(0, x.shape[0], 65536):
        xb = x[s:s + 65536].astype(np.float64)
        dd = cn[None, :] - 2.0 * xb @ c64.T
        lab[s:s + 65536] = dd.argmin(1)
    return lab


def exact_inertia(x, c, lab=None):
    if lab is None:
        lab = nearest_labels(x, c)
    tot = 0.0
    c64 = c.astype(np.float64)
    for s in range(0, x.shape[0], 65536):
        diff = x[s:s + 65536].astype(np.float64) - c64[lab[s:s + 65536]]
        tot += float((diff * diff).sum())
    return tot


def main(a):
    mode = a[1]
    if mode == "inertia":
        n, d, k = int(a[3]), int(a[4]), int(a[5])
        x = load(a[2], n, d)
        c = np.fromfile(a[6], dtype=np.float32, count=k * d).reshape(k, d)
        out(mode="inertia", inertia=exact_inertia(x, c))
        return
    if mode == "compare_labels":
        from sklearn.metrics import adjusted_rand_score
        n = int(a[4])
        la = np.fromfile(a[2], dtype=np.int32, count=n)
        lb = np.fromfile(a[3], dtype=np.int32, count=n)
        out(mode="compare_labels", identical=bool((la == lb).all()),
            differing=int((la != lb).sum()), ari=float(adjusted_rand_score(la, lb)))
        return
    tool = a[2]
    if mode == "seed":
        from sklearn.cluster import kmeans_plusplus
        n, d, k, threads, seed = int(a[4]), int(a[5]), int(a[6]), int(a[7]), int(a[8])
        x = load(a[3], n, d)
        with limit(threads):
            t0 = time.perf_counter()
            kmeans_plusplus(x, k, random_state=seed)
            t = time.perf_counter() - t0
        out(mode="seed", tool=tool, threads=threads, seed_s=t)
    elif mode == "kmeans":
        n, d, k, threads = int(a[4]), int(a[5]), int(a[6]), int(a[7])
        max_iter, tol, init, seed = int(a[8]), float(a[9]), a[10], int(a[11])
        x = load(a[3], n, d)
        c0 = None if init == "-" else np.fromfile(init, dtype=np.float32,
                                                  count=k * d).reshape(k, d)
        with limit(threads):
            if tool == "sklearn":
                from sklearn.cluster import KMeans
                km = KMeans(n_clusters=k, init=c0 if c0 is not None else "k-means++",
                            n_init=1, max_iter=max_iter, tol=tol, random_state=seed,
                            algorithm="lloyd")
                t0 = time.perf_counter()
                km.fit(x)
                t = time.perf_counter() - t0
                c, iters, lab = km.cluster_centers_.astype(np.float32), km.n_iter_, km.labels_
            else:
                import faiss
                faiss.omp_set_num_threads(threads)
                # All rows, no subsampling, as many iterations as the others' cap.
                km = faiss.Kmeans(d, k, niter=max_iter, seed=seed, verbose=False,
                                  max_points_per_centroid=(n + k - 1) // k + 1,
                                  min_points_per_centroid=1)
                t0 = time.perf_counter()
                if c0 is not None:
                    km.train(x, init_centroids=c0)
                else:
                    km.train(x)
                t = time.perf_counter() - t0
                c, iters, lab = km.centroids, max_iter, None
        cpath = os.environ.get("BENCH_CENTROIDS")
        if cpath:
            np.ascontiguousarray(c, dtype=np.float32).tofile(cpath)
        out(mode="kmeans", tool=tool, n=n, d=d, k=k, threads=threads, time_s=t, iters=int(iters),
            inertia=exact_inertia(x, c, lab))
    elif mode == "minibatch":
        from sklearn.cluster import MiniBatchKMeans
        n, d, k, threads, batch, seed = (int(v) for v in a[4:10])
        x = load(a[3], n, d)
        with limit(threads):
            km = MiniBatchKMeans(n_clusters=k, batch_size=batch, n_init=3, random_state=seed)
            t0 = time.perf_counter()
            km.fit(x)
            t = time.perf_counter() - t0
        out(mode="minibatch", tool=tool, n=n, d=d, k=k, threads=threads, time_s=t,
            steps=int(km.n_steps_), inertia=exact_inertia(x, km.cluster_centers_))
    elif mode == "gmm":
        from sklearn.mixture import GaussianMixture
        from sklearn.mixture._gaussian_mixture import (_compute_precision_cholesky,
                                                       _estimate_gaussian_parameters)
        n, d, k, threads = int(a[4]), int(a[5]), int(a[6]), int(a[7])
        tol, max_iter, cov = float(a[9]), int(a[10]), a[11]
        x = load(a[3], n, d).astype(np.float64)
        lab = np.fromfile(a[8], dtype=np.int32, count=n)
        resp = np.zeros((n, k))
        resp[np.arange(n), lab] = 1.0
        reg = 1e-6
        # The same start as moodscope's: one M-step on the one-hot responsibilities.
        w, mu, covs = _estimate_gaussian_parameters(x, resp, reg, cov)
        w /= w.sum()
        pc = _compute_precision_cholesky(covs, cov)
        prec = np.array([p @ p.T for p in pc]) if cov == "full" else pc ** 2
        with limit(threads):
            gm = GaussianMixture(n_components=k, covariance_type=cov, tol=tol, reg_covar=reg,
                                 max_iter=max_iter, weights_init=w, means_init=mu,
                                 precisions_init=prec)
            t0 = time.perf_counter()
            gm.fit(x)
            t = time.perf_counter() - t0
            ll = gm.score(x)
        out(mode="gmm", tool=tool, n=n, d=d, k=k, threads=threads, time_s=t,
            iters=int(gm.n_iter_), loglik=float(ll))
    elif mode == "dbscan":
        from sklearn.cluster import DBSCAN
        n, d = int(a[4]), int(a[5])
        eps, ms, threads = float(a[6]), int(a[7]), int(a[8])
        x = load(a[3], n, d)
        with limit(threads):
            db = DBSCAN(eps=eps, min_samples=ms, n_jobs=threads)
            t0 = time.perf_counter()
            db.fit(x)
            t = time.perf_counter() - t0
        lab = db.labels_.astype(np.int32)
        lab.tofile(a[9])
        out(mode="dbscan", tool=tool, n=n, d=d, threads=threads, time_s=t,
            clusters=int(lab.max() + 1), noise=int((lab < 0).sum()))
    elif mode == "silhouette":
        from sklearn.metrics import silhouette_score
        n, d = int(a[4]), int(a[5])
        x = load(a[3], n, d)
        lab = np.fromfile(a[6], dtype=np.int32, count=n)
        threads = int(a[8])
        with limit(threads):
            t0 = time.perf_counter()
            s = silhouette_score(x, lab)
            t = time.perf_counter() - t0
        out(mode="silhouette", tool=tool, n=n, d=d, threads=threads, time_s=t,
            silhouette=float(s))
    else:
        sys.exit("peers.py: unknown mode " + mode)


if __name__ == "__main__":
    main(sys.argv)
