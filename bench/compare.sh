#!/usr/bin/env bash
# bench/compare.sh BEFORE_REV [--parts "cluster audio similar mpi queue"] [--quick] [--append]
#                  [--report-only]
# Runs bench parts for two source trees, this one ("after") and BEFORE_REV ("before"), with the
# same measurement scripts (this tree's bench/<part>/run.sh) and each tree's own binaries,
# alternating the two per part (before-after, then after-before for the next part) so that the
# load of a shared machine hits both alike; then checks this tree's golden files
# (tests/golden) against the before binary, and writes bench/out/compare.md (raw outputs of each side in bench/out/compare/{before,after}): every
# figure side by side, quality figures compared for equality, speed as a ratio after/before.
# See the header of bench/compare.py for what is compared and how.
#
# BEFORE_REV: a commit; its worktree is $MOOD_COMPARE_BEFORE_TREE (default ../wt-compare-REV,
# created with `git worktree add --detach` when absent). Each tree is built into its own
# build-bench/ (Release, -DMOOD_BUILD_BENCH=ON), as bench/run does.
# Environment passed to the parts (as bench/run does): MOOD_SHARED_DIR, and the parts' own
# size knobs (MOOD_BENCH_HELDOUT_N, MOOD_QUEUE_REPEAT, MOOD_QUEUE_FILES, ROUNDS, ...).
# MOOD_COMPARE_SIMILAR_N: vectors for the similar part (default: its own, 1M; 100k --quick).
# MOOD_BENCH_ESSENTIA: the audio part's Essentia peer, 0 (default here: it is a peer's figure
# and takes ~7 min per run on 2 cores; set 1 to include it).
# --append: keep bench/out/compare/ and add the given parts to it (other sizes may be given
# for them; the report lists each invocation's settings).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PARTS="cluster audio similar mpi queue"
QUICK=0
REPORT_ONLY=0
APPEND=0
REV=""
while [ $# -gt 0 ]; do
    case $1 in
    --parts) PARTS=$2; shift ;;
    --quick) QUICK=1 ;;
    --report-only) REPORT_ONLY=1 ;;
    --append) APPEND=1 ;;
    -h | --help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bench/compare.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    *) [ -z "$REV" ] || { echo "bench/compare.sh: one BEFORE_REV only" >&2; exit 2; }
       REV=$1 ;;
    esac
    shift
done
[ -n "$REV" ] || { echo "bench/compare.sh: BEFORE_REV missing (try --help)" >&2; exit 2; }
for p in $PARTS; do
    [ -f "$ROOT/bench/$p/run.sh" ] || { echo "bench/compare.sh: no part $p (bench/$p/run.sh)" >&2; exit 2; }
done
SHA=$(git -C "$ROOT" rev-parse --verify "$REV^{commit}") ||
    { echo "bench/compare.sh: $REV is not a commit of $ROOT" >&2; exit 2; }
