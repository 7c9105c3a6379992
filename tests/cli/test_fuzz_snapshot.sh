#!/bin/bash
# Fuzz the stored-run and snapshot readers (tests/fuzz/fuzz_snapshot.c) for MOOD_FUZZ_SECONDS
# (20 s). Seeds: run_metadata.json NUL model.json of real runs made here by the built
# moodscope. Exit 77 when clang is missing.
: "${MOODSCOPE:?}"
. "${MOOD_SOURCE_DIR:-$(dirname "$0")/../..}/tests/fuzz/lib.sh" snapshot
fuzz_build
c="$FUZZ_TMP/corpus"
g="$FUZZ_TMP/gen"
mkdir -p "$g" && cd "$g" || exit 1
"$MOODSCOPE" demo --dir d --seed 5 --runs-dir runs >/dev/null 2>&1
"$MOODSCOPE" cluster -i d/A_calm_clean.csv --features energy,valence -k 3 --algorithm gmm \
    --runs-dir runs --quiet >/dev/null 2>&1
"$MOODSCOPE" cluster -i d/B_energetic_noisy.csv --features energy,valence,tempo \
    --algorithm dbscan --runs-dir runs --quiet >/dev/null 2>&1
n=0
for r in runs/*/; do
    [ -f "$r/model.json" ] || continue
    { printf '\000'; cat "$r/run_metadata.json"; printf '\000'; cat "$r/model.json"; } >"$c/raw$n"
    { printf '\001'; cat "$r/run_metadata.json"; printf '\000'; cat "$r/model.json"; } >"$c/seal$n"
    n=$((n + 1))
done
printf '\001{"run_id": "r1", "created_utc": "x"}\000{}' >"$c/small"
cd "$FUZZ_TMP" || exit 1
if [ "$n" -lt 3 ]; then
    echo "FAIL: could not make the seed runs ($n)"
    exit 1
fi
fuzz_run 200 -max_len=65536
