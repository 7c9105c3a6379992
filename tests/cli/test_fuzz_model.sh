#!/bin/bash
# Fuzz the saved-model reader (tests/fuzz/fuzz_model.c) for MOOD_FUZZ_SECONDS (20 s). Seeds:
# model.json files of real runs (k-means, GMM, DBSCAN, mini-batch, PCA) made here by the
# built moodscope, each raw and marked for re-sealing. Exit 77 when clang is missing.
: "${MOODSCOPE:?}"
. "${MOOD_SOURCE_DIR:-$(dirname "$0")/../..}/tests/fuzz/lib.sh" model
fuzz_build
c="$FUZZ_TMP/corpus"
g="$FUZZ_TMP/gen"
mkdir -p "$g" && cd "$g" || exit 1
"$MOODSCOPE" demo --dir d --seed 3 --runs-dir runs >/dev/null 2>&1
i=0
for a in "--algorithm kmeans -k 3" "--algorithm gmm -k 3" "--algorithm gmm -k 2 --covariance diag" \
    "--algorithm dbscan --eps 0.6" "--algorithm minibatch -k 4" "--algorithm kmeans -k 3 --pca 2 --scaler minmax"; do
    # shellcheck disable=SC2086
    "$MOODSCOPE" cluster -i d/A_calm_clean.csv --features energy,valence,tempo $a --seed 1 \
        --runs-dir "runs$i" --quiet >/dev/null 2>&1
    i=$((i + 1))
done
n=0
for m in runs*/*/model.json; do
    [ -f "$m" ] || continue
    printf '\000' >"$c/raw$n" && cat "$m" >>"$c/raw$n"
    printf '\001' >"$c/seal$n" && cat "$m" >>"$c/seal$n"
    n=$((n + 1))
done
cd "$FUZZ_TMP" || exit 1
if [ "$n" -lt 4 ]; then
    echo "FAIL: could not make the seed models ($n)"
    exit 1
fi
cat >"$FUZZ_TMP/model.dict" <<'D'
"moodscope-model"
"moodscope-cluster-model"
"checksum"
"features"
"imputation"
"scaler"
"reduction"
"components_n"
"centroids"
"groups"
"weights"
"means"
"covariances"
"core_points"
"NaN"
"1e309"
"-1"
D
fuzz_run 300 -max_len=65536 -dict="$FUZZ_TMP/model.dict"
