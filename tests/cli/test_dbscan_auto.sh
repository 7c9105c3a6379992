#!/bin/bash
# `cluster --algorithm dbscan` with its defaults (no --eps, no --min-samples) on seeded,
# well-separated Gaussian blobs made here: the automatic eps finds the blobs (ARI >= 0.99
# against the truth, noise counted as its own group), reports the eps it chose, and the
# partition is scikit-learn's DBSCAN at that eps on the same standard-scaled rows.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
if ! $PY -c "import numpy, sklearn" 2>/dev/null; then
    echo "SKIP: $PY with numpy and scikit-learn is needed (scripts/install-deps.sh test)"
    exit 77
fi

# make_blobs SEED N K D FILE: K unit-variance blobs in D dimensions, centres drawn in
# [-10, 10]^D at least 8 standard deviations apart, a string 'truth' column (not a feature).
make_blobs() {
    $PY - "$@" <<'PY'
import sys
import numpy as np
seed, n, k, d, path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
rng = np.random.default_rng(seed)
while True:
    c = rng.uniform(-10, 10, (k, d))
    gaps = np.linalg.norm(c[:, None] - c[None], axis=2) + np.eye(k) * 1e9
    if gaps.min() >= 8:
        break
y = rng.integers(0, k, n)
x = c[y] + rng.normal(0, 1, (n, d))
with open(path, "w") as f:
    f.write(",".join(f"f{j}" for j in range(d)) + ",truth\n")
    for i in range(n):
        f.write(",".join(f"{v:.6f}" for v in x[i]) + f",blob{y[i]}\n")
PY
}

# verify NAME K: ARI against the truth, same labels as scikit-learn at the chosen eps.
verify() {
    $PY - "$1" "$2" "$WORK/out_$1.txt" <<'PY'
import csv, glob, json, re, sys
import numpy as np
from sklearn.cluster import DBSCAN
from sklearn.metrics import adjusted_rand_score
name, k, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
run = glob.glob(f"runs_{name}/*/")[0]
rows = list(csv.DictReader(open(run + "clustered_output.csv")))
ours = np.array([int(r["cluster"]) for r in rows])
truth = [r["truth"] for r in rows]
model = json.load(open(run + "model.json"))
eps = model["model"]["dbscan"]["eps"]
ms = model["model"]["dbscan"]["min_samples"]
feats = model["features"]
printed = float(re.search(r"dbscan eps:\s+(\S+) \(automatic", open(out).read()).group(1))
# cluster's default preprocessing: median imputation (nothing is missing here), then the
# standard scaler (population sd), in float32 as moodscope holds the rows.
assert model["scaler"]["kind"] == "standard", model["scaler"]["kind"]
centre = np.array(model["scaler"]["center"], np.float32)
scale = np.array(model["scaler"]["scale"], np.float32)
raw = np.array([[float(r[f]) for f in feats] for r in rows], np.float32)
ref = DBSCAN(eps=eps, min_samples=ms).fit_predict((raw - centre) / scale)
ari = adjusted_rand_score(truth, ours)
print(f"{name}: eps={eps:.6g} min_samples={ms} groups={ours.max() + 1} noise={int((ours < 0).sum())} "
      f"ARI={ari:.4f} sklearn_same={bool(np.array_equal(ours, ref))}")
problems = []
if abs(printed - eps) > 1e-6 * eps:
    problems.append(f"printed eps {printed} is not the model's {eps}")
if ari < 0.99:
    problems.append(f"ARI {ari:.4f} < 0.99")
if ours.max() + 1 != k:
    problems.append(f"{ours.max() + 1} groups, expected {k}")
if not np.array_equal(ours, ref):
    problems.append(f"{int((ours != ref).sum())} labels differ from sklearn's DBSCAN(eps={eps})")
for p in problems:
    print("  " + p)
sys.exit(1 if problems else 0)
PY
}

one_case() { # one_case NAME SEED N K D
    local name=$1
    make_blobs "$2" "$3" "$4" "$5" "$WORK/$name.csv" || { not_ok "$name: fixture"; return; }
    run_cmd cluster -i "$WORK/$name.csv" --algorithm dbscan --runs-dir "runs_$name"
    cp "$WORK/out.txt" "$WORK/out_$name.txt"
    check "$name: cluster exits 0" [ "$RC" = 0 ]
    check "$name: the chosen eps is printed" grep -q "dbscan eps: .*automatic" "$WORK/out_$name.txt"
    check "$name: ARI >= 0.99, $4 groups, same partition as sklearn" verify "$name" "$4"
}

one_case blobs4d 7 1500 4 4
one_case blobs2d 11 2400 5 2
one_case blobs8d 3 900 3 8
finish
