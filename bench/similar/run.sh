#!/usr/bin/env bash
# `moodscope similar` speed: moodscope's HNSW (src/recommend/hnsw.c, our own C code) against
# Debian's python3-hnswlib on the same 1M×32 vectors, M, ef_construction and threads: build
# time, and recall@10 against exact search with single-thread queries per CPU second for
# every ef, the two tools' query passes interleaved (ours, theirs, ours, ...; medians of
# ROUNDS passes) so that the load of a shared machine hits both alike. Exact search latency
# on 100k tracks too. Writes its markdown section to bench/out/similar.md. Runnable alone:
#   bench/similar/run.sh [N]          (N vectors, default 1000000; 100000 with MOOD_BENCH_QUICK=1)
# Environment: BUILD or MOOD_BENCH_BUILD (build directory, default build-bench; bench/run sets
# MOOD_BENCH_BUILD after building bench_similar), MOOD_BENCH_OUT (default bench/out),
# THREADS (build threads, default 2), ROUNDS (query passes per ef and tool, default 5).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD:-${MOOD_BENCH_BUILD:-$root/build-bench}}
if [ "${MOOD_BENCH_QUICK:-0}" = 1 ]; then n=${1:-100000}; else n=${1:-1000000}; fi
threads=${THREADS:-2}
rounds=${ROUNDS:-5}
efs="10 16 24 32 48 64 96 128 192 256"
out=${MOOD_BENCH_OUT:-$root/bench/out}
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-similar.XXXXXX")
pids=""
trap 'exec 3>&- 4>&- 5<&- 6<&- 2>/dev/null; for p in $pids; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
mkdir -p "$out"
if [ -z "${MOOD_BENCH_BUILD:-}" ] || [ ! -x "$build/bench/bench_similar" ]; then
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMOOD_BUILD_BENCH=ON >/dev/null
    cmake --build "$build" --target bench_similar -j"$threads" >/dev/null
fi
common=(--d 32 --k 10 --m 16 --efc 100 --threads "$threads" --dir "$work" --serve 1)
mkfifo "$work/c.in" "$work/c.out" "$work/py.in" "$work/py.out"

# until_ready FD LOG: copy a server's lines to LOG up to its "ready".
until_ready() {
    local line
    while IFS= read -r -u "$1" line; do
        echo "$line" >>"$2"
        echo "[bench/similar] $line" >&2
        [ "$line" = ready ] && return 0
    done
    echo "[bench/similar] a query server ended before it was ready" >&2
    return 1
}
# Builds one after the other (each has the machine to itself, as far as a shared one allows).
"$build/bench/bench_similar" --n "$n" --nq 1000 --exact-n 100000 "${common[@]}" \
    <"$work/c.in" >"$work/c.out" &
pids="$pids $!"
exec 3>"$work/c.in" 5<"$work/c.out"
until_ready 5 "$work/c.txt"
/usr/bin/python3 "$here/hnswlib_ref.py" "${common[@]}" <"$work/py.in" >"$work/py.out" &
pids="$pids $!"
exec 4>"$work/py.in" 6<"$work/py.out"
until_ready 6 "$work/py.txt"
for r in $(seq "$rounds"); do
    for ef in $efs; do
        echo "ef $ef" >&3
        IFS= read -r -u 5 line && echo "$line" >>"$work/c.txt"
        echo "ef $ef" >&4
        IFS= read -r -u 6 line && echo "$line" >>"$work/py.txt"
    done
    echo "[bench/similar] round $r of $rounds done" >&2
done
exec 3>&- 4>&-
wait
cp "$work/c.txt" "$out/similar_moodscope.txt"
cp "$work/py.txt" "$out/similar_hnswlib.txt"
/usr/bin/python3 "$here/report.py" "$work/c.txt" "$work/py.txt" "$threads" "$rounds" \
    >"$out/similar.md"
echo "wrote $out/similar.md"
