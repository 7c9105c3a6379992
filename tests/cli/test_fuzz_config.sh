#!/bin/bash
# Fuzz the run configuration reader (tests/fuzz/fuzz_config.c) for MOOD_FUZZ_SECONDS (20 s)
# from seeds written here. Exit 77 when clang is missing.
. "${MOOD_SOURCE_DIR:-$(dirname "$0")/../..}/tests/fuzz/lib.sh" config
fuzz_build
c="$FUZZ_TMP/corpus"
cat >"$c/list" <<'J'
// two runs, as in the old tool's runs.json
[
  {"name": "k4", "features_used": ["energy", "valence"], "preprocessing": {"scaler": "robust"},
   "model": {"algorithm": "kmeans", "n_clusters": 4, "random_state": 1, "n_init": 3}},
  /* automatic k */
  {"name": "auto", "n_clusters": "auto", "k_min": 2, "k_max": 6, "pca_components": 2}
]
J
printf '{"runs": [{"algorithm": "gmm", "n_clusters": 3, "covariance_type": "diag", "reg_covar": 1e-3}]}' >"$c/runs_object"
printf '{"algorithm": "dbscan", "eps": 0.5, "min_samples": 4, "features": "all-numeric", "label_column": "genre"}' >"$c/single"
printf '[{"algorithm": "spectral", "n_neighbors": 7, "n_clusters": null, "search": true, "tol": 1e-6, "max_iter": 50, "batch_size": 64, "seed": 9}]' >"$c/spectral"
printf '[{"model": {"n_clusters": -1}}, {"scaler": "nope"}]' >"$c/bad"
printf '[1, "x", null, {"features_used": [1]}] // trailing /* open' >"$c/bad2"
cat >"$FUZZ_TMP/json.dict" <<'D'
"//"
"/*"
"*/"
"n_clusters"
"features_used"
"preprocessing"
"model"
"scaler"
"algorithm"
"runs"
"auto"
"null"
"covariance_type"
"pca_components"
"label_column"
"kmeans"
"minibatch"
"gmm"
"dbscan"
"spectral"
"standard"
"minmax"
"robust"
"diag"
"full"
"\\u0000"
"1e309"
"-0"
D
fuzz_run 1000 -max_len=4096 -dict="$FUZZ_TMP/json.dict"
