#!/bin/bash
# Shared part of tests/cli/test_fuzz_<name>.sh: build one libFuzzer target with build_tree.sh,
# run it for MOOD_FUZZ_SECONDS (default 20) from the seed corpus the test script wrote into
# $FUZZ_TMP/corpus, and fail on any crash, leak, sanitizer report or too few executions.
#   . tests/fuzz/lib.sh NAME      (sets FUZZ_TMP; then write seeds; then fuzz_run [ARGS...])
set -uo pipefail
FUZZ_NAME="$1"
FUZZ_SRC="${MOOD_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
FUZZ_ROOT="${MOOD_TEST_TMP:-/tmp/moodscope-tests}"
FUZZ_TMP="$FUZZ_ROOT/fuzz_$FUZZ_NAME"
FUZZ_SECONDS="${MOOD_FUZZ_SECONDS:-20}"
rm -rf "$FUZZ_TMP" && mkdir -p "$FUZZ_TMP/corpus" "$FUZZ_TMP/work"

fuzz_build() {
    local rc
    bash "$FUZZ_SRC/tests/fuzz/build_tree.sh" "$FUZZ_ROOT/fuzz-tree" "$FUZZ_NAME" \
        >"$FUZZ_TMP/build.log" 2>&1
    rc=$?
    if [ $rc -eq 77 ]; then
        echo "SKIP: clang not found, cannot build the libFuzzer target"
        exit 77
    elif [ $rc -ne 0 ]; then
        tail -40 "$FUZZ_TMP/build.log"
        echo "FAIL: could not build fuzz_$FUZZ_NAME"
        exit 1
    fi
}

# fuzz_run [MIN_RUNS] [extra libFuzzer flags...]
fuzz_run() {
    local min="${1:-200}" rc runs
    shift || true
    # The corpus is copied: libFuzzer adds what it finds to the first directory.
    cp -r "$FUZZ_TMP/corpus" "$FUZZ_TMP/live"
    (cd "$FUZZ_TMP/work" &&
        FUZZ_WORK="$FUZZ_TMP/work" ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1" \
            "$FUZZ_ROOT/fuzz-tree/fuzz_$FUZZ_NAME" -max_total_time="$FUZZ_SECONDS" \
            -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$FUZZ_TMP/" "$@" \
            "$FUZZ_TMP/live") >"$FUZZ_TMP/fuzz.log" 2>&1
    rc=$?
    if [ $rc -ne 0 ]; then
        tail -50 "$FUZZ_TMP/fuzz.log"
        echo "FAIL: fuzz_$FUZZ_NAME found a crashing input (exit $rc); reproducer in $FUZZ_TMP/crash-* (run: $FUZZ_ROOT/fuzz-tree/fuzz_$FUZZ_NAME FILE)"
        exit 1
    fi
    runs=$(grep -o 'Done [0-9]* runs' "$FUZZ_TMP/fuzz.log" | grep -o '[0-9]*')
    if [ -z "$runs" ] || [ "$runs" -lt "$min" ]; then
        tail -20 "$FUZZ_TMP/fuzz.log"
        echo "FAIL: fuzz_$FUZZ_NAME ran only '${runs:-0}' inputs (expected at least $min)"
        exit 1
    fi
    echo "ok: fuzz_$FUZZ_NAME ran $runs inputs in ${FUZZ_SECONDS}s, no crash ($(grep -c . <(ls "$FUZZ_TMP/live")) corpus files)"
}