BEFORE=${MOOD_COMPARE_BEFORE_TREE:-$(cd "$ROOT/.." && pwd)/wt-compare-${SHA:0:7}}
AFTER=$ROOT
OUT=$ROOT/bench/out/compare
REPORT=$ROOT/bench/out/compare.md
mkdir -p "$OUT/before" "$OUT/after"
log() { printf '[compare %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

if [ ! -d "$BEFORE" ]; then
    log "worktree of $REV at $BEFORE"
    git -C "$ROOT" worktree add --detach "$BEFORE" "$SHA" >&2
fi
[ "$(git -C "$BEFORE" rev-parse HEAD)" = "$SHA" ] ||
    { echo "bench/compare.sh: $BEFORE is not at $REV (set MOOD_COMPARE_BEFORE_TREE)" >&2; exit 2; }

# build TREE: its bench programs and CLI in TREE/build-bench (Release), as bench/run builds them.
build() {
    local t=$1 targets
    targets=$(for f in "$t"/bench/*/bench_*.c; do [ -f "$f" ] && basename "$f" .c; done)
    log "building $t/build-bench"
    mkdir -p "$t/build-bench"
    nice -n 10 cmake -S "$t" -B "$t/build-bench" -DCMAKE_BUILD_TYPE=Release -DMOOD_BUILD_BENCH=ON \
        >"$t/build-bench/compare-configure.log" 2>&1 ||
        { tail -20 "$t/build-bench/compare-configure.log" >&2; return 1; }
    # shellcheck disable=SC2086
    nice -n 10 cmake --build "$t/build-bench" -j2 --target $targets moodscope >"$t/build-bench/compare-build.log" 2>&1 ||
        { tail -30 "$t/build-bench/compare-build.log" >&2; return 1; }
}

export MOOD_SHARED_DIR=${MOOD_SHARED_DIR:-$(cd "$ROOT/.." && pwd)/shared}
export MOOD_BENCH_QUICK=$QUICK MOOD_BENCH_ESSENTIA=${MOOD_BENCH_ESSENTIA:-0}
RUNS=$OUT/runs.jsonl

# run_part PART SIDE: this tree's bench/PART/run.sh with SIDE's build, into $OUT/SIDE.
run_part() {
    local part=$1 side=$2 tree build t0 t1 l0 l1 rc=0
    [ "$side" = before ] && tree=$BEFORE || tree=$AFTER
    build=$tree/build-bench
    local args=()
    [ "$part" = similar ] && [ -n "${MOOD_COMPARE_SIMILAR_N:-}" ] && args=("$MOOD_COMPARE_SIMILAR_N")
    log "part $part, $side ($(git -C "$tree" rev-parse --short HEAD))"
    l0=$(cut -d' ' -f1 /proc/loadavg)
    t0=$(date +%s.%N)
    MOOD_BENCH_BUILD=$build MOOD_BENCH_OUT=$OUT/$side nice -n 10 \
        bash "$ROOT/bench/$part/run.sh" "${args[@]}" >"$OUT/$side/$part.log" 2>&1 || rc=$?
    t1=$(date +%s.%N)
    l1=$(cut -d' ' -f1 /proc/loadavg)
    [ $rc = 0 ] || log "part $part, $side FAILED (exit $rc; $OUT/$side/$part.log)"
    printf '{"part":"%s","side":"%s","rev":"%s","exit":%d,"start_utc":"%s","wall_s":%.1f,"load_start":%s,"load_end":%s}\n' \
        "$part" "$side" "$(git -C "$tree" rev-parse --short HEAD)" "$rc" \
        "$(date -u -d "@${t0%.*}" '+%Y-%m-%d %H:%M:%S')" \
        "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" "$l0" "$l1" >>"$RUNS"
}

# golden_check: this tree's golden files against the before binary (and the after binary):
# the after tree's tests/cli/test_golden.sh with MOODSCOPE set to each.
golden_check() {
    local side bin
    for side in before after; do
        [ "$side" = before ] && bin=$BEFORE/build-bench/moodscope || bin=$AFTER/build-bench/moodscope
        log "golden files of $(git -C "$AFTER" rev-parse --short HEAD) against the $side binary"
        MOODSCOPE=$bin MOOD_SOURCE_DIR=$AFTER MOOD_TEST_TMP=$OUT/$side/golden-tmp \
            bash "$AFTER/tests/cli/test_golden.sh" >"$OUT/$side/golden.txt" 2>&1 || true
        rm -rf "$OUT/$side/golden-tmp"
    done
}

if [ "$REPORT_ONLY" = 0 ]; then
    build "$BEFORE"
    build "$AFTER"
    # A new comparison starts empty; --append adds parts (or reruns them) to the last one.
    if [ "$APPEND" = 0 ]; then rm -rf "$OUT"; fi
    mkdir -p "$OUT/before" "$OUT/after"
    # The audio part's rendered held-out corpus is cached in the build directory; both sides
    # use the same files (rendered once, by this tree's bench/audio/corpus.py).
    mkdir -p "$AFTER/build-bench/bench-corpus"
    if [ ! -L "$BEFORE/build-bench/bench-corpus" ]; then
        rm -rf "$BEFORE/build-bench/bench-corpus"
        ln -s "$AFTER/build-bench/bench-corpus" "$BEFORE/build-bench/bench-corpus"
    fi
    {
        printf '{"before_rev":"%s","before_tree":"%s","after_rev":"%s","after_tree":"%s",' \
            "$(git -C "$BEFORE" rev-parse --short HEAD)" "$BEFORE" \
            "$(git -C "$AFTER" rev-parse --short HEAD)" "$AFTER"
        printf '"after_dirty":%s,"quick":%s,"parts":"%s","start_utc":"%s","cpu":"%s","cores":%s,' \
            "$([ -z "$(git -C "$AFTER" status --porcelain -- src include)" ] && echo false || echo true)" \
            "$QUICK" "$PARTS" "$(date -u '+%Y-%m-%d %H:%M UTC')" \
            "$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)" "$(nproc)"
        printf '"essentia":%s,"similar_n":"%s","heldout_n":"%s","queue_repeat":"%s","cluster_budget":"%s"}\n' \
            "$MOOD_BENCH_ESSENTIA" "${MOOD_COMPARE_SIMILAR_N:-default}" \
            "${MOOD_BENCH_HELDOUT_N:-default}" "${MOOD_QUEUE_REPEAT:-default}" "${MOOD_BENCH_BUDGET:-default}"
    } >"$OUT/meta.new.json"
    if [ "$APPEND" = 1 ] && [ -f "$OUT/meta.json" ]; then
        # The earlier invocation's settings stay; this one's are recorded beside them.
        /usr/bin/python3 -c 'import json, sys
m = json.load(open(sys.argv[1])); n = json.load(open(sys.argv[2]))
m.setdefault("appended", []).append(n)
m["parts"] = " ".join(dict.fromkeys(m["parts"].split() + n["parts"].split()))
json.dump(m, open(sys.argv[1], "w"))' "$OUT/meta.json" "$OUT/meta.new.json"
        rm "$OUT/meta.new.json"
        for part in $PARTS; do # a part run again replaces its earlier lines
            grep -v "\"part\":\"$part\"" "$RUNS" >"$RUNS.tmp" || true
            mv "$RUNS.tmp" "$RUNS"
        done
    else
        mv "$OUT/meta.new.json" "$OUT/meta.json"
        : >"$RUNS"
    fi
    [ "$APPEND" = 1 ] || golden_check
    i=0
    for part in $PARTS; do
        # ABBA order over the parts: neither side always runs first.
        if [ $((i % 2)) = 0 ]; then order="before after"; else order="after before"; fi
        for side in $order; do run_part "$part" "$side"; done
        i=$((i + 1))
        # The report so far, after every part (an interrupted run keeps what it measured).
        /usr/bin/python3 "$ROOT/bench/compare.py" "$OUT" >"$REPORT.tmp" && mv "$REPORT.tmp" "$REPORT" ||
            log "the report failed (bench/compare.py)"
    done
fi
/usr/bin/python3 "$ROOT/bench/compare.py" "$OUT" >"$REPORT.tmp"
mv "$REPORT.tmp" "$REPORT"
log "wrote $REPORT"
