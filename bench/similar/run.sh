#!/usr/bin/env bash
# `moodscope similar` speed: HNSW build and queries side by side with Debian's python3-hnswlib
# on the same 1M×32 vectors (recall@10 against exact search, single-thread queries per second,
# build time with the same thread count), and exact search latency on 100k tracks.
# Writes its markdown section to bench/out/similar.md. Runnable alone:
#   bench/similar/run.sh [N]          (N vectors, default 1000000; 100000 with MOOD_BENCH_QUICK=1)
# Environment: BUILD or MOOD_BENCH_BUILD (build directory, default build-bench; bench/run sets
# MOOD_BENCH_BUILD after building bench_similar), MOOD_BENCH_OUT (default bench/out),
# THREADS (build threads, default 2). Takes about 15 min at 1M on a busy 2-core machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD:-${MOOD_BENCH_BUILD:-$root/build-bench}}
if [ "${MOOD_BENCH_QUICK:-0}" = 1 ]; then n=${1:-100000}; else n=${1:-1000000}; fi
threads=${THREADS:-2}
out=${MOOD_BENCH_OUT:-$root/bench/out}
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-similar.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
if [ -z "${MOOD_BENCH_BUILD:-}" ] || [ ! -x "$build/bench/bench_similar" ]; then
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMOOD_BUILD_BENCH=ON >/dev/null
    cmake --build "$build" --target bench_similar -j"$threads" >/dev/null
fi
common=(--d 32 --k 10 --m 16 --efc 100 --threads "$threads" --dir "$work")
"$build/bench/bench_similar" --n "$n" --nq 1000 --exact-n 100000 "${common[@]}" | tee "$work/c.txt"
/usr/bin/python3 "$here/hnswlib_ref.py" "${common[@]}" | tee "$work/py.txt"

val() { sed -n "s/^$1=//p" "$2"; }
{
    echo "## similar: HNSW against python3-hnswlib, exact search"
    echo
    echo "$(date -u +%Y-%m-%d), $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1))."
    echo "$(val n "$work/c.txt") vectors × 32 (seeded Gaussian mixture, 2000 blobs), 1000 queries,"
    echo "M=16, ef_construction=100, build with $threads threads on both sides, queries on one thread"
    echo "(best of three passes); moodscope runs hnswlib's AVX2 kernels when the CPU has them;"
    echo "recall@10 against exact search (blocked sgemm, $(val exact_batch_s "$work/c.txt") s for all queries)."
    echo
    echo "Times are CPU seconds of the process (all threads), which a shared machine disturbs far"
    echo "less than wall time; wall time in brackets."
    echo
    echo "| | build CPU s (wall s) |"
    echo "|---|---:|"
    echo "| moodscope (hnswlib 0.6.2 headers behind the C API) | $(val build_cpu_s "$work/c.txt") ($(val build_s "$work/c.txt")) |"
    echo "| python3-hnswlib 0.6.2 | $(val build_cpu_s "$work/py.txt") ($(val build_s "$work/py.txt")) |"
    echo
    echo "| ef | moodscope recall@10 | moodscope queries per CPU s (wall) | hnswlib recall@10 | hnswlib queries per CPU s (wall) |"
    echo "|---:|---:|---:|---:|---:|"
    paste -d' ' <(grep '^ef=' "$work/c.txt") <(grep '^ef=' "$work/py.txt") |
        sed 's/[a-z_]*=//g' |
        awk '{printf "| %s | %s | %s (%s) | %s | %s (%s) |\n", $1, $2, $4, $3, $6, $8, $7}'
    echo
    first95() { awk '/^ef=/ { split($0, f, /[ =]/); if (f[4] >= 0.95) { print "ef=" f[2] ", recall " f[4] ", " f[8] " queries per CPU s"; exit } }' "$1"; }
    echo "Smallest ef reaching recall@10 >= 0.95: moodscope $(first95 "$work/c.txt"); python3-hnswlib $(first95 "$work/py.txt")."
    echo
    echo "Exact search, one query at a time (the path \`similar\` takes up to 100k tracks):"
    echo "$(val exact_ms_per_query "$work/c.txt") ms per query on $(val exact_n "$work/c.txt") tracks × 32."
} >"$out/similar.md"
echo "wrote $out/similar.md"
