"""The same HNSW build and queries through Debian's python3-hnswlib (the library moodscope
wraps), on the vectors bench_similar wrote: key=value lines on stdout."""
import sys
import time

import hnswlib
import numpy as np

args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
d = int(args.get("--d", 32))
k = int(args.get("--k", 10))
m = int(args.get("--m", 16))
efc = int(args.get("--efc", 100))
threads = int(args.get("--threads", 2))
folder = args.get("--dir", ".")
x = np.fromfile(f"{folder}/base.f32", dtype=np.float32).reshape(-1, d)
q = np.fromfile(f"{folder}/queries.f32", dtype=np.float32).reshape(-1, d)
gt = np.fromfile(f"{folder}/gt.i32", dtype=np.int32).reshape(len(q), k)

index = hnswlib.Index(space="l2", dim=d)
index.init_index(max_elements=len(x), M=m, ef_construction=efc, random_seed=100)
index.set_num_threads(threads)
t0, c0 = time.perf_counter(), time.process_time()
index.add_items(x, np.arange(len(x)))
print(f"build_s={time.perf_counter() - t0:.3f}", flush=True)
print(f"build_cpu_s={time.process_time() - c0:.3f}", flush=True)
index.set_num_threads(1)
for ef in (10, 16, 24, 32, 48, 64, 96, 128):
    index.set_ef(ef)
    el = cel = float("inf")
    for _ in range(3):  # best of three passes, as bench_similar does
        t0, c0 = time.perf_counter(), time.process_time()
        labels, _ = index.knn_query(q, k=k)
        el = min(el, time.perf_counter() - t0)
        cel = min(cel, time.process_time() - c0)
    hits = sum(len(set(labels[i]) & set(gt[i])) for i in range(len(q)))
    print(f"ef={ef} recall={hits / gt.size:.4f} qps={len(q) / el:.0f} cpu_qps={len(q) / cel:.0f}",
          flush=True)
