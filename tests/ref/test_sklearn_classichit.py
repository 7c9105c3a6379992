#!/usr/bin/python3
"""Agreement with scikit-learn on real data (issue 2's acceptance check).

Runs `moodscope cluster` on ClassicHit.csv (15,150 tracks) with a fixed k, seed and n_init, then
with Debian's scikit-learn on the same standard-scaled features:
  * KMeans(k, n_init, random_state) inertia: moodscope's must be within 0.1% of scikit-learn's
    (or better);
  * silhouette, Calinski-Harabasz and Davies-Bouldin of moodscope's labels computed by
    scikit-learn must equal moodscope's to 1e-4 relative.
Exit 77 (skipped) when the dataset or scikit-learn is absent.
"""
import json
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import pandas as pd
    from sklearn.cluster import KMeans
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score
except ImportError as e:  # pragma: no cover
    print(f"SKIP: scikit-learn not available ({e})")
    sys.exit(77)

BIN = os.environ.get("MOODSCOPE", "build/moodscope")
SHARED = os.environ.get("MOOD_SHARED_DIR", "../shared")
CSV = os.path.join(SHARED, "datasets/spotify_classichits_genre/ClassicHit.csv")
FEATURES = ["Danceability", "Energy", "Loudness", "Speechiness", "Acousticness",
            "Instrumentalness", "Liveness", "Valence", "Tempo"]
# With n_init=10 each tool lands, depending on the seed, in one of two local optima of this data
# (64602.7 or ~65100: measured for seeds 0-3, both tools alike); with 30 restarts both reach the
# same optimum, which is the comparison the 0.1% bound is about.
K, SEED, N_INIT = 8, 0, 30

if not os.path.exists(CSV):
    print(f"SKIP: {CSV} not found")
    sys.exit(77)

failures = 0


def check(name, ok, detail):
    global failures
    print(("ok - " if ok else "not ok - ") + f"{name}: {detail}")
    failures += 0 if ok else 1


with tempfile.TemporaryDirectory() as tmp:
    runs = os.path.join(tmp, "runs")
    subprocess.run([BIN, "cluster", "-i", CSV, "--features", ",".join(FEATURES),
                    "--clusters", str(K), "--seed", str(SEED), "--n-init", str(N_INIT),
                    "--runs-dir", runs, "--quiet"], check=True, stdout=subprocess.DEVNULL)
    run = os.listdir(runs)[0]
    meta = json.load(open(os.path.join(runs, run, "run_metadata.json")))
    out = pd.read_csv(os.path.join(runs, run, "clustered_output.csv"))
    labels = out["cluster"].to_numpy()

df = pd.read_csv(CSV)
raw = df[FEATURES].to_numpy(dtype=np.float32)
med = np.nanmedian(raw, axis=0)
raw = np.where(np.isnan(raw), med, raw)
x = (raw - raw.mean(axis=0, dtype=np.float64)) / raw.std(axis=0, dtype=np.float64)
x32 = x.astype(np.float32)

ours = meta["metrics"]
km = KMeans(n_clusters=K, n_init=N_INIT, random_state=SEED, algorithm="lloyd").fit(x32)
ratio = ours["inertia"] / km.inertia_
check("k-means inertia within 0.1% of scikit-learn's (or lower)", ratio <= 1.001,
      f"moodscope {ours['inertia']:.6f}, scikit-learn {km.inertia_:.6f}, ratio {ratio:.6f}")

for name, fn, key in [("silhouette", silhouette_score, "silhouette"),
                      ("Calinski-Harabasz", calinski_harabasz_score, "calinski_harabasz"),
                      ("Davies-Bouldin", davies_bouldin_score, "davies_bouldin")]:
    ref = fn(x, labels)
    rel = abs(ours[key] - ref) / abs(ref)
    check(f"{name} agrees to 1e-4", rel <= 1e-4,
          f"moodscope {ours[key]:.8f}, scikit-learn {ref:.8f}, rel {rel:.2e}")

print(f"{4 - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
