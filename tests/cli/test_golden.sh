#!/usr/bin/env bash
# Golden files (tests/golden/): `moodscope --help` and every command's --help, the report of
# `moodscope demo` (seeded tables, automatic k) and `runs show`, and the run directory of a
# seeded cluster run: its file list and the content of every deterministic file, after
# normalising what legitimately changes between runs (run id, creation time, timings, the
# jansson version, the model checksum that covers the run id). Byte-for-byte comparison with
# a unified diff on mismatch. UPDATE_GOLDEN=1 rewrites the golden files instead (then review
# `git diff tests/golden`).
. "$(dirname "$0")/lib.sh"
SRC=${MOOD_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
GOLD="$SRC/tests/golden"
NEW="$WORK/new"
mkdir -p "$NEW/help" "$NEW/run"

# Normalise a file in place: run ids, times, timings and library versions.
normalise() {
    sed -E -i \
        -e 's/[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}/RUN_ID/g' \
        -e 's/("created_utc": )"[^"]*"/\1"<UTC>"/' \
        -e 's/("jansson": )"[^"]*"/\1"<version>"/' \
        -e 's/("checksum": )"fnv1a64:[0-9a-f]{16}"/\1"fnv1a64:<checksum>"/' \
        "$1"
    # Every number inside the "timings_s" object is a wall-clock time.
    awk '/"timings_s": \{/ {t = 1} t && /}/ {t = 0}
         t && /": / {sub(/: [-0-9.eE+]+/, ": 0")} {print}' "$1" >"$1.tmp" && mv "$1.tmp" "$1"
}

# ---- help texts ---------------------------------------------------------------------------
"$MOODSCOPE" --help >"$NEW/help/moodscope.txt" 2>&1
check "moodscope --help exits 0" [ $? = 0 ]
commands=$(sed -n '/^Commands:/,/^$/p' "$NEW/help/moodscope.txt" | awk 'NF && !/^Commands:/ {print $1}')
check "the command list is not empty" [ -n "$commands" ]
for c in $commands; do
    "$MOODSCOPE" "$c" --help >"$NEW/help/$c.txt" 2>&1
    check "moodscope $c --help exits 0" [ $? = 0 ]
done

# ---- a seeded run -------------------------------------------------------------------------
# demo: two seeded synthetic tables (600 rows), automatic k (gap statistic), seed 42.
"$MOODSCOPE" demo --dir demo --seed 42 --runs-dir runs >"$NEW/demo.txt" 2>"$WORK/demo.err"
check "demo exits 0" [ $? = 0 ]
normalise "$NEW/demo.txt"
run=$(ls runs | head -1)
check "demo wrote one run" [ "$(ls runs | wc -l)" = 1 ]
"$MOODSCOPE" runs show "$run" --runs-dir runs >"$NEW/runs_show.txt" 2>&1
check "runs show exits 0" [ $? = 0 ]
normalise "$NEW/runs_show.txt"
# The run directory: every file name (and whether it is empty), then the content of the
# files that do not depend on fonts or the PNG encoder.
(cd "runs/$run" && find . -type f | LC_ALL=C sort | while read -r f; do
    [ -s "$f" ] && echo "$f" || echo "$f (empty)"
done) >"$NEW/run/files.txt"
for f in run_metadata.json model.json clustered_output.csv profiles.csv map.csv \
    k_selection.json; do
    if [ -f "runs/$run/$f" ]; then
        cp "runs/$run/$f" "$NEW/run/$f"
        normalise "$NEW/run/$f"
    fi
done

# ---- compare or update --------------------------------------------------------------------
if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
    rm -rf "$GOLD" && mkdir -p "$GOLD" && cp -r "$NEW"/. "$GOLD"/
    ok "golden files rewritten under $GOLD ($(find "$GOLD" -type f | wc -l) files)"
    finish
fi
if [ ! -d "$GOLD" ]; then
    not_ok "no golden files under $GOLD (run with UPDATE_GOLDEN=1 once)"
    finish
fi
# Same set of files, then each one byte for byte.
(cd "$GOLD" && find . -type f | LC_ALL=C sort) >"$WORK/gold.list"
(cd "$NEW" && find . -type f | LC_ALL=C sort) >"$WORK/new.list"
if diff -u "$WORK/gold.list" "$WORK/new.list" >"$WORK/list.diff"; then
    ok "the same golden files ($(wc -l <"$WORK/gold.list"))"
else
    not_ok "golden file set differs:"
    cat "$WORK/list.diff"
fi
# Numbers that are single-precision results (silhouette, inertia, ...) printed with 9
# significant digits may differ in the last digit when a sum's order changes (a SIMD kernel,
# a compiler); such a file still matches when its text is the same and every number is within
# 4 float ulps (relative 5e-7) of the golden one.
near_equal() {
    awk -v tol=5e-7 '
        function nums(s, a,   n) { n = 0
            while (match(s, /-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?/)) {
                a[++n] = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH) }
            return n }
        function shape(s) { gsub(/-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?/, "#", s); return s }
        NR == FNR { g[FNR] = $0; ng = FNR; next }
        { n2 = FNR
          if (!(FNR in g) || shape(g[FNR]) != shape($0)) exit 1
          n = nums(g[FNR], x); nums($0, y)
          for (i = 1; i <= n; i++) { d = x[i] - y[i]; if (d < 0) d = -d
              m = x[i] < 0 ? -x[i] : x[i]; if (d > tol * m) exit 1 } }
        END { if (n2 != ng) exit 1 }' "$1" "$2"
}
while read -r f; do
    if [ -f "$NEW/$f" ] && cmp -s "$GOLD/$f" "$NEW/$f"; then
        ok "golden ${f#./}"
    elif [ -f "$NEW/$f" ] && near_equal "$GOLD/$f" "$NEW/$f"; then
        ok "golden ${f#./} (numbers within 5e-7 relative)"
    elif [ -f "$NEW/$f" ]; then
        not_ok "golden ${f#./} differs (UPDATE_GOLDEN=1 to accept):"
        diff -u "$GOLD/$f" "$NEW/$f" | head -60
    fi
done <"$WORK/gold.list"
finish
